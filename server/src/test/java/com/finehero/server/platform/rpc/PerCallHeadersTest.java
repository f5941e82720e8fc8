package com.finehero.server.platform.rpc;

import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.WritableHeaders;
import io.helidon.http.http2.Http2Headers;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PerCallHeadersTest {

    @Test
    void theRequestIdAndTracePositionAreSentWithoutIndexingAndTheRestAsTheyWere() {
        WritableHeaders<?> response = WritableHeaders.create();
        response.set(HeaderValues.create(HeaderNames.CONTENT_TYPE, "application/grpc"));
        response.set(HeaderValues.create(HeaderNames.create("x-request-id"), "6f1c2a4e-9b7d-4c3a-8e2f-1a2b3c4d5e6f"));
        response.set(HeaderValues.create(HeaderNames.create("traceparent"), "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"));
        response.set(HeaderValues.create(HeaderNames.create("x-other"), "kept"));

        Http2Headers written = GrpcStreamGuard.notIndexedPerCall(Http2Headers.create(response));

        var headers = written.httpHeaders();
        assertThat(headers.get(HeaderNames.create("x-request-id")).changing()).isTrue();
        assertThat(headers.get(HeaderNames.create("x-request-id")).get()).isEqualTo("6f1c2a4e-9b7d-4c3a-8e2f-1a2b3c4d5e6f");
        assertThat(headers.get(HeaderNames.create("traceparent")).changing()).isTrue();
        assertThat(headers.get(HeaderNames.create("traceparent")).get())
                .isEqualTo("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        assertThat(headers.get(HeaderNames.CONTENT_TYPE).changing()).isFalse();
        assertThat(headers.get(HeaderNames.create("x-other")).changing()).isFalse();
        assertThat(headers.size()).isEqualTo(4);
    }

    @Test
    void headersWithoutThemAreLeftAlone() {
        WritableHeaders<?> trailers = WritableHeaders.create();
        trailers.set(HeaderValues.create(HeaderNames.create("grpc-status"), "0"));

        Http2Headers written = GrpcStreamGuard.notIndexedPerCall(Http2Headers.create(trailers));

        assertThat(written.httpHeaders().size()).isEqualTo(1);
        assertThat(written.httpHeaders().get(HeaderNames.create("grpc-status")).changing()).isFalse();
    }
}

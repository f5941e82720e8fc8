package com.finehero.server.platform.rpc;

import com.finehero.server.platform.observe.RequestContext;
import com.finehero.server.platform.observe.CallObserver;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.WritableHeaders;
import io.helidon.http.http2.Http2Headers;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PerCallHeadersTest {

    // the names the interceptors send, so that renaming either there fails here
    private static final HeaderName REQUEST_ID = HeaderNames.create(RequestContext.REQUEST_ID_HEADER.name());
    private static final HeaderName TRACEPARENT = HeaderNames.create(CallObserver.TRACEPARENT.name());

    @Test
    void theRequestIdAndTracePositionAreSentWithoutIndexingAndTheRestAsTheyWere() {
        WritableHeaders<?> response = WritableHeaders.create();
        response.set(HeaderValues.create(HeaderNames.CONTENT_TYPE, "application/grpc"));
        response.set(HeaderValues.create(REQUEST_ID, "6f1c2a4e-9b7d-4c3a-8e2f-1a2b3c4d5e6f"));
        response.set(HeaderValues.create(TRACEPARENT, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"));
        response.set(HeaderValues.create(HeaderNames.create("x-other"), "kept"));

        Http2Headers written = GrpcStreamGuard.notIndexedPerCall(Http2Headers.create(response));

        var headers = written.httpHeaders();
        assertThat(headers.get(REQUEST_ID).changing()).isTrue();
        assertThat(headers.get(REQUEST_ID).get()).isEqualTo("6f1c2a4e-9b7d-4c3a-8e2f-1a2b3c4d5e6f");
        assertThat(headers.get(TRACEPARENT).changing()).isTrue();
        assertThat(headers.get(TRACEPARENT).get())
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

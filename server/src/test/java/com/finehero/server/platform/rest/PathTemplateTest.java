package com.finehero.server.platform.rest;

import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** What a template captures from a path, and which paths it refuses. */
class PathTemplateTest {

    private static Optional<Map<String, String>> match(String template, String path) {
        return PathTemplate.parse(template).match(path);
    }

    @Test
    void aVariableTakesOneNonEmptySegmentDecoded() {
        assertThat(match("/v1/fines/{fine_id}", "/v1/fines/a%2Fb+c")).hasValue(Map.of("fine_id", "a/b+c"));
        assertThat(match("/v1/fines/{fine_id}", "/v1/fines/")).isEmpty();
        assertThat(match("/v1/fines/{fine_id}", "/v1/fines")).isEmpty();
        assertThat(match("/v1/fines/{fine_id}", "/v1/fines/a/b")).isEmpty();
        assertThat(match("/v1/fines/{fine_id}", "/v1/finez/a")).isEmpty();
        assertThat(match("/v1/fines/{fine_id}", "v1/fines/a")).isEmpty();
    }

    @Test
    void literalsAloneCaptureNothing() {
        assertThat(match("/v1/fines", "/v1/fines")).hasValue(Map.of());
        assertThat(match("/v1/fines", "/v1/fines/")).isEmpty();
        assertThat(match("/", "/")).hasValue(Map.of());
    }

    @Test
    void aVariableOverSeveralSegmentsJoinsThemWithSlashesKeepingItsLiteralsAsSent() {
        assertThat(match("/v1/{name=shelves/*/books/*}", "/v1/shelves/s%201/books/b1"))
                .hasValue(Map.of("name", "shelves/s 1/books/b1"));
        assertThat(match("/v1/{name=shelves/*/books/*}", "/v1/shelves/s1/novels/b1")).isEmpty();
        assertThat(match("/v1/{a}/x/{b.c}", "/v1/one/x/two")).hasValue(Map.of("a", "one", "b.c", "two"));
    }

    @Test
    void aDoubleWildcardTakesAnyNumberOfSegmentsWithTheirSlashes() {
        assertThat(match("/v1/files/{path=**}", "/v1/files/a/b/c")).hasValue(Map.of("path", "a/b/c"));
        assertThat(match("/v1/files/{path=**}", "/v1/files")).hasValue(Map.of("path", ""));
        assertThat(match("/v1/files/{path=**}/meta", "/v1/files/a/b/meta")).hasValue(Map.of("path", "a/b"));
        assertThat(match("/v1/files/{path=**}/meta", "/v1/files/a/b")).isEmpty();
    }

    @Test
    void aVerbMustEndThePathAndIsNotPartOfTheLastVariable() {
        assertThat(match("/v1/echo/{id}:shout", "/v1/echo/abc:shout")).hasValue(Map.of("id", "abc"));
        assertThat(match("/v1/echo/{id}:shout", "/v1/echo/abc:whisper")).isEmpty();
        assertThat(match("/v1/echo/{id}:shout", "/v1/echo/abc")).isEmpty();
        assertThat(match("/v1/echo/{id}:shout", "/v1/echo/:shout")).isEmpty();
        assertThat(match("/v1/echo/{id}:shout", "/v1/echo/abcshout")).isEmpty();
        assertThat(match("/v1/echo/{id}", "/v1/echo/abc:shout")).hasValue(Map.of("id", "abc:shout"));
        assertThat(match("/v1/files/{path=**}:read", "/v1/files/a/b:read")).hasValue(Map.of("path", "a/b"));
    }

    @Test
    void aMalformedEscapeInACapturedSegmentIs400NamingTheSegment() {
        RestRequestException refused = catchThrowableOfType(RestRequestException.class,
                () -> match("/v1/fines/{fine_id}", "/v1/fines/a%zz"));
        assertThat(refused.httpStatus()).isEqualTo(400);
        assertThat(refused.status().getMessage()).contains("'a%zz'", "malformed percent-escape");
        assertThat(match("/v1/fines/{fine_id}/versions", "/v1/fines/a%zz")).isEmpty(); // another template: not its concern
    }

    @Test
    void aTemplateThatDoesNotMatchIsRefusedWithoutCapturingFromSegmentsSplitOnce() {
        PathTemplate template = PathTemplate.parse("/v1/fines/{fine_id}");
        String path = "/v1/documents/d1";
        assertThat(template.match(path, PathTemplate.segmentsOf(path))).isNull();
        String fine = "/v1/fines/f1";
        assertThat(template.match(fine, PathTemplate.segmentsOf(fine))).isEqualTo(Map.of("fine_id", "f1"));
    }
}

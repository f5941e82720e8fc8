package com.finehero.server.platform.paging;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.finehero.server.platform.errors.FineHeroException;
import com.google.protobuf.Timestamp;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KeysetPageTest {

    @Test
    void aShortFetchIsTheLastPage() {
        KeysetPage<String> page = KeysetPage.of(List.of("a", "b"), 2, "scope", s -> List.of(s));
        assertThat(page.items()).containsExactly("a", "b");
        assertThat(page.nextPageToken()).isEmpty();
    }

    @Test
    void theExtraRowIsDroppedAndTheTokenPointsAtTheLastKeptOne() {
        KeysetPage<String> page = KeysetPage.of(List.of("a", "b", "c"), 2, "scope", s -> List.of(s));
        assertThat(page.items()).containsExactly("a", "b");
        assertThat(PageTokens.decode(page.nextPageToken(), "scope", 1)).containsExactly("b");
    }

    @Test
    void fetchAsksForOneMoreThanThePage() {
        List<Integer> asked = new ArrayList<>();
        KeysetPage<String> page = KeysetPage.fetch(2, "scope", n -> {
            asked.add(n);
            return List.of("a", "b", "c").subList(0, n);
        }, s -> List.of(s));
        assertThat(asked).containsExactly(3);
        assertThat(page.items()).containsExactly("a", "b");
        assertThat(page.nextPageToken()).isNotEmpty();
    }

    @Test
    void aTimeAndIdPositionComesBackAsTheCursorOfTheNextPage() {
        Instant time = Instant.parse("2026-03-01T10:15:30.123456Z");
        Timestamp proto = Timestamp.newBuilder().setSeconds(time.getEpochSecond()).setNanos(time.getNano()).build();
        String token = PageTokens.encode("scope", KeysetPage.position(proto, "f-9"));
        Map.Entry<Instant, String> after = KeysetPage.after(token, "scope", Map::entry);
        Map.Entry<Instant, String> first = KeysetPage.after("", "scope", Map::entry);
        assertThat(after).isEqualTo(Map.entry(time, "f-9"));
        assertThat(first).isNull();
    }

    @Test
    void aTokenWhoseTimeIsNotATimeIsRejected() {
        String token = PageTokens.encode("scope", List.of("yesterday", "f-9"));
        assertThatThrownBy(() -> KeysetPage.after(token, "scope", Map::entry))
                .isInstanceOf(FineHeroException.InvalidArgument.class);
    }
}

package com.finehero.server.platform.paging;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

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
}

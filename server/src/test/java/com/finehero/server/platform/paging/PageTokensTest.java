package com.finehero.server.platform.paging;

import java.util.List;

import com.finehero.server.platform.errors.FineHeroException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PageTokensTest {

    @Test
    void roundTripsThePosition() {
        String token = PageTokens.encode("status=OPEN", List.of("2026-01-01T00:00:00Z", "abc"));
        assertThat(PageTokens.decode(token, "status=OPEN", 2)).containsExactly("2026-01-01T00:00:00Z", "abc");
    }

    @Test
    void rejectsTokensOfOtherScopesOrShapes() {
        String token = PageTokens.encode("status=OPEN", List.of("a", "b"));
        assertThatThrownBy(() -> PageTokens.decode(token, "status=PAID", 2))
                .isInstanceOf(FineHeroException.InvalidArgument.class).hasMessageContaining("other filters");
        assertThatThrownBy(() -> PageTokens.decode(token, "status=OPEN", 3))
                .isInstanceOf(FineHeroException.InvalidArgument.class).hasMessageContaining("page_token");
        assertThatThrownBy(() -> PageTokens.decode("!!!", "status=OPEN", 2))
                .isInstanceOf(FineHeroException.InvalidArgument.class);
    }
}

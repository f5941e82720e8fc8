package com.finehero.server.platform.paging;

import java.util.List;
import java.util.function.Function;

/**
 * One page of a keyset listing. A store is asked for {@code limit + 1} rows; the extra row only says
 * that another page exists, so it is dropped and the token points at the last row kept.
 *
 * @param items         at most {@code limit} items
 * @param nextPageToken the token of the next page, or empty on the last page
 */
public record KeysetPage<T>(List<T> items, String nextPageToken) {

    /**
     * Trims {@code fetched} (asked for with {@code limit + 1}) to {@code limit} and makes the token
     * from the last kept item's position, bound to {@code scope} (see {@link PageTokens}).
     */
    public static <T> KeysetPage<T> of(List<T> fetched, int limit, String scope, Function<T, List<String>> position) {
        if (fetched.size() <= limit) {
            return new KeysetPage<>(fetched, "");
        }
        List<T> kept = List.copyOf(fetched.subList(0, limit));
        return new KeysetPage<>(kept, PageTokens.encode(scope, position.apply(kept.getLast())));
    }
}

package com.finehero.server.platform.paging;

import java.time.DateTimeException;
import java.time.Instant;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.IntFunction;

import com.finehero.server.platform.errors.FineHeroException;
import com.google.protobuf.Timestamp;

/**
 * One page of a keyset listing. A store is asked for {@code limit + 1} rows; the extra row only says
 * that another page exists, so it is dropped and the token points at the last row kept.
 *
 * @param items         at most {@code limit} items
 * @param nextPageToken the token of the next page, or empty on the last page
 */
public record KeysetPage<T>(List<T> items, String nextPageToken) {

    /**
     * Asks {@code fetch} for {@code limit + 1} items and makes the page of the first {@code limit}
     * (see {@link #of}).
     */
    public static <T> KeysetPage<T> fetch(int limit, String scope, IntFunction<List<T>> fetch, Function<T, List<String>> position) {
        return of(fetch.apply(limit + 1), limit, scope, position);
    }

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

    /** The position of an item in a listing ordered by {@code (time DESC, id DESC)}, for {@link #fetch}. */
    public static List<String> position(Timestamp time, String id) {
        return List.of(Instant.ofEpochSecond(time.getSeconds(), time.getNanos()).toString(), id);
    }

    /**
     * The cursor a token of such a listing carries, made by {@code cursor} from the time and id of the
     * last item of the previous page; null for an empty token (the first page). INVALID_ARGUMENT for a
     * token this listing did not make.
     */
    public static <C> C after(String token, String scope, BiFunction<Instant, String, C> cursor) {
        if (token.isEmpty()) {
            return null;
        }
        List<String> position = PageTokens.decode(token, scope, 2);
        Instant time;
        try {
            time = Instant.parse(position.get(0));
        } catch (DateTimeException e) {
            throw FineHeroException.invalidField("page_token", "is not a token returned by this listing");
        }
        return cursor.apply(time, position.get(1));
    }
}

package com.finehero.server.auth;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import com.finehero.server.platform.cache.LocalCaches;
import com.finehero.server.platform.cache.RedisConnector;
import com.finehero.server.platform.errors.FineHeroException;
import com.github.benmanes.caffeine.cache.Cache;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

/**
 * The deny-list of access tokens: single tokens (logout) and everything a user was issued before a
 * time (admin revocation, disabling). Entries live only as long as the tokens they deny could. With
 * Redis they are shared by every instance, each of which re-reads a token's entry at most every
 * {@code recheck}; without Redis (the embedded mode) they are kept in this process. If Redis cannot be
 * reached, a revocation fails loudly (UNAVAILABLE) and checks rely on what this instance already knows.
 */
public final class Revocations {

    private static final System.Logger LOG = System.getLogger(Revocations.class.getName());

    /** What the deny-list says about one token. */
    private record Entry(boolean tokenDenied, long userCutoffMillis) {
        boolean denies(Instant issuedAt) {
            return tokenDenied || issuedAt.toEpochMilli() < userCutoffMillis;
        }
    }

    private final RedisConnector redis;
    private final Clock clock;
    private final Duration tokenLifetime;
    /** Known revocations: the whole truth without Redis, and this instance's own with it. */
    private final Map<String, Instant> deniedTokens = new ConcurrentHashMap<>();
    private final Map<String, Instant> userCutoffs = new ConcurrentHashMap<>();
    private final Cache<String, Entry> lookups;

    Revocations(RedisConnector redis, Clock clock, Duration tokenLifetime, Duration recheck) {
        this.redis = Objects.requireNonNull(redis, "redis");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.tokenLifetime = Objects.requireNonNull(tokenLifetime, "tokenLifetime");
        this.lookups = LocalCaches.builder().maximumSize(100_000).expireAfterWrite(recheck).build();
    }

    void revokeToken(String tokenId, Instant expiresAt) {
        Duration remaining = Duration.between(clock.instant(), expiresAt).plus(AccessTokens.LEEWAY);
        if (remaining.isNegative() || remaining.isZero()) {
            return;
        }
        deniedTokens.put(tokenId, expiresAt.plus(AccessTokens.LEEWAY));
        lookups.invalidate(tokenId);
        inRedis(client -> client.getBucket(redis.key("revoked", "token", tokenId), StringCodec.INSTANCE).set("1", remaining));
    }

    /** Denies every token issued to the user before {@code cutoff}. */
    void revokeUser(String userId, Instant cutoff) {
        userCutoffs.merge(userId, cutoff, (a, b) -> a.isAfter(b) ? a : b);
        lookups.invalidateAll();
        Duration keep = tokenLifetime.plus(AccessTokens.LEEWAY).multipliedBy(2);
        inRedis(client -> client.getBucket(redis.key("revoked", "user", userId), StringCodec.INSTANCE)
                .set(Long.toString(cutoff.toEpochMilli()), keep));
    }

    boolean isRevoked(String tokenId, String userId, Instant issuedAt) {
        Instant now = clock.instant();
        Instant tokenDeniedUntil = deniedTokens.get(tokenId);
        if (tokenDeniedUntil != null && now.isBefore(tokenDeniedUntil)) {
            return true;
        }
        Instant cutoff = userCutoffs.get(userId);
        if (cutoff != null && issuedAt.isBefore(cutoff)) {
            return true;
        }
        if (!redis.config().enabled()) {
            return false;
        }
        Entry entry = lookups.getIfPresent(tokenId);
        if (entry == null) {
            Optional<Entry> read = readFromRedis(tokenId, userId);
            if (read.isEmpty()) {
                return false; // Redis is away: what this instance knows has been checked above
            }
            entry = read.get();
            lookups.put(tokenId, entry);
        }
        return entry.denies(issuedAt);
    }

    /** Drops entries whose tokens have expired anyway; {@code FineHeroApp} runs it on its maintenance schedule. */
    public void forgetExpired() {
        Instant now = clock.instant();
        deniedTokens.values().removeIf(until -> !now.isBefore(until));
        Instant oldest = now.minus(tokenLifetime).minus(AccessTokens.LEEWAY);
        userCutoffs.values().removeIf(cutoff -> cutoff.isBefore(oldest));
    }

    /** The ids of the single tokens this instance holds denied in memory. */
    Set<String> deniedTokenIds() {
        return Set.copyOf(deniedTokens.keySet());
    }

    /** The users this instance holds a cutoff for in memory. */
    Set<String> usersWithCutoff() {
        return Set.copyOf(userCutoffs.keySet());
    }

    private Optional<Entry> readFromRedis(String tokenId, String userId) {
        Optional<RedissonClient> client = redis.available();
        if (client.isEmpty()) {
            return Optional.empty();
        }
        try {
            String tokenKey = redis.key("revoked", "token", tokenId);
            String userKey = redis.key("revoked", "user", userId);
            Map<String, Object> found = client.get().getBuckets(StringCodec.INSTANCE).get(tokenKey, userKey);
            Object cutoff = found.get(userKey);
            return Optional.of(new Entry(found.containsKey(tokenKey), cutoff == null ? Long.MIN_VALUE : Long.parseLong(cutoff.toString())));
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "reading the deny-list from Redis failed: " + e);
            redis.failed(e);
            return Optional.empty();
        }
    }

    private void inRedis(java.util.function.Consumer<RedissonClient> write) {
        if (!redis.config().enabled()) {
            return;
        }
        RedissonClient client = redis.available().orElseThrow(() -> new FineHeroException.Unavailable("REVOCATION_STORE_DOWN",
                "the revocation could not be shared with other instances (Redis is unreachable); try again shortly",
                redis.retryAfter()));
        try {
            write.accept(client);
        } catch (RuntimeException e) {
            redis.failed(e);
            throw new FineHeroException.Unavailable("REVOCATION_STORE_DOWN",
                    "the revocation could not be shared with other instances (Redis is unreachable); try again shortly",
                    redis.retryAfter());
        }
    }
}

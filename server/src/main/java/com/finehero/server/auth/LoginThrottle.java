package com.finehero.server.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

import com.finehero.server.platform.cache.LocalCaches;
import com.finehero.server.platform.errors.FineHeroException;
import com.finehero.server.platform.security.RateLimiter;
import com.finehero.server.platform.security.RateLimits;
import com.github.benmanes.caffeine.cache.Cache;

/**
 * Slows password guessing without letting anyone lock another person out. Only failures count, and
 * they count against the pair (account, address): the first {@code loginFreeFailures} in a row are
 * free, each further one makes that address wait before it may try that account again, the wait
 * doubling from {@code loginBackoff} up to {@code loginBackoffMax}. A correct password clears the
 * pair's count. Failures from one address across all accounts also take from a per-address bucket
 * (shared across instances with Redis); once it is empty, that address waits for its refill.
 *
 * <p>The per-pair counts are each instance's own, so behind N instances a guesser gets up to N times the
 * free failures; the per-address bucket is shared.
 */
final class LoginThrottle {

    /** A pair's failures in a row, and until when it must wait. */
    private record Failures(int count, Instant blockedUntil) { }

    private final RateLimiter limiter;
    private final RateLimits limits;
    private final Clock clock;
    private final Cache<String, Failures> byAccountAndAddress;
    private final Cache<String, Instant> blockedAddresses;

    LoginThrottle(RateLimiter limiter, RateLimits limits, Clock clock) {
        this.limiter = Objects.requireNonNull(limiter, "limiter");
        this.limits = Objects.requireNonNull(limits, "limits");
        this.clock = Objects.requireNonNull(clock, "clock");
        // a pair quiet for twice the longest wait starts afresh
        Duration forget = limits.loginBackoffMax().multipliedBy(2).plusMinutes(1);
        this.byAccountAndAddress = LocalCaches.builder().maximumSize(100_000).expireAfterWrite(forget).build();
        this.blockedAddresses = LocalCaches.builder().maximumSize(100_000).expireAfterWrite(Duration.ofMinutes(2)).build();
    }

    /** RESOURCE_EXHAUSTED (with when to come back) if this address must wait before trying this account. */
    void check(String account, String address) {
        if (!limits.enabled()) {
            return;
        }
        Instant now = clock.instant();
        Instant addressBlocked = blockedAddresses.getIfPresent(address);
        if (addressBlocked != null && now.isBefore(addressBlocked)) {
            throw new FineHeroException.RateLimited("LOGIN_THROTTLED",
                    "too many failed logins from your address; try again later", Duration.between(now, addressBlocked));
        }
        Failures failures = byAccountAndAddress.getIfPresent(key(account, address));
        if (failures != null && now.isBefore(failures.blockedUntil())) {
            throw new FineHeroException.RateLimited("LOGIN_THROTTLED",
                    "too many failed logins for this account from your address; try again later",
                    Duration.between(now, failures.blockedUntil()));
        }
    }

    void failed(String account, String address) {
        if (!limits.enabled()) {
            return;
        }
        Instant now = clock.instant();
        byAccountAndAddress.asMap().compute(key(account, address), (k, previous) -> {
            int count = previous == null ? 1 : previous.count() + 1;
            int over = count - limits.loginFreeFailures();
            return new Failures(count, over <= 0 ? Instant.MIN : now.plus(backoff(over)));
        });
        RateLimiter.Decision decision = limiter.tryTake("login-failures:" + address, limits.loginFailuresPerAddress());
        if (!decision.allowed()) {
            blockedAddresses.put(address, now.plus(decision.retryAfter()));
        }
    }

    void succeeded(String account, String address) {
        byAccountAndAddress.invalidate(key(account, address));
    }

    /** loginBackoff × 2^(over − 1), at most loginBackoffMax. */
    private Duration backoff(int over) {
        Duration wait = limits.loginBackoff();
        for (int i = 1; i < over && wait.compareTo(limits.loginBackoffMax()) < 0; i++) {
            wait = wait.multipliedBy(2);
        }
        return wait.compareTo(limits.loginBackoffMax()) > 0 ? limits.loginBackoffMax() : wait;
    }

    private static String key(String account, String address) {
        return account + "\n" + address;
    }
}

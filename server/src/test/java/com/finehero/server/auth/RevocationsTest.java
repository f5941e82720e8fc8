package com.finehero.server.auth;

import java.time.Duration;
import java.time.Instant;

import com.finehero.server.platform.cache.RedisConfig;
import com.finehero.server.platform.cache.RedisConnector;
import com.finehero.server.testing.SettableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The in-process deny-list forgets a revocation once the tokens it denies have expired, and only then. */
class RevocationsTest {

    private static final Duration TOKEN_LIFETIME = Duration.ofMinutes(15);

    private final SettableClock clock = new SettableClock();
    private final RedisConnector noRedis = new RedisConnector(new RedisConfig("", "", 0, "finehero",
            Duration.ofMillis(500), Duration.ofMillis(500), Duration.ofSeconds(2)), clock);
    private final Revocations revocations = new Revocations(noRedis, clock, TOKEN_LIFETIME, Duration.ofSeconds(2));

    @AfterEach
    void close() {
        noRedis.close();
    }

    @Test
    void expiredEntriesAreForgottenAndLiveOnesKept() {
        Instant start = clock.instant();
        revocations.revokeToken("short-lived", start.plus(Duration.ofMinutes(1)));
        revocations.revokeToken("long-lived", start.plus(Duration.ofMinutes(10)));
        revocations.revokeUser("revoked-first", start);
        revocations.forgetExpired();
        assertThat(revocations.deniedTokenIds()).containsExactlyInAnyOrder("short-lived", "long-lived");
        assertThat(revocations.usersWithCutoff()).containsExactly("revoked-first");

        clock.set(start.plus(Duration.ofMinutes(1)).plus(AccessTokens.LEEWAY));
        revocations.forgetExpired();
        assertThat(revocations.deniedTokenIds()).as("expired with its leeway").containsExactly("long-lived");
        assertThat(revocations.isRevoked("long-lived", "someone", start)).isTrue();

        clock.set(start.plus(Duration.ofMinutes(5)));
        revocations.revokeUser("revoked-later", clock.instant());
        clock.set(start.plus(TOKEN_LIFETIME).plus(AccessTokens.LEEWAY).plusSeconds(1));
        revocations.forgetExpired();
        assertThat(revocations.deniedTokenIds()).isEmpty();
        assertThat(revocations.usersWithCutoff()).as("every token issued before the first cutoff has expired")
                .containsExactly("revoked-later");
        assertThat(revocations.isRevoked("any-token", "revoked-later", start.plus(Duration.ofMinutes(4)))).isTrue();
    }
}

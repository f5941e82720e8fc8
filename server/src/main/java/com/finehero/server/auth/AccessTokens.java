package com.finehero.server.auth;

import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

import com.finehero.api.auth.v1.Role;
import com.finehero.server.platform.cache.LocalCaches;
import com.finehero.server.platform.errors.FineHeroException;
import com.finehero.server.platform.security.JurisdictionScope;
import com.github.benmanes.caffeine.cache.Cache;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

/**
 * Signs access tokens and checks the ones callers present: signature by a known key with that key's
 * algorithm only (so neither {@code alg: none} nor an algorithm swap gets through), issuer, audience,
 * expiry, not-before and the claims FineHero needs. A verified token is remembered until it expires,
 * so a client that reuses its token pays for the signature check once, not on every call.
 */
final class AccessTokens {

    /** Tolerated clock difference between the instance that signed and the one that checks. */
    static final Duration LEEWAY = Duration.ofSeconds(30);
    private static final int MAX_TOKEN_CHARS = 8192;
    private static final JOSEObjectType TYPE = new JOSEObjectType("at+jwt");
    /** The jurisdiction the token's holder reaches; absent: every jurisdiction. */
    private static final String SCOPE_CLAIM = "jurisdiction_scope";

    /** What a valid token says. */
    record Claims(String subject, String name, Set<Role> roles, JurisdictionScope scope, String tokenId, Instant issuedAt,
                  Instant expiresAt) { }

    /** A token just signed. */
    record Issued(String token, Claims claims) { }

    private final SigningKeys keys;
    private final AuthConfig config;
    private final Clock clock;
    private final Cache<String, Claims> verified = LocalCaches.builder()
            .maximumSize(100_000)
            .expireAfterWrite(Duration.ofMinutes(5))
            .build();

    public AccessTokens(SigningKeys keys, AuthConfig config, Clock clock) {
        this.keys = Objects.requireNonNull(keys, "keys");
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    Issued issue(String subject, String name, Set<Role> roles, JurisdictionScope scope) {
        return issue(subject, name, roles, scope, clock.instant());
    }

    /**
     * A token as if issued at {@code now}, which may lie up to {@link #LEEWAY} ahead: a session that
     * must outlive a cutoff just set on its user is issued at that cutoff (tokens carry whole seconds).
     */
    Issued issue(String subject, String name, Set<Role> roles, JurisdictionScope scope, Instant now) {
        Instant expires = now.plus(config.accessTokenTtl());
        String tokenId = UUID.randomUUID().toString();
        JWTClaimsSet.Builder builder = new JWTClaimsSet.Builder();
        if (scope.limited()) {
            builder.claim(SCOPE_CLAIM, scope.code());
        }
        JWTClaimsSet claims = builder
                .issuer(config.issuer())
                .audience(config.audience())
                .subject(subject)
                .claim("name", name)
                .claim("roles", roles.stream().map(Role::name).sorted().toList())
                .jwtID(tokenId)
                .issueTime(Date.from(now))
                .notBeforeTime(Date.from(now))
                .expirationTime(Date.from(expires))
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(keys.signingAlgorithm()).keyID(keys.signingKeyId()).type(TYPE).build(), claims);
        try {
            jwt.sign(keys.signer());
        } catch (JOSEException e) {
            throw new IllegalStateException("signing an access token failed", e);
        }
        return new Issued(jwt.serialize(), new Claims(subject, name, roles, scope, tokenId, Date.from(now).toInstant(), Date.from(expires).toInstant()));
    }

    /**
     * The claims of the token {@code text} holds from {@code from} on, surrounding white space aside (an
     * authorization header after its scheme), if it is valid now; otherwise UNAUTHENTICATED, saying no
     * more than a client can act on. A token verified before is found by the whole text, so a call's
     * header is not copied to find it.
     */
    Claims verify(String text, int from) {
        int end = text.length();
        while (end > from && Character.isWhitespace(text.charAt(end - 1))) {
            end--;
        }
        if (end - from > MAX_TOKEN_CHARS) {
            throw invalid();
        }
        Claims claims = verified.getIfPresent(text);
        if (claims == null) {
            claims = verified.get(text, t -> check(t.substring(from).strip()));
        }
        Instant now = clock.instant();
        if (!now.isBefore(claims.expiresAt().plus(LEEWAY))) {
            verified.invalidate(text);
            throw new FineHeroException.Unauthenticated("TOKEN_EXPIRED", "the access token has expired: refresh it or log in again");
        }
        if (now.plus(LEEWAY).isBefore(claims.issuedAt())) {
            throw invalid();
        }
        return claims;
    }

    private Claims check(String token) {
        try {
            SignedJWT jwt = SignedJWT.parse(token);
            SigningKeys.Verifying key = keys.verifier(jwt.getHeader().getKeyID());
            if (key == null || !key.algorithm().equals(jwt.getHeader().getAlgorithm()) || !jwt.verify(key.verifier())) {
                throw invalid();
            }
            JWTClaimsSet claims = jwt.getJWTClaimsSet();
            List<String> audience = claims.getAudience();
            Date issued = claims.getIssueTime();
            Date expires = claims.getExpirationTime();
            Date notBefore = claims.getNotBeforeTime();
            if (!config.issuer().equals(claims.getIssuer()) || audience == null || !audience.contains(config.audience())
                    || claims.getSubject() == null || claims.getJWTID() == null || issued == null || expires == null) {
                throw invalid();
            }
            if (notBefore != null && clock.instant().plus(LEEWAY).isBefore(notBefore.toInstant())) {
                throw invalid();
            }
            return new Claims(claims.getSubject(), Objects.requireNonNullElse(claims.getStringClaim("name"), ""),
                    roles(claims.getStringListClaim("roles")), scope(claims.getStringClaim(SCOPE_CLAIM)), claims.getJWTID(), issued.toInstant(), expires.toInstant());
        } catch (ParseException | JOSEException | IllegalArgumentException e) {
            throw invalid();
        }
    }

    private static JurisdictionScope scope(String code) {
        if (code == null) {
            return JurisdictionScope.NONE;
        }
        JurisdictionScope scope;
        try {
            scope = JurisdictionScope.of(SCOPE_CLAIM, code);
        } catch (FineHeroException e) {
            throw invalid();
        }
        if (!scope.limited()) {
            throw invalid(); // a claim that names no jurisdiction must not widen the token to all of them
        }
        return scope;
    }

    private static Set<Role> roles(List<String> names) {
        if (names == null || names.isEmpty()) {
            throw invalid();
        }
        EnumSet<Role> roles = EnumSet.noneOf(Role.class);
        for (String name : names) {
            Role role = Role.valueOf(name);
            if (role == Role.ROLE_UNSPECIFIED || role == Role.UNRECOGNIZED) {
                throw invalid();
            }
            roles.add(role);
        }
        return roles;
    }

    private static FineHeroException.Unauthenticated invalid() {
        return new FineHeroException.Unauthenticated("TOKEN_INVALID", "the access token is not valid");
    }
}

package com.finehero.server.auth;

import java.util.Objects;

import com.finehero.server.platform.errors.FineHeroException;
import com.finehero.server.platform.security.Authenticator;
import com.finehero.server.platform.security.Principal;
import io.grpc.Metadata;

/**
 * Reads {@code authorization: Bearer <access token>} or {@code x-api-key: <key>}; never both. An API
 * key is also accepted as the bearer value, because some callers can send no header but
 * {@code authorization} — Prometheus scraping the metrics with a long-lived analyst's key is one.
 */
final class CredentialsAuthenticator implements Authenticator {

    private static final String BEARER = "bearer ";

    private final AccessTokens tokens;
    private final Revocations revocations;
    private final ApiKeys apiKeys;

    public CredentialsAuthenticator(AccessTokens tokens, Revocations revocations, ApiKeys apiKeys) {
        this.tokens = Objects.requireNonNull(tokens, "tokens");
        this.revocations = Objects.requireNonNull(revocations, "revocations");
        this.apiKeys = Objects.requireNonNull(apiKeys, "apiKeys");
    }

    @Override
    public Principal authenticate(Metadata headers) {
        String authorization = headers.get(AUTHORIZATION);
        String apiKey = headers.get(API_KEY);
        if (authorization == null && apiKey == null) {
            return Principal.ANONYMOUS;
        }
        if (authorization != null && apiKey != null) {
            throw new FineHeroException.Unauthenticated("CREDENTIALS_AMBIGUOUS", "send an access token or an API key, not both");
        }
        int bearerAt = authorization != null && isBearer(authorization) ? bearerStart(authorization) : -1;
        if (bearerAt >= 0 && ApiKeys.looksLikeKey(authorization, bearerAt)) {
            apiKey = authorization.substring(bearerAt);
        }
        if (apiKey != null) {
            ApiKeys.Verified verified = apiKeys.verify(apiKey.strip());
            ApiKeyStore.Stored key = verified.stored();
            return new Principal(key.key().getOwnerId(), key.ownerName(), verified.roles(),
                    Principal.Credential.API_KEY, key.key().getApiKeyId(),
                    key.key().hasExpireTime() ? com.finehero.server.platform.db.Times.toInstant(key.key().getExpireTime()) : null,
                    verified.scope());
        }
        if (bearerAt < 0) {
            throw new FineHeroException.Unauthenticated("AUTHORIZATION_MALFORMED",
                    "the authorization header must be 'Bearer <access token or API key>'");
        }
        AccessTokens.Claims claims = tokens.verify(authorization, bearerAt); // found by the header, not copied out of it
        if (revocations.isRevoked(claims.tokenId(), claims.subject(), claims.issuedAt())) {
            throw new FineHeroException.Unauthenticated("TOKEN_REVOKED", "the access token has been revoked: log in again");
        }
        return new Principal(claims.subject(), claims.name(), claims.roles(), Principal.Credential.ACCESS_TOKEN,
                claims.tokenId(), claims.expiresAt(), claims.scope());
    }

    private static boolean isBearer(String authorization) {
        return authorization.length() > BEARER.length() && authorization.regionMatches(true, 0, BEARER, 0, BEARER.length());
    }

    /** Where the bearer value starts: after the scheme and any white space ({@link String#strip} alike). */
    private static int bearerStart(String authorization) {
        int at = BEARER.length();
        while (at < authorization.length() && Character.isWhitespace(authorization.codePointAt(at))) {
            at++;
        }
        return at;
    }
}

package com.finehero.server.platform.security;

import io.grpc.Metadata;

/** Turns a call's credentials into a {@link Principal}. */
@FunctionalInterface
public interface Authenticator {

    Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    Metadata.Key<String> API_KEY = Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER);

    /**
     * The principal the headers prove, {@link Principal#ANONYMOUS} when they carry no credentials.
     *
     * @throws com.finehero.server.platform.errors.FineHeroException.Unauthenticated for credentials that
     *         are present but not good (malformed, expired, revoked, wrongly signed, unknown)
     */
    Principal authenticate(Metadata headers);
}

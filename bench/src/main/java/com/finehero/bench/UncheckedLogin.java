package com.finehero.bench;

import java.time.Instant;

import com.finehero.api.auth.v1.AuthServiceGrpc;
import com.finehero.api.auth.v1.LoginRequest;
import com.finehero.api.auth.v1.TokenResponse;
import com.google.protobuf.Timestamp;
import io.grpc.stub.StreamObserver;

/**
 * The sign-in of a peer that checks no credentials: the load tools log in before they call, so a peer
 * answers the login with a token it never reads, valid for a day.
 */
final class UncheckedLogin extends AuthServiceGrpc.AuthServiceImplBase {

    @Override
    public void login(LoginRequest request, StreamObserver<TokenResponse> response) {
        response.onNext(TokenResponse.newBuilder().setAccessToken("unchecked").setTokenType("Bearer")
                .setAccessTokenExpireTime(Timestamp.newBuilder().setSeconds(Instant.now().getEpochSecond() + 86400)).build());
        response.onCompleted();
    }
}

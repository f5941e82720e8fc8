package com.finehero.client;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;

/**
 * Read-your-writes when FineHero reads from replicas: remembers the newest {@code x-finehero-consistency}
 * token an answer carried (a PostgreSQL WAL position, {@code X/Y} in hexadecimal) and sends it with every
 * call, so no instance answers this client from a replica that has not yet replayed its writes.
 */
final class ConsistencyTokens implements ClientInterceptor {

    static final Metadata.Key<String> HEADER = Metadata.Key.of("x-finehero-consistency", Metadata.ASCII_STRING_MARSHALLER);
    private static final Pattern LSN = Pattern.compile("[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}");

    /** The newest token and its position; null until one is known. */
    private final AtomicReference<Token> newest = new AtomicReference<>();

    private record Token(String text, long position) { }

    ConsistencyTokens(String initial) {
        if (initial != null) {
            remember(initial);
        }
    }

    Optional<String> newest() {
        Token token = newest.get();
        return token == null ? Optional.empty() : Optional.of(token.text());
    }

    /** Keeps {@code token} if it is newer than the one held; a value that is not a WAL position is ignored. */
    void remember(String token) {
        if (token == null || !LSN.matcher(token.strip()).matches()) {
            return;
        }
        String text = token.strip();
        int slash = text.indexOf('/');
        long position = Long.parseLong(text, 0, slash, 16) << 32 | Long.parseLong(text, slash + 1, text.length(), 16);
        newest.accumulateAndGet(new Token(text, position), (held, given) -> held == null || given.position() > held.position() ? given : held);
    }

    @Override
    public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(MethodDescriptor<ReqT, RespT> method, CallOptions options,
                                                               Channel next) {
        return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
            @Override
            public void start(Listener<RespT> responseListener, Metadata headers) {
                Token token = newest.get();
                if (token != null) {
                    headers.put(HEADER, token.text());
                }
                super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(responseListener) {
                    @Override
                    public void onHeaders(Metadata answered) {
                        remember(answered.get(HEADER));
                        super.onHeaders(answered);
                    }

                    @Override
                    public void onClose(Status status, Metadata trailers) {
                        remember(trailers.get(HEADER));
                        super.onClose(status, trailers);
                    }
                }, headers);
            }
        };
    }
}

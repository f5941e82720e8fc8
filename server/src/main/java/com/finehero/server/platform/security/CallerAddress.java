package com.finehero.server.platform.security;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.function.Supplier;

import io.grpc.Context;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.inprocess.InProcessSocketAddress;

/**
 * The address a call came from. A REST call reaches the services in-process, so the bridge passes the
 * HTTP client's address in {@link #HEADER}; that header is believed only on in-process calls, never
 * from a network client.
 */
public final class CallerAddress {

    public static final Metadata.Key<String> HEADER = Metadata.Key.of("x-finehero-peer", Metadata.ASCII_STRING_MARSHALLER);
    private static final Context.Key<Supplier<String>> KEY = Context.key("finehero-caller-address");

    private CallerAddress() {
    }

    /** The address of the call this thread serves (set by {@link AuthInterceptor}), or "". */
    public static String current() {
        Supplier<String> address = KEY.get();
        return address == null ? "" : address.get();
    }

    /**
     * The context with the call's address, worked out on first use: few calls need it, and Helidon
     * builds the transport attributes anew on every {@code getAttributes()}.
     */
    static Context attach(Context context, ServerCall<?, ?> call, Metadata headers) {
        return context.withValue(KEY, new Supplier<>() {
            private String address;

            @Override
            public synchronized String get() {
                if (address == null) {
                    address = of(call, headers);
                }
                return address;
            }
        });
    }

    public static String of(ServerCall<?, ?> call, Metadata headers) {
        SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        if (remote instanceof InProcessSocketAddress) {
            String forwarded = headers.get(HEADER);
            return forwarded == null ? "in-process" : forwarded;
        }
        if (remote instanceof InetSocketAddress inet) {
            return inet.getAddress() == null ? inet.getHostString() : inet.getAddress().getHostAddress();
        }
        return remote == null ? "unknown" : remote.toString();
    }
}

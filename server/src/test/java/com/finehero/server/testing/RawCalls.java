package com.finehero.server.testing;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import com.google.protobuf.Descriptors;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;

/** Calls any method of the contract with raw bytes, as no generated stub would; returns how it closed. */
public final class RawCalls {

    private RawCalls() {
    }

    public static Status call(Channel channel, Descriptors.MethodDescriptor method, Metadata headers, byte[] body, Duration deadline)
            throws InterruptedException {
        MethodDescriptor.MethodType type = method.isClientStreaming()
                ? (method.isServerStreaming() ? MethodDescriptor.MethodType.BIDI_STREAMING : MethodDescriptor.MethodType.CLIENT_STREAMING)
                : (method.isServerStreaming() ? MethodDescriptor.MethodType.SERVER_STREAMING : MethodDescriptor.MethodType.UNARY);
        MethodDescriptor<byte[], byte[]> raw = MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(type)
                .setFullMethodName(method.getService().getFullName() + "/" + method.getName())
                .setRequestMarshaller(Bytes.INSTANCE)
                .setResponseMarshaller(Bytes.INSTANCE)
                .build();
        ClientCall<byte[], byte[]> call = channel.newCall(raw, CallOptions.DEFAULT.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS));
        Status[] closed = new Status[1];
        CountDownLatch done = new CountDownLatch(1);
        call.start(new ClientCall.Listener<>() {
            @Override
            public void onClose(Status status, Metadata trailers) {
                closed[0] = status;
                done.countDown();
            }
        }, headers);
        call.request(Integer.MAX_VALUE);
        if (!method.isClientStreaming()) {
            call.sendMessage(body);
        }
        call.halfClose();
        if (!done.await(deadline.toMillis() + 5000, TimeUnit.MILLISECONDS)) {
            throw new AssertionError(method.getFullName() + " did not end");
        }
        return closed[0];
    }

    /** Passes bytes through untouched. */
    public enum Bytes implements MethodDescriptor.Marshaller<byte[]> {
        INSTANCE;

        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}

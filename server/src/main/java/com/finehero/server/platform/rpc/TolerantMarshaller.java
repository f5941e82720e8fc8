package com.finehero.server.platform.rpc;

import java.io.InputStream;
import java.util.Objects;

import io.grpc.MethodDescriptor;

/**
 * Wraps a request marshaller so a request whose bytes do not parse becomes a {@link MalformedRequest}
 * marker instead of an exception. Helidon 4.5's gRPC server answers a parse exception with nothing at
 * all (the client waits for its deadline); with the marker, the error interceptor closes the call at
 * once with INVALID_ARGUMENT. Erasure lets the marker travel as the request type until then.
 */
final class TolerantMarshaller<T> implements MethodDescriptor.PrototypeMarshaller<T> {

    private final MethodDescriptor.Marshaller<T> delegate;
    private final String typeName;

    TolerantMarshaller(MethodDescriptor.Marshaller<T> delegate, String typeName) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.typeName = Objects.requireNonNull(typeName, "typeName");
    }

    @Override
    public InputStream stream(T value) {
        return delegate.stream(value);
    }

    @Override
    @SuppressWarnings("unchecked")
    public T parse(InputStream stream) {
        try {
            return delegate.parse(stream);
        } catch (RuntimeException e) {
            return (T) new MalformedRequest("the request is not a valid " + typeName + " message");
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public T getMessagePrototype() {
        return delegate instanceof MethodDescriptor.PrototypeMarshaller<?> prototype ? (T) prototype.getMessagePrototype() : null;
    }

    @Override
    @SuppressWarnings("unchecked")
    public Class<T> getMessageClass() {
        return delegate instanceof MethodDescriptor.PrototypeMarshaller<?> prototype ? (Class<T>) prototype.getMessageClass() : null;
    }

    /** What a request that did not parse is replaced with; the error interceptor rejects it. */
    public record MalformedRequest(String description) { }
}

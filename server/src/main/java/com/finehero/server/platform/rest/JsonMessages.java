package com.finehero.server.platform.rest;

import com.google.protobuf.Descriptors;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;

/** Prints messages and error statuses as proto3 JSON (lowerCamelCase names, as JsonFormat does). */
final class JsonMessages {

    private final JsonFormat.Printer printer;
    /** Prints as {@code printer} does, faster: every REST response goes through it. */
    private final JsonPrinter responses;

    JsonMessages() {
        JsonFormat.TypeRegistry errorDetails = JsonFormat.TypeRegistry.newBuilder()
                .add(ErrorInfo.getDescriptor())
                .add(BadRequest.getDescriptor())
                .add(RetryInfo.getDescriptor())
                .build();
        this.printer = JsonFormat.printer().usingTypeRegistry(errorDetails).omittingInsignificantWhitespace();
        this.responses = new JsonPrinter(printer);
    }

    /** The whole message, or only its {@code responseBody} field when the HTTP rule names one. */
    String print(Message message, String responseBody) {
        try {
            if (responseBody.isEmpty()) {
                return responses.print(message);
            }
            Descriptors.FieldDescriptor field = message.getDescriptorForType().findFieldByName(responseBody);
            Object value = message.getField(field);
            if (value instanceof Message nested) {
                return responses.print(nested);
            }
            // a scalar or repeated field: print its JSON value out of a one-field message
            String whole = responses.print(message.toBuilder().clear().setField(field, value).build());
            int colon = whole.indexOf(':');
            return colon < 0 ? "null" : whole.substring(colon + 1, whole.length() - 1);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("cannot print " + message.getDescriptorForType().getFullName(), e);
        }
    }

    String printStatus(com.google.rpc.Status status) {
        try {
            return printer.print(status);
        } catch (InvalidProtocolBufferException e) {
            // an unknown detail type: drop the details rather than fail the error response
            return printStatus(status.toBuilder().clearDetails().build());
        }
    }
}

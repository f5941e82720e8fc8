package com.finehero.server.platform.rest;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import com.finehero.api.auth.v1.AuthServiceGrpc;
import com.finehero.api.documents.v1.DocumentsServiceGrpc;
import com.finehero.api.events.v1.EventsServiceGrpc;
import com.finehero.api.fines.v1.FinesServiceGrpc;
import com.finehero.api.monitoring.v1.MonitoringServiceGrpc;
import com.finehero.api.tasks.v1.TasksServiceGrpc;
import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.JsonFormat;
import com.google.rpc.ErrorInfo;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The REST bridge's printer against JsonFormat, the printer it stands in for: the same text, or the
 * same failure, for every request and response message of the contract filled at random (every field
 * type, repeated and map fields, oneofs, unknown enum numbers, NaN and infinities, strings that need
 * escaping, timestamps at every precision and out of range, nested well-known types), both as generated
 * messages and as dynamic ones.
 */
class JsonPrinterTest {

    private static final List<ServiceDescriptor> SERVICES = List.of(FinesServiceGrpc.getServiceDescriptor(),
            DocumentsServiceGrpc.getServiceDescriptor(), TasksServiceGrpc.getServiceDescriptor(),
            MonitoringServiceGrpc.getServiceDescriptor(), AuthServiceGrpc.getServiceDescriptor(),
            EventsServiceGrpc.getServiceDescriptor());
    private static final String[] STRINGS = {"", "plain", "quote \" and backslash \\", "tab\tnew\nline\rfeed\fback\b",
            "control \u0000\u0001\u001f\u007f", "html <a href='x'>&amp;</a> =", "line \u2028 paragraph \u2029",
            "ääkkönen 東京 \uD83D\uDE97", "lone \uD83D surrogate", "/slash/"};
    private static final int ROUNDS = 60;

    private final JsonFormat.Printer reference = JsonFormat.printer()
            .usingTypeRegistry(JsonFormat.TypeRegistry.newBuilder().add(ErrorInfo.getDescriptor()).build())
            .omittingInsignificantWhitespace();
    private final JsonPrinter printer = new JsonPrinter(reference);

    @Test
    void printsEveryMessageOfTheContractAsJsonFormatDoes() {
        Map<String, Message> prototypes = new LinkedHashMap<>();
        for (ServiceDescriptor service : SERVICES) {
            for (MethodDescriptor<?, ?> method : service.getMethods()) {
                for (MethodDescriptor.Marshaller<?> marshaller : List.of(method.getRequestMarshaller(), method.getResponseMarshaller())) {
                    Message prototype = (Message) ((MethodDescriptor.PrototypeMarshaller<?>) marshaller).getMessagePrototype();
                    prototypes.put(prototype.getDescriptorForType().getFullName(), prototype);
                }
            }
        }
        assertThat(prototypes).hasSizeGreaterThan(50);
        SplittableRandom random = new SplittableRandom(20261204);
        int compared = 0;
        for (Message prototype : prototypes.values()) {
            for (int round = 0; round < ROUNDS; round++) {
                DynamicMessage dynamic = fill(prototype.getDescriptorForType(), random, 0);
                compare(dynamic);
                try {
                    compare(prototype.getParserForType().parseFrom(dynamic.toByteString()));
                } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                    throw new AssertionError(e);
                }
                compared += 2;
            }
        }
        assertThat(compared).isGreaterThan(5_000);
    }

    @Test
    void printsTimestampsAtEveryPrecisionAndFailsOutOfRangeAsJsonFormatDoes() {
        long[] seconds = {0, 1, -1, 1_764_806_400L, -62_135_596_800L, 253_402_300_799L, -62_135_596_801L, 253_402_300_800L};
        int[] nanos = {0, 1, 999_999_999, 1_000, 1_000_000, 120_000_000, 123_456_000, 123_456_789, -1, 1_000_000_000};
        for (long s : seconds) {
            for (int n : nanos) {
                compare(Timestamp.newBuilder().setSeconds(s).setNanos(n).build());
                compare(com.finehero.api.fines.v1.Fine.newBuilder().setIssueTime(Timestamp.newBuilder().setSeconds(s).setNanos(n)).build());
            }
        }
    }

    @Test
    void printsFieldsInNumberOrderWhateverOrderTheyAreDeclaredIn() throws Exception {
        com.google.protobuf.DescriptorProtos.FileDescriptorProto file = com.google.protobuf.DescriptorProtos.FileDescriptorProto.newBuilder()
                .setName("shuffled.proto").setSyntax("proto3")
                .addMessageType(com.google.protobuf.DescriptorProtos.DescriptorProto.newBuilder().setName("Shuffled")
                        .addField(field("late", 9)).addField(field("early", 1)).addField(field("middle", 5)))
                .build();
        Descriptor type = com.google.protobuf.Descriptors.FileDescriptor.buildFrom(file, new com.google.protobuf.Descriptors.FileDescriptor[0])
                .findMessageTypeByName("Shuffled");
        DynamicMessage message = DynamicMessage.newBuilder(type).setField(type.findFieldByName("late"), "c")
                .setField(type.findFieldByName("early"), "a").setField(type.findFieldByName("middle"), "b").build();
        assertThat(printer.print(message)).isEqualTo("{\"early\":\"a\",\"middle\":\"b\",\"late\":\"c\"}")
                .isEqualTo(reference.print(message));
    }

    private static com.google.protobuf.DescriptorProtos.FieldDescriptorProto field(String name, int number) {
        return com.google.protobuf.DescriptorProtos.FieldDescriptorProto.newBuilder().setName(name).setNumber(number)
                .setType(com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type.TYPE_STRING)
                .setLabel(com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Label.LABEL_OPTIONAL).build();
    }

    private void compare(Message message) {
        String expected;
        String actual;
        try {
            expected = reference.print(message);
        } catch (Exception | Error e) {
            expected = "failed: " + e.getClass().getName();
        }
        try {
            actual = printer.print(message);
        } catch (Exception | Error e) {
            actual = "failed: " + e.getClass().getName();
        }
        assertThat(actual).as("%s %s", message.getDescriptorForType().getFullName(), message).isEqualTo(expected);
    }

    private static DynamicMessage fill(Descriptor type, SplittableRandom random, int depth) {
        DynamicMessage.Builder builder = DynamicMessage.newBuilder(type);
        if (type.getFullName().equals("google.protobuf.Any")) {
            if (random.nextBoolean()) {
                Message packed = random.nextBoolean()
                        ? ErrorInfo.newBuilder().setReason(pick(random)).putMetadata("k", pick(random)).build()
                        : Timestamp.newBuilder().setSeconds(random.nextLong(0, 2_000_000_000L)).build();
                return DynamicMessage.newBuilder(type).mergeFrom(Any.pack(packed)).build();
            }
            return builder.build();
        }
        for (FieldDescriptor field : type.getFields()) {
            if (random.nextInt(3) == 0) {
                continue;
            }
            if (field.isMapField()) {
                Descriptor entry = field.getMessageType();
                for (int i = random.nextInt(3); i > 0; i--) {
                    DynamicMessage.Builder pair = DynamicMessage.newBuilder(entry);
                    pair.setField(entry.findFieldByName("key"), value(entry.findFieldByName("key"), random, depth));
                    if (random.nextInt(4) != 0) {
                        pair.setField(entry.findFieldByName("value"), value(entry.findFieldByName("value"), random, depth));
                    }
                    builder.addRepeatedField(field, pair.build());
                }
            } else if (field.isRepeated()) {
                if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE && depth >= 3) {
                    continue;
                }
                for (int i = random.nextInt(4); i > 0; i--) {
                    builder.addRepeatedField(field, value(field, random, depth));
                }
            } else {
                if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE && depth >= 3) {
                    continue;
                }
                builder.setField(field, value(field, random, depth));
            }
        }
        return builder.build();
    }

    private static Object value(FieldDescriptor field, SplittableRandom random, int depth) {
        return switch (field.getJavaType()) {
            case INT -> switch (random.nextInt(4)) {
                case 0 -> 0;
                case 1 -> Integer.MIN_VALUE;
                case 2 -> -1;
                default -> random.nextInt();
            };
            case LONG -> switch (random.nextInt(4)) {
                case 0 -> 0L;
                case 1 -> Long.MIN_VALUE;
                case 2 -> -1L;
                default -> random.nextLong();
            };
            case FLOAT -> new float[] {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1.5e-10f, 3.4e38f,
                    (float) random.nextDouble(-1e6, 1e6)}[random.nextInt(8)];
            case DOUBLE -> new double[] {0d, -0d, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 1e21, 1e-7,
                    random.nextDouble(-1e9, 1e9)}[random.nextInt(8)];
            case BOOLEAN -> random.nextBoolean();
            case STRING -> pick(random);
            case BYTE_STRING -> {
                byte[] bytes = new byte[random.nextInt(0, 9)];
                random.nextBytes(bytes);
                yield ByteString.copyFrom(bytes);
            }
            case ENUM -> {
                EnumDescriptor type = field.getEnumType();
                yield random.nextInt(5) == 0 && !type.isClosed()
                        ? type.findValueByNumberCreatingIfUnknown(1000 + random.nextInt(5))
                        : type.getValues().get(random.nextInt(type.getValues().size()));
            }
            case MESSAGE -> field.getMessageType().getFullName().equals("google.protobuf.Timestamp")
                    ? timestamp(field.getMessageType(), random)
                    : fill(field.getMessageType(), random, depth + 1);
        };
    }

    private static DynamicMessage timestamp(Descriptor type, SplittableRandom random) {
        int nanos = switch (random.nextInt(5)) {
            case 0 -> 0;
            case 1 -> random.nextInt(1000) * 1_000_000;
            case 2 -> random.nextInt(1_000_000) * 1_000;
            case 3 -> random.nextInt(1_000_000_000);
            default -> random.nextInt(20) == 0 ? -5 : 7;
        };
        long seconds = random.nextInt(20) == 0 ? 300_000_000_000L : random.nextLong(-62_135_596_800L, 253_402_300_800L);
        return DynamicMessage.newBuilder(type).setField(type.findFieldByName("seconds"), seconds)
                .setField(type.findFieldByName("nanos"), nanos).build();
    }

    private static String pick(SplittableRandom random) {
        return STRINGS[random.nextInt(STRINGS.length)];
    }
}

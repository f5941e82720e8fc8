package com.finehero.server.platform.rpc;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import build.buf.protovalidate.Validator;
import build.buf.protovalidate.ValidatorFactory;
import build.buf.validate.FieldRules;
import build.buf.validate.Ignore;
import build.buf.validate.MessageRules;
import build.buf.validate.OneofRules;
import build.buf.validate.RepeatedRules;
import build.buf.validate.Rule;
import build.buf.validate.StringRules;
import build.buf.validate.ValidateProto;
import com.finehero.api.fines.v1.CreateFineRequest;
import com.finehero.api.fines.v1.GetFineRequest;
import com.finehero.server.platform.errors.FineHeroException.FieldViolation;
import com.finehero.server.testing.Contract;
import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldOptions;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.MessageOptions;
import com.google.protobuf.DescriptorProtos.OneofDescriptorProto;
import com.google.protobuf.DescriptorProtos.OneofOptions;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RequestRulesTest {

    private static final List<String> IDS = List.of("6f1c2a4e-9b7d-4c3a-8e2f-1a2b3c4d5e6f", "6F1C2A4E-9B7D-4C3A-8E2F-1A2B3C4D5E6F",
            "6f1C2a4E-9b7D-4c3A-8e2F-1a2B3c4D5e6F", "00000000-0000-0000-0000-000000000000", "", "nope",
            "6f1c2a4e-9b7d-4c3a-8e2f-1a2b3c4d5e6", "6f1c2a4e-9b7d-4c3a-8e2f-1a2b3c4d5e6f0", "{6f1c2a4e-9b7d-4c3a-8e2f-1a2b3c4d5e6f}",
            "6f1c2a4e9b7d4c3a8e2f1a2b3c4d5e6f", "6f1c2a4e-9b7d-4c3a-8e2f_1a2b3c4d5e6f", "6f1c2a4g-9b7d-4c3a-8e2f-1a2b3c4d5e6f",
            "6f1c2a4e-9b7d-4c3a-8e2f-1a2b3c4d5e6\u0661", " 6f1c2a4e-9b7d-4c3a-8e2f-1a2b3c4d5e6f", "6f1c2a4e-9b7d-4c3a-8e2f-1a2b3c4d5e6f\n",
            "6f1c2a4e-9b7d-4c3a-8e2f-1a2b3c4d5e6f ", "6f1c2a4e--9b7d-4c3a-8e2f1a2b3c4d5e6f");

    private final Validator protovalidate = ValidatorFactory.newBuilder().build();
    private final RequestRules rules = new RequestRules(ValidatorFactory.newBuilder().build());

    @Test
    void aRequestNamingOneRecordIsCheckedWithoutProtovalidateAndOneWithOtherRulesIsNot() {
        assertThat(rules.checksIdsItself(GetFineRequest.getDescriptor())).isTrue();
        assertThat(rules.checksIdsItself(CreateFineRequest.getDescriptor())).isFalse();
    }

    @Test
    void everyRequestOfTheContractPassesExactlyWhatProtovalidatePasses() throws Exception {
        Random random = new Random(11);
        int checkedHere = 0;
        for (ServiceDescriptor service : Contract.services()) {
            for (MethodDescriptor method : service.getMethods()) {
                Descriptor type = method.getInputType();
                if (!rules.checksIdsItself(type)) {
                    continue;
                }
                checkedHere++;
                List<FieldDescriptor> strings = new ArrayList<>();
                type.getFields().stream().filter(f -> f.getJavaType() == FieldDescriptor.JavaType.STRING && !f.isRepeated())
                        .forEach(strings::add);
                for (int i = 0; i < 200; i++) {
                    DynamicMessage.Builder message = DynamicMessage.newBuilder(type);
                    for (FieldDescriptor field : strings) {
                        message.setField(field, IDS.get(random.nextInt(IDS.size())));
                    }
                    Message built = message.build();
                    assertThat(rules.violations(built).isEmpty())
                            .as(type.getFullName() + " " + built)
                            .isEqualTo(protovalidate.validate(built).isSuccess());
                }
            }
        }
        assertThat(checkedHere).as("request types whose only rules are ids").isGreaterThan(10);
    }

    @Test
    void aBadIdIsStillNamedByProtovalidate() {
        assertThat(rules.violations(GetFineRequest.newBuilder().setFineId("6F1C2A4E-9B7D-4C3A-8E2F-1A2B3C4D5E6F").build())).isEmpty();
        assertThat(rules.violations(GetFineRequest.newBuilder().setFineId("6f1c2a4e9b7d4c3a8e2f1a2b3c4d5e6f").build()))
                .containsExactly(new FieldViolation("fine_id", "must be a valid UUID"));
        assertThat(rules.violations(GetFineRequest.getDefaultInstance()))
                .containsExactly(new FieldViolation("fine_id", "value is empty, which is not a valid UUID"));
    }

    @Test
    void protovalidateIsNotAskedAboutGoodIdsOnlyAboutTheRest() {
        AtomicInteger asked = new AtomicInteger();
        RequestRules counted = new RequestRules(message -> {
            asked.incrementAndGet();
            return protovalidate.validate(message);
        });
        counted.violations(GetFineRequest.newBuilder().setFineId(IDS.get(0)).build());
        assertThat(asked).hasValue(0);
        counted.violations(GetFineRequest.newBuilder().setFineId("nope").build());
        assertThat(asked).hasValue(1);
        counted.violations(CreateFineRequest.getDefaultInstance());
        assertThat(asked).hasValue(2);
    }

    /** Message types with every kind of rule beside an id: only the first two are ids only. */
    @Test
    void anyOtherRuleLeavesTheWholeMessageToProtovalidate() throws Exception {
        FieldRules uuid = FieldRules.newBuilder().setString(StringRules.newBuilder().setUuid(true)).build();
        FileDescriptor file = FileDescriptor.buildFrom(FileDescriptorProto.newBuilder()
                .setName("finehero/test/rules.proto").setPackage("finehero.test").setSyntax("proto3")
                .addDependency(ValidateProto.getDescriptor().getName())
                .addMessageType(message("IdOnly", field("id", 1, uuid), plain("note", 2), number("count", 3)))
                .addMessageType(message("OptionalId", field("id", 1, uuid).setProto3Optional(true).setOneofIndex(0))
                        .addOneofDecl(OneofDescriptorProto.newBuilder().setName("_id")))
                .addMessageType(message("MessageRule", field("id", 1, uuid)).setOptions(MessageOptions.newBuilder()
                        .setExtension(ValidateProto.message, MessageRules.newBuilder()
                                .addCel(Rule.newBuilder().setId("not_nil").setExpression("this.id != '00000000-0000-0000-0000-000000000000'"))
                                .build())))
                .addMessageType(message("OneofRule", field("id", 1, uuid).setOneofIndex(0), plain("other", 2).setOneofIndex(0))
                        .addOneofDecl(OneofDescriptorProto.newBuilder().setName("choice").setOptions(OneofOptions.newBuilder()
                                .setExtension(ValidateProto.oneof, OneofRules.newBuilder().setRequired(true).build()))))
                .addMessageType(message("RequiredId", field("id", 1, uuid.toBuilder().setRequired(true).build())))
                .addMessageType(message("IgnoredId", field("id", 1, uuid.toBuilder().setIgnore(Ignore.IGNORE_IF_ZERO_VALUE).build())))
                .addMessageType(message("FieldCel", field("id", 1, uuid.toBuilder()
                        .addCel(Rule.newBuilder().setId("six").setExpression("this.startsWith('6')")).build())))
                .addMessageType(message("OtherStringRule", field("id", 1, FieldRules.newBuilder()
                        .setString(StringRules.newBuilder().setUuid(true).setPrefix("6")).build())))
                .addMessageType(message("RepeatedIds", field("ids", 1, FieldRules.newBuilder()
                        .setRepeated(RepeatedRules.newBuilder().setItems(uuid)).build())
                        .setLabel(FieldDescriptorProto.Label.LABEL_REPEATED)))
                .addMessageType(message("WithMessage", field("id", 1, uuid), FieldDescriptorProto.newBuilder().setName("inner")
                        .setNumber(2).setType(FieldDescriptorProto.Type.TYPE_MESSAGE).setTypeName(".finehero.test.IdOnly")))
                .build(), new FileDescriptor[] {ValidateProto.getDescriptor()});

        assertThat(file.getMessageTypes()).filteredOn(rules::checksIdsItself).extracting(Descriptor::getName)
                .containsExactly("IdOnly", "OptionalId");
        Random random = new Random(5);
        for (Descriptor type : file.getMessageTypes()) {
            for (int i = 0; i < 300; i++) {
                DynamicMessage.Builder message = DynamicMessage.newBuilder(type);
                for (FieldDescriptor field : type.getFields()) {
                    if (random.nextInt(4) == 0) {
                        continue; // left unset
                    }
                    String value = IDS.get(random.nextInt(IDS.size()));
                    if (field.isRepeated()) {
                        message.addRepeatedField(field, value);
                    } else if (field.getJavaType() == FieldDescriptor.JavaType.STRING) {
                        message.setField(field, value);
                    } else if (field.getJavaType() == FieldDescriptor.JavaType.INT) {
                        message.setField(field, random.nextInt());
                    }
                }
                Message built = message.build();
                assertThat(rules.violations(built).isEmpty()).as(type.getName() + " " + built)
                        .isEqualTo(protovalidate.validate(built).isSuccess());
            }
        }
    }

    private static DescriptorProto.Builder message(String name, FieldDescriptorProto.Builder... fields) {
        DescriptorProto.Builder message = DescriptorProto.newBuilder().setName(name);
        for (FieldDescriptorProto.Builder field : fields) {
            message.addField(field);
        }
        return message;
    }

    private static FieldDescriptorProto.Builder field(String name, int number, FieldRules rules) {
        return plain(name, number).setOptions(FieldOptions.newBuilder().setExtension(ValidateProto.field, rules));
    }

    private static FieldDescriptorProto.Builder plain(String name, int number) {
        return FieldDescriptorProto.newBuilder().setName(name).setNumber(number).setType(FieldDescriptorProto.Type.TYPE_STRING)
                .setJsonName(name);
    }

    private static FieldDescriptorProto.Builder number(String name, int number) {
        return FieldDescriptorProto.newBuilder().setName(name).setNumber(number).setType(FieldDescriptorProto.Type.TYPE_INT32)
                .setJsonName(name);
    }
}

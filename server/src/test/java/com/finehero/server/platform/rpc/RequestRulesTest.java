package com.finehero.server.platform.rpc;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import build.buf.protovalidate.Validator;
import build.buf.protovalidate.ValidatorFactory;
import com.finehero.api.fines.v1.CreateFineRequest;
import com.finehero.api.fines.v1.GetFineRequest;
import com.finehero.server.platform.errors.FineHeroException.FieldViolation;
import com.finehero.server.testing.Contract;
import com.google.protobuf.Descriptors.Descriptor;
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
}

package com.finehero.server.platform.rest;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import com.finehero.api.fines.v1.Fine;
import com.finehero.api.fines.v1.ListFinesResponse;
import com.google.protobuf.Message;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A message instance is printed once per response_body; anything else is printed as it comes. */
class PrintedBodiesTest {

    private final JsonMessages json = new JsonMessages();
    private final List<Message> printedMessages = new ArrayList<>();
    private final PrintedBodies bodies = new PrintedBodies((message, responseBody) -> {
        printedMessages.add(message);
        return json.print(message, responseBody);
    });

    @Test
    void theSameInstanceIsPrintedOnceAndAnsweredWithTheSameJson() {
        Fine fine = Fine.newBuilder().setId("f-1").setCitationNumber("C-1").setVersion(3).build();

        byte[] first = bodies.json(fine, "");
        byte[] again = bodies.json(fine, "");

        assertThat(printedMessages).containsExactly(fine);
        assertThat(again).isEqualTo(first);
        assertThat(new String(first, StandardCharsets.UTF_8)).isEqualTo(json.print(fine, ""));
    }

    @Test
    void anEqualMessageThatIsAnotherInstanceIsPrintedOnItsOwn() {
        Fine fine = Fine.newBuilder().setId("f-1").build();
        Fine equal = fine.toBuilder().build();

        bodies.json(fine, "");
        bodies.json(equal, "");

        assertThat(equal).isEqualTo(fine).isNotSameAs(fine);
        assertThat(printedMessages).hasSize(2);
    }

    @Test
    void anotherResponseBodyOfTheSameInstanceIsPrintedForIt() {
        ListFinesResponse page = ListFinesResponse.newBuilder().addFines(Fine.newBuilder().setId("f-1")).build();

        String whole = new String(bodies.json(page, ""), StandardCharsets.UTF_8);
        String fines = new String(bodies.json(page, "fines"), StandardCharsets.UTF_8);

        assertThat(whole).startsWith("{");
        assertThat(fines).startsWith("[");
        assertThat(printedMessages).hasSize(2);
    }

    @Test
    void aBodyLargerThanTheLimitIsNotKept() {
        ListFinesResponse.Builder page = ListFinesResponse.newBuilder();
        for (int i = 0; i < 200; i++) {
            page.addFines(Fine.newBuilder().setId("fine-" + i).setCitationNumber("CITATION-" + i));
        }
        ListFinesResponse large = page.build();

        byte[] body = bodies.json(large, "");
        bodies.json(large, "");

        assertThat(body.length).isGreaterThan(PrintedBodies.MAX_BODY_BYTES);
        assertThat(printedMessages).hasSize(2);
    }
}

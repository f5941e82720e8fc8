package com.finehero.server.fines;

import java.time.Duration;
import java.util.List;

import com.finehero.api.common.v1.Money;
import com.finehero.api.fines.v1.Contest;
import com.finehero.api.fines.v1.Fine;
import com.finehero.server.platform.errors.FineHeroException;
import com.google.protobuf.Timestamp;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** Filling an appeal letter's template in: every placeholder once, never past the size limit. */
class AppealLetterTemplateTest {

    static final Fine FINE = Fine.newBuilder().setJurisdiction("US-CA-SF").setCitationNumber("C-1").setViolationCode("V1")
            .setViolationDescription("Bus zone").setIssueTime(Timestamp.newBuilder().setSeconds(1_780_000_000))
            .setAmount(Money.newBuilder().setCurrencyCode("USD").setAmountMinor(4550))
            .setContest(Contest.newBuilder().setReason("r".repeat(5000))).build();

    @Test
    void fillsEveryPlaceholderAndLeavesUnknownOnesAndValuesAlone() {
        Fine fine = FINE.toBuilder().setContest(Contest.newBuilder().setReason("see {{citations}}")).build();
        String letter = AppealLetterHandler.render("{{citation_number}} {{amount}} {{unknown}} {{contest_reason}} {{", fine, List.of(), 1000);
        assertThat(letter).isEqualTo("C-1 45.50 USD {{unknown}} see {{citations}} {{");
    }

    @Test
    void aTemplateOfRepeatedPlaceholdersStopsAtTheLimitAtOnce() {
        // unbounded, this would build 650 million characters before any size check
        String bomb = "{{contest_reason}}".repeat(130_000);
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertThatThrownBy(() -> AppealLetterHandler.render(bomb, FINE, List.of(), 2_097_152))
                .isInstanceOf(FineHeroException.FailedPrecondition.class)
                .hasMessageContaining("2097152").hasMessageContaining("finehero.documents.max-bytes"));
    }
}

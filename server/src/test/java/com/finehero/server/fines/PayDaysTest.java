package com.finehero.server.fines;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The histogram of whole days to payment: written and read back, merged, and its median as PERCENTILE_CONT(0.5). */
class PayDaysTest {

    @Test
    void encodesInAscendingDaysAndReadsBackWhatItWrote() {
        AnalyticsRollup.PayDays days = new AnalyticsRollup.PayDays();
        days.add(5000, 1);   // past the array
        days.add(3, 2);
        days.add(-1, 1);     // a confirmation before the issue time, as data may have
        days.add(3, 1);
        days.add(70, 4);
        assertThat(days.encode()).isEqualTo("-1:1 3:3 70:4 5000:1");

        AnalyticsRollup.PayDays read = new AnalyticsRollup.PayDays();
        read.addEncoded(days.encode());
        read.addEncoded("3:1 12:2");
        assertThat(read.encode()).isEqualTo("-1:1 3:4 12:2 70:4 5000:1");
    }

    @Test
    void theMedianIsTheMiddleValueOrTheMeanOfTheMiddleTwo() {
        AnalyticsRollup.PayDays none = new AnalyticsRollup.PayDays();
        assertThat(none.median()).isNull();

        AnalyticsRollup.PayDays odd = new AnalyticsRollup.PayDays();
        odd.addEncoded("1:1 4:1 9:1");
        assertThat(odd.median()).isEqualTo(4.0);

        AnalyticsRollup.PayDays even = new AnalyticsRollup.PayDays();
        even.addEncoded("1:1 4:1 9:1 5000:1");
        assertThat(even.median()).isEqualTo(6.5);

        AnalyticsRollup.PayDays heavy = new AnalyticsRollup.PayDays();
        heavy.addEncoded("2:3 30:1");
        assertThat(heavy.median()).as("both middle values are 2").isEqualTo(2.0);
    }
}

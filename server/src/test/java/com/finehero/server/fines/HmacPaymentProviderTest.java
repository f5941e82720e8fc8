package com.finehero.server.fines;

import java.time.Duration;
import java.time.Instant;

import com.finehero.api.common.v1.Money;
import com.finehero.api.fines.v1.ConfirmPaymentRequest;
import com.finehero.server.platform.errors.FineHeroException;
import com.finehero.server.testing.SettableClock;
import com.finehero.server.testing.TestPaymentProvider;
import org.junit.jupiter.api.Test;

import static com.finehero.server.testing.Refusals.refused;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The signature check of payment confirmations, without a server: what passes and why the rest fails. */
class HmacPaymentProviderTest {

    private static final Instant NOW = Instant.parse("2030-03-10T12:00:00Z");
    private final SettableClock clock = new SettableClock();
    private final HmacPaymentProvider provider =
            new HmacPaymentProvider(new PaymentsConfig(TestPaymentProvider.SECRET, Duration.ofMinutes(5)), clock);
    private final ConfirmPaymentRequest confirmation = ConfirmPaymentRequest.newBuilder()
            .setPaymentId("7c0f4c52-8f3e-4a53-9a51-2b1f0f7f3b11")
            .setConfirmationId("cf_1")
            .setAmount(Money.newBuilder().setCurrencyCode("EUR").setAmountMinor(4550))
            .setProviderReference("psp-1")
            .build();

    HmacPaymentProviderTest() {
        clock.set(NOW);
    }

    private String signed(Instant at, String secret) {
        return TestPaymentProvider.signature(confirmation, at, secret);
    }

    @Test
    void aSignatureWithinTheWindowGivesItsTime() {
        assertThat(provider.verify(signed(NOW.minusSeconds(299), TestPaymentProvider.SECRET), confirmation))
                .isEqualTo(NOW.minusSeconds(299));
    }

    @Test
    void anyOfSeveralSignaturesMayMatchWhileTheProviderRotatesItsSecret() {
        String previous = signed(NOW, "the-providers-previous-secret-0123456789").split(",")[1];
        String current = signed(NOW, TestPaymentProvider.SECRET).split(",")[1];
        assertThat(provider.verify("t=" + NOW.getEpochSecond() + "," + previous + "," + current, confirmation)).isEqualTo(NOW);
    }

    @Test
    void everyFieldIsSigned() {
        String header = signed(NOW, TestPaymentProvider.SECRET);
        for (ConfirmPaymentRequest altered : new ConfirmPaymentRequest[] {
                confirmation.toBuilder().setPaymentId("7c0f4c52-8f3e-4a53-9a51-2b1f0f7f3b12").build(),
                confirmation.toBuilder().setConfirmationId("cf_2").build(),
                confirmation.toBuilder().setAmount(confirmation.getAmount().toBuilder().setCurrencyCode("USD")).build(),
                confirmation.toBuilder().setAmount(confirmation.getAmount().toBuilder().setAmountMinor(1)).build(),
                confirmation.toBuilder().setProviderReference("psp-2").build()}) {
            assertThat(refused(FineHeroException.Unauthenticated.class, () -> provider.verify(header, altered)).reason())
                    .isEqualTo("SIGNATURE_MISMATCH");
        }
        String otherTime = header.replace("t=" + NOW.getEpochSecond(), "t=" + (NOW.getEpochSecond() - 1));
        assertThat(refused(FineHeroException.Unauthenticated.class, () -> provider.verify(otherTime, confirmation)).reason())
                .isEqualTo("SIGNATURE_MISMATCH");
    }

    @Test
    void malformedHeadersAreNamed() {
        for (String header : new String[] {"v1=00", "t=1", "t=x,v1=00", "t=1,v1=xyz", "nonsense"}) {
            assertThat(refused(FineHeroException.Unauthenticated.class, () -> provider.verify(header, confirmation)).reason())
                    .as(header).isEqualTo("SIGNATURE_MALFORMED");
        }
        assertThat(refused(FineHeroException.Unauthenticated.class, () -> provider.verify(null, confirmation)).reason())
                .isEqualTo("SIGNATURE_MISSING");
    }

    @Test
    void withoutASecretNothingIsAccepted() {
        HmacPaymentProvider off = new HmacPaymentProvider(new PaymentsConfig("", Duration.ofMinutes(5)), clock);
        assertThat(refused(FineHeroException.Unauthenticated.class,
                () -> off.verify(signed(NOW, TestPaymentProvider.SECRET), confirmation)).reason()).isEqualTo("CONFIRMATIONS_DISABLED");
    }

    @Test
    void shortSecretsAndOddWindowsFailAtStartUp() {
        assertThatThrownBy(() -> new PaymentsConfig("too-short", Duration.ofMinutes(5)))
                .hasMessageContaining("finehero.payments.webhook-secret").hasMessageContaining("at least 32 bytes");
        assertThatThrownBy(() -> new PaymentsConfig(TestPaymentProvider.SECRET, Duration.ofHours(2)))
                .hasMessageContaining("finehero.payments.replay-window").hasMessageContaining("PT10S to PT1H");
        assertThat(new PaymentsConfig(TestPaymentProvider.SECRET, Duration.ofMinutes(5)).toString())
                .doesNotContain(TestPaymentProvider.SECRET);
    }
}

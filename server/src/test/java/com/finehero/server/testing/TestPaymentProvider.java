package com.finehero.server.testing;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Objects;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.finehero.api.fines.v1.ConfirmPaymentRequest;
import com.finehero.api.fines.v1.ConfirmPaymentResponse;
import com.finehero.api.fines.v1.FinesProto;
import com.finehero.api.fines.v1.FinesServiceGrpc;
import com.finehero.api.fines.v1.Payment;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;

/**
 * A payment provider as a test needs one: it confirms payments by calling ConfirmPayment with a
 * signature made, as docs/security.md describes it, with the secret an app was configured with
 * ({@link #SECRET}, set through {@link #configure}). Written from the documented scheme, not from the
 * server's code, so a server that drifts from its documentation fails.
 */
public final class TestPaymentProvider {

    /** The webhook secret of apps configured with {@link #configure}. */
    public static final String SECRET = "test-payment-provider-secret-0123456789";

    private final FineHeroExtension app;

    public TestPaymentProvider(FineHeroExtension app) {
        this.app = Objects.requireNonNull(app, "app");
    }

    /** The app, accepting confirmations signed with {@link #SECRET}. */
    public static FineHeroExtension configure(FineHeroExtension app) {
        return app.with("finehero.payments.webhook-secret", SECRET);
    }

    /** A confirmation of the whole payment with a new confirmation id. */
    public ConfirmPaymentRequest confirmationOf(Payment payment) {
        return ConfirmPaymentRequest.newBuilder()
                .setPaymentId(payment.getId())
                .setConfirmationId("cf_" + UUID.randomUUID())
                .setAmount(payment.getAmount())
                .setProviderReference("psp-" + UUID.randomUUID().toString().substring(0, 8))
                .build();
    }

    /** The x-finehero-signature header for the request, signed now with {@link #SECRET}. */
    public String signature(ConfirmPaymentRequest request) {
        return signature(request, app.clock().instant(), SECRET);
    }

    /** The x-finehero-signature header for the request, signed at {@code time} with {@code secret}. */
    public static String signature(ConfirmPaymentRequest request, Instant time, String secret) {
        long t = time.getEpochSecond();
        String signed = t + "\n" + request.getPaymentId() + "\n" + request.getConfirmationId() + "\n"
                + request.getAmount().getCurrencyCode() + "\n" + request.getAmount().getAmountMinor() + "\n"
                + request.getProviderReference();
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return "t=" + t + ",v1=" + HexFormat.of().formatHex(mac.doFinal(signed.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Confirms the payment over gRPC, signed now, as the provider's webhook would. */
    public ConfirmPaymentResponse confirm(Payment payment) {
        ConfirmPaymentRequest request = confirmationOf(payment);
        return confirm(request, signature(request));
    }

    /** Calls ConfirmPayment over gRPC without user credentials, with this signature header (null: none). */
    public ConfirmPaymentResponse confirm(ConfirmPaymentRequest request, String signature) {
        Metadata headers = new Metadata();
        if (signature != null) {
            headers.put(Metadata.Key.of("x-finehero-signature", Metadata.ASCII_STRING_MARSHALLER), signature);
        }
        return FinesServiceGrpc.newBlockingStub(app.anonymousChannel())
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                .withDeadlineAfter(Duration.ofSeconds(20))
                .confirmPayment(request);
    }

    /** Calls {@code POST /v1/payments:confirm} without user credentials, with this signature header (null: none). */
    public HttpResponse<String> confirmOverRest(ConfirmPaymentRequest request, String signature) {
        HttpRequest http = RestCalls.toHttp(app.uri(""), FinesProto.getDescriptor().findServiceByName("FinesService")
                .findMethodByName("ConfirmPayment"), request);
        HttpRequest.Builder call = HttpRequest.newBuilder(http, (name, value) -> true);
        if (signature != null) {
            call.header("x-finehero-signature", signature);
        }
        return app.sendAnonymous(call.build());
    }
}

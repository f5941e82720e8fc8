package com.finehero.server.fines;

import java.time.Instant;

import com.finehero.api.fines.v1.ConfirmPaymentRequest;

/**
 * What FineHero needs from a payment provider: telling its genuine confirmations of a pending payment
 * from forged, stale or altered ones. The payer completes the payment with the provider, using the
 * payment id PayFine returned; the provider then calls ConfirmPayment. Replays of a genuine
 * confirmation are caught by the store, which accepts each (confirmation id, signing time) once.
 */
interface PaymentProvider {

    /**
     * Checks the confirmation's signature, as carried by the call's signature header (null when the
     * call had none), against the request as received.
     *
     * @return when the provider signed it
     * @throws com.finehero.server.platform.errors.FineHeroException.Unauthenticated when the signature is
     *         missing, malformed, does not match, or was made outside the replay window
     */
    Instant verify(String signatureHeader, ConfirmPaymentRequest confirmation);
}

-- Payments confirmed by a provider, idempotency keys that belong to their caller, and the
-- confirmations already accepted. The same SQL runs on PostgreSQL and on H2 in PostgreSQL mode.

-- Who made the payment: idempotency keys are unique per payer, not across everyone. Payments made
-- before payers were recorded keep an empty payer and stay unique among themselves.
ALTER TABLE fine_payments ADD COLUMN payer_id VARCHAR(64) NOT NULL DEFAULT '';
ALTER TABLE fine_payments DROP CONSTRAINT fine_payments_key_unique;
ALTER TABLE fine_payments ADD CONSTRAINT fine_payments_payer_key_unique UNIQUE (payer_id, idempotency_key);

-- Earlier payments were final when recorded.
ALTER TABLE fine_payments ADD COLUMN status VARCHAR(24) NOT NULL DEFAULT 'CONFIRMED';
ALTER TABLE fine_payments ADD CONSTRAINT fine_payments_status_known
    CHECK (status IN ('PENDING_CONFIRMATION', 'CONFIRMED', 'UNAPPLIED'));
ALTER TABLE fine_payments ADD COLUMN confirm_time TIMESTAMP WITH TIME ZONE;
UPDATE fine_payments SET confirm_time = paid_time;

-- Every signed confirmation accepted, by the provider's confirmation id and the signature's time:
-- the same pair again is a replay. Rows older than the replay window could be pruned; they are
-- kept as the record of what the provider said.
CREATE TABLE payment_confirmations (
    confirmation_id VARCHAR(128)             NOT NULL,
    signed_time     TIMESTAMP WITH TIME ZONE NOT NULL,
    payment_id      VARCHAR(36)              NOT NULL REFERENCES fine_payments (id),
    provider_reference VARCHAR(200)          NOT NULL DEFAULT '',
    receive_time    TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT payment_confirmations_pk PRIMARY KEY (confirmation_id, signed_time)
);

CREATE INDEX payment_confirmations_by_payment ON payment_confirmations (payment_id);

-- Fines and their payments. The same SQL runs on PostgreSQL and on H2 in PostgreSQL mode.
CREATE TABLE fines (
    id                    VARCHAR(36)              PRIMARY KEY,
    citation_number       VARCHAR(64)              NOT NULL,
    jurisdiction          VARCHAR(64)              NOT NULL,
    violation_code        VARCHAR(32)              NOT NULL,
    violation_description VARCHAR(500)             NOT NULL DEFAULT '',
    currency_code         CHAR(3)                  NOT NULL,
    amount_minor          BIGINT                   NOT NULL,
    issue_time            TIMESTAMP WITH TIME ZONE NOT NULL,
    due_time              TIMESTAMP WITH TIME ZONE NOT NULL,
    address               VARCHAR(300)             NOT NULL DEFAULT '',
    latitude              DOUBLE PRECISION,
    longitude             DOUBLE PRECISION,
    vehicle_plate         VARCHAR(16)              NOT NULL DEFAULT '',
    status                VARCHAR(16)              NOT NULL,
    owner_id              VARCHAR(64)              NOT NULL DEFAULT '',
    -- the contest, once filed; lists are newline-separated (URIs and UUIDs hold no newlines)
    contest_reason        TEXT,
    contest_evidence      TEXT,
    contest_documents     TEXT,
    contest_time          TIMESTAMP WITH TIME ZONE,
    contest_outcome       VARCHAR(16),
    resolution_note       TEXT,
    resolve_time          TIMESTAMP WITH TIME ZONE,
    payment_id            VARCHAR(36),
    create_time           TIMESTAMP WITH TIME ZONE NOT NULL,
    update_time           TIMESTAMP WITH TIME ZONE NOT NULL,
    version               BIGINT                   NOT NULL,
    CONSTRAINT fines_citation_unique UNIQUE (jurisdiction, citation_number),
    CONSTRAINT fines_amount_positive CHECK (amount_minor > 0),
    CONSTRAINT fines_status_known CHECK (status IN ('OPEN', 'CONTESTED', 'DISMISSED', 'UPHELD', 'PAID', 'OVERDUE'))
);

-- ListFines: newest first, keyset paging on (create_time, id)
CREATE INDEX fines_by_create ON fines (create_time DESC, id DESC);
-- the overdue sweep and status filters
CREATE INDEX fines_by_status_due ON fines (status, due_time);
CREATE INDEX fines_by_plate ON fines (vehicle_plate);
CREATE INDEX fines_by_owner ON fines (owner_id);
-- ListFinesNear: bounding-box prefilter
CREATE INDEX fines_by_position ON fines (latitude, longitude);

CREATE TABLE fine_payments (
    id              VARCHAR(36)              PRIMARY KEY,
    fine_id         VARCHAR(36)              NOT NULL REFERENCES fines (id),
    idempotency_key VARCHAR(128)             NOT NULL,
    currency_code   CHAR(3)                  NOT NULL,
    amount_minor    BIGINT                   NOT NULL,
    reference       VARCHAR(200)             NOT NULL DEFAULT '',
    paid_time       TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT fine_payments_key_unique UNIQUE (idempotency_key)
);

CREATE INDEX fine_payments_by_fine ON fine_payments (fine_id);

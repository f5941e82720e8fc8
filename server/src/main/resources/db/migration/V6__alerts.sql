-- Alerts: one row per episode of a rule's condition holding, from firing to resolution.
-- The same SQL runs on PostgreSQL and on H2 in PostgreSQL mode.
CREATE TABLE alerts (
    id           VARCHAR(36)              PRIMARY KEY,
    rule         VARCHAR(64)              NOT NULL,
    -- what the rule looked at when it has one alert per thing (an RPC's full method name), else ''
    subject      VARCHAR(200)             NOT NULL DEFAULT '',
    state        VARCHAR(16)              NOT NULL,
    severity     VARCHAR(16)              NOT NULL,
    summary      VARCHAR(500)             NOT NULL,
    measured     DOUBLE PRECISION         NOT NULL,
    threshold    DOUBLE PRECISION         NOT NULL,
    unit         VARCHAR(16)              NOT NULL,
    fire_time    TIMESTAMP WITH TIME ZONE NOT NULL,
    resolve_time TIMESTAMP WITH TIME ZONE,
    update_time  TIMESTAMP WITH TIME ZONE NOT NULL,
    -- rule + subject while FIRING, NULL once RESOLVED: at most one firing alert per rule and subject,
    -- whichever instance records it (NULLs do not collide in a UNIQUE constraint on either database)
    firing_key   VARCHAR(270),
    CONSTRAINT alerts_one_firing UNIQUE (firing_key),
    CONSTRAINT alerts_state_known CHECK (state IN ('FIRING', 'RESOLVED')),
    CONSTRAINT alerts_severity_known CHECK (severity IN ('WARNING', 'CRITICAL'))
);

-- ListAlerts: most recently fired first, keyset paging on (fire_time, id)
CREATE INDEX alerts_by_fire ON alerts (fire_time DESC, id DESC);
-- history pruning per rule and subject
CREATE INDEX alerts_by_rule ON alerts (rule, subject, fire_time DESC);

-- Which instance evaluated the rules last, and when: an instance evaluates only when nobody has in the
-- last half interval, so several instances evaluate once per interval between them.
CREATE TABLE alert_evaluations (
    id          INTEGER                  PRIMARY KEY,
    last_run    TIMESTAMP WITH TIME ZONE NOT NULL,
    instance_id VARCHAR(64)              NOT NULL
);
INSERT INTO alert_evaluations (id, last_run, instance_id) VALUES (1, TIMESTAMP WITH TIME ZONE '1970-01-01 00:00:00+00', '');

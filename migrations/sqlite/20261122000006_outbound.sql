-- Outbound webhooks: tenants' endpoints, the events sent to them, and each
-- delivery with its attempts. status columns hold OutboundStatus names.

CREATE TABLE outbound_endpoints (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id       INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    url             TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    secret          TEXT NOT NULL,
    -- JSON array of event types; empty means every type.
    event_types     TEXT NOT NULL DEFAULT '[]',
    enabled         INTEGER NOT NULL DEFAULT 1,
    disabled_reason TEXT,
    failing_since   TEXT,
    created_at      TEXT NOT NULL
);
CREATE INDEX outbound_endpoints_tenant ON outbound_endpoints (tenant_id);

CREATE TABLE outbound_messages (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id   INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    event_type  TEXT NOT NULL,
    payload     TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE outbound_deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id      INTEGER NOT NULL REFERENCES outbound_messages (id) ON DELETE CASCADE,
    endpoint_id     INTEGER NOT NULL REFERENCES outbound_endpoints (id) ON DELETE CASCADE,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (message_id, endpoint_id)
);
CREATE INDEX outbound_deliveries_due ON outbound_deliveries (status, next_attempt_at);
CREATE INDEX outbound_deliveries_endpoint ON outbound_deliveries (endpoint_id, id);

CREATE TABLE outbound_attempts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id     INTEGER NOT NULL REFERENCES outbound_deliveries (id) ON DELETE CASCADE,
    attempted_at    TEXT NOT NULL,
    status_code     INTEGER,
    duration_ms     INTEGER NOT NULL,
    response        TEXT,
    error           TEXT
);
CREATE INDEX outbound_attempts_delivery ON outbound_attempts (delivery_id, id);

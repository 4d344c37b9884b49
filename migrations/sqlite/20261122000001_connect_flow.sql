-- Connect sessions and every webhook delivery, stored before it is acknowledged.
-- Status columns hold the names of the enums in app/src/protocol/status.rs.

CREATE TABLE connection_sessions (
    session_id      TEXT PRIMARY KEY NOT NULL,
    status          TEXT NOT NULL CHECK (status IN
                        ('invitation', 'request', 'response', 'active', 'completed', 'error', 'abandoned')),
    request_type    TEXT NOT NULL CHECK (request_type IN ('registration', 'authentication')),
    invitation_url  TEXT NOT NULL,
    out_of_band_id  TEXT NOT NULL,
    invitation_id   TEXT,
    connection_id   TEXT,
    their_label     TEXT,
    their_did       TEXT,
    matched_by      TEXT CHECK (matched_by IN ('invitation', 'legacy_guess')),
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    expires_at      TEXT NOT NULL
);
CREATE INDEX connection_sessions_connection ON connection_sessions (connection_id);
CREATE INDEX connection_sessions_out_of_band ON connection_sessions (out_of_band_id);
CREATE INDEX connection_sessions_invitation ON connection_sessions (invitation_id);
CREATE INDEX connection_sessions_waiting ON connection_sessions (status, expires_at);

CREATE TABLE webhook_deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    provider        TEXT NOT NULL,
    delivery_key    TEXT NOT NULL,
    topic           TEXT NOT NULL,
    body            BLOB NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'processed', 'unmatched')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    next_attempt_at TEXT,
    session_id      TEXT,
    received_at     TEXT NOT NULL,
    processed_at    TEXT,
    UNIQUE (provider, delivery_key)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_received ON webhook_deliveries (received_at);

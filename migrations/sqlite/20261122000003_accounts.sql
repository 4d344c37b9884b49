-- Tenants, staff accounts, cookie sessions, API keys and the activity log.
-- role and kind hold the names of Role and ActivityKind in app/src/protocol/accounts.rs.

CREATE TABLE tenants (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE users (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    email           TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name            TEXT,
    password_hash   TEXT NOT NULL,
    -- Operators see the whole installation (delivery log, stats), not just their tenants.
    is_operator     INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL
);

CREATE TABLE memberships (
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    tenant_id   INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    role        TEXT NOT NULL CHECK (role IN ('admin', 'staff')),
    PRIMARY KEY (user_id, tenant_id)
);

-- Only a hash of each session token is kept: a leaked database signs no one in.
CREATE TABLE auth_sessions (
    token_hash  TEXT PRIMARY KEY NOT NULL,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);

CREATE TABLE api_keys (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id   INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    prefix      TEXT NOT NULL,
    key_hash    TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT
);
CREATE INDEX api_keys_tenant ON api_keys (tenant_id);

CREATE TABLE activity_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id   INTEGER REFERENCES tenants (id) ON DELETE CASCADE,
    actor       TEXT,
    kind        TEXT NOT NULL,
    detail      TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX activity_log_tenant ON activity_log (tenant_id, id);

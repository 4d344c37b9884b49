-- Per-tenant settings for inbound tenant webhooks (seed 004), and their signing secrets.

CREATE TABLE tenant_webhook_settings (
    tenant_id       INTEGER PRIMARY KEY NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    enabled         INTEGER NOT NULL DEFAULT 1,
    orders          INTEGER NOT NULL DEFAULT 1,
    notifications   INTEGER NOT NULL DEFAULT 1,
    payments        INTEGER NOT NULL DEFAULT 1,
    retry_attempts  INTEGER NOT NULL DEFAULT 3,
    timeout_ms      INTEGER NOT NULL DEFAULT 30000,
    updated_at      TEXT NOT NULL
);

-- The current secret has no expiry; after a rotation the previous one keeps
-- working until expires_at, so senders can switch without dropping events.
CREATE TABLE tenant_webhook_secrets (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id   INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    secret      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT
);
CREATE INDEX tenant_webhook_secrets_tenant ON tenant_webhook_secrets (tenant_id, id);

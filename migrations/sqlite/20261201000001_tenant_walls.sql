-- Tenant walls: each tenant's own WhatsApp numbers, which number and when
-- Meta confirmed each outgoing message, staff invitations, and phone numbers
-- in one form (E.164 digits).

-- A tenant's WhatsApp business numbers; inbound statuses and replies are
-- routed by phone_number_id. One number may be shared by several tenants.
-- The environment's number (WHATSAPP_PHONE_NUMBER_ID, or the simulator's) is
-- written here for the default tenant at every start (from_environment).
CREATE TABLE whatsapp_numbers (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id       INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    phone_number_id TEXT NOT NULL,
    display_number  TEXT NOT NULL,
    -- The tenant's own Graph API token; NULL sends with the environment's.
    access_token    TEXT,
    from_environment INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL,
    UNIQUE (tenant_id, phone_number_id)
);
CREATE INDEX whatsapp_numbers_phone ON whatsapp_numbers (phone_number_id);

-- The number a message went out from (known when sent here, or from its
-- first status), and when Meta last reported on it: replies on a shared
-- number go to the tenant whose message Meta confirmed last, never to one
-- that merely registered an id.
ALTER TABLE whatsapp_messages ADD COLUMN phone_number_id TEXT;
ALTER TABLE whatsapp_messages ADD COLUMN confirmed_at TEXT;
CREATE INDEX whatsapp_messages_confirmed ON whatsapp_messages (to_number, confirmed_at);
DROP INDEX whatsapp_messages_contact;

UPDATE whatsapp_messages SET to_number =
    REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(to_number, '+', ''), ' ', ''), '-', ''), '(', ''), ')', ''), '.', '');
UPDATE whatsapp_incoming SET from_number =
    REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(from_number, '+', ''), ' ', ''), '-', ''), '(', ''), ')', ''), '.', '');

-- Staff join a tenant through a one-time link its admin hands them: an
-- existing account must sign in to accept, so no tenant can grant itself an
-- account another tenant trusts. Only the token's hash is kept.
CREATE TABLE invitations (
    token_hash  TEXT PRIMARY KEY NOT NULL,
    tenant_id   INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    email       TEXT NOT NULL COLLATE NOCASE,
    role        TEXT NOT NULL CHECK (role IN ('admin', 'staff')),
    created_by  TEXT,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    accepted_at TEXT
);
CREATE INDEX invitations_tenant ON invitations (tenant_id, created_at);

CREATE INDEX auth_sessions_expiry ON auth_sessions (expires_at);
CREATE INDEX activity_log_time ON activity_log (created_at);
CREATE INDEX outbound_attempts_time ON outbound_attempts (attempted_at);

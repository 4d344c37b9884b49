-- WhatsApp: outgoing messages with their delivery status, and customers' replies.
-- status holds the names of MessageStatus in app/src/protocol/whatsapp.rs.

CREATE TABLE whatsapp_messages (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    college_id      TEXT NOT NULL,
    to_number       TEXT NOT NULL,
    template        TEXT,
    wamid           TEXT NOT NULL UNIQUE,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'delivered', 'read', 'failed')),
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    sent_at         TEXT,
    delivered_at    TEXT,
    read_at         TEXT,
    failed_at       TEXT,
    error_code      INTEGER,
    error_title     TEXT,
    error_message   TEXT,
    error_details   TEXT
);
CREATE INDEX whatsapp_messages_college ON whatsapp_messages (college_id, id);
CREATE INDEX whatsapp_messages_contact ON whatsapp_messages (to_number, id);

CREATE TABLE whatsapp_incoming (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    college_id      TEXT NOT NULL,
    from_number     TEXT NOT NULL,
    profile_name    TEXT,
    wamid           TEXT NOT NULL UNIQUE,
    kind            TEXT NOT NULL,
    text            TEXT,
    received_at     TEXT NOT NULL
);
CREATE INDEX whatsapp_incoming_college ON whatsapp_incoming (college_id, id);

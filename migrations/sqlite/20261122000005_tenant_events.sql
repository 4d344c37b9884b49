-- Seed 004's orders, payments and notifications, and seed 002's helpdesk entities.
-- Status columns hold the names of the enums in app/src/protocol/tenant_events.rs.

CREATE TABLE orders (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id       INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    order_number    TEXT NOT NULL,
    customer_name   TEXT,
    customer_email  TEXT,
    amount_cents    INTEGER NOT NULL,
    status          TEXT NOT NULL,
    payment_status  TEXT,
    items           TEXT NOT NULL,
    metadata        TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (tenant_id, order_number)
);
CREATE INDEX orders_tenant_time ON orders (tenant_id, created_at);

CREATE TABLE payments (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id       INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    order_id        INTEGER REFERENCES orders (id) ON DELETE SET NULL,
    payment_id      TEXT NOT NULL,
    amount_cents    INTEGER,
    status          TEXT NOT NULL,
    metadata        TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    UNIQUE (tenant_id, payment_id, status)
);

CREATE TABLE notifications (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id       INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id         INTEGER REFERENCES users (id) ON DELETE CASCADE,
    title           TEXT NOT NULL,
    message         TEXT NOT NULL,
    kind            TEXT NOT NULL,
    priority        TEXT NOT NULL,
    action_url      TEXT,
    action_text     TEXT,
    metadata        TEXT NOT NULL,
    is_read         INTEGER NOT NULL DEFAULT 0,
    is_dismissed    INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL
);
CREATE INDEX notifications_tenant ON notifications (tenant_id, id);

CREATE TABLE helpdesk_entities (
    tenant_id   INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    room        TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    data        TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (tenant_id, room, entity_id)
);

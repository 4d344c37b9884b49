-- Exactly once: deliveries are leased to the node applying them; what an
-- applied delivery causes is written in the same transaction (the outbox
-- for pages, notifications and outbound messages keyed by their source);
-- read state of tenant-wide notifications is each reader's own.

-- A delivery is applied only by the node holding its lease, until
-- lease_until; a lease that runs out (its node died) lets another take it.
ALTER TABLE webhook_deliveries ADD COLUMN lease_owner TEXT;
ALTER TABLE webhook_deliveries ADD COLUMN lease_until TEXT;
-- What makes an unmatched delivery applicable again (a wamid, an invitation id).
ALTER TABLE webhook_deliveries ADD COLUMN claim TEXT;
CREATE INDEX webhook_deliveries_claim ON webhook_deliveries (provider, claim) WHERE status = 'unmatched';
-- Claims scan pending deliveries in id order; this replaces the index on
-- (status, next_attempt_at), which every insert and mark kept up to date too.
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (id) WHERE status = 'pending';
DROP INDEX webhook_deliveries_due;

-- Changes for pages, committed with what caused them and published after.
CREATE TABLE outbox (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    change        TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    published_at  TEXT
);
CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;

-- What caused a notification or an outbound message (`delivery:42:order`):
-- applying a delivery twice creates neither twice.
ALTER TABLE notifications ADD COLUMN source TEXT;
CREATE UNIQUE INDEX notifications_source ON notifications (source) WHERE source IS NOT NULL;
ALTER TABLE outbound_messages ADD COLUMN source TEXT;
CREATE UNIQUE INDEX outbound_messages_source ON outbound_messages (source) WHERE source IS NOT NULL;

-- Each staff member's read state of tenant-wide notifications: everything
-- up to read_up_to (their last "mark all read"), and single ones above it.
-- A personal notification keeps its state on its own row; the row's flags
-- of a tenant-wide one are the tenant's own (what API keys see).
CREATE TABLE notification_cursors (
    tenant_id   INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    read_up_to  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, user_id)
);
CREATE TABLE notification_reads (
    notification_id INTEGER NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    is_read         INTEGER NOT NULL DEFAULT 0,
    is_dismissed    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (notification_id, user_id)
);
CREATE INDEX notifications_user ON notifications (tenant_id, user_id, id);

-- A payment that arrives before its order waits under the order's number,
-- and moves the order forward once the order arrives.
ALTER TABLE payments ADD COLUMN order_number TEXT;
CREATE INDEX payments_waiting ON payments (tenant_id, order_number) WHERE order_id IS NULL;

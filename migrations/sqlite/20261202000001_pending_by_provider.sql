-- A lane claims its own providers' pending deliveries in id order: one
-- range of this index per provider. The index of every pending delivery
-- made a claim skip past the other lanes' backlogs, and with the provider
-- as a bound parameter SQLite preferred the (provider, delivery_key) index
-- and sorted every delivery of the provider, applied or not, per claim.
CREATE INDEX webhook_deliveries_pending_by_provider ON webhook_deliveries (provider, id) WHERE status = 'pending';
DROP INDEX webhook_deliveries_pending;

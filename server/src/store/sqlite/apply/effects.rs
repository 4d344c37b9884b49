//! What a change causes, inside a unit of work: outbound deliveries, the
//! outbox for pages, and unmatched deliveries made applicable again.

use super::rows::{name, timestamp};
use crate::events::{Change, Provider};
use crate::store::OutboxEntry;
use app::protocol::{DeliveryStatus, OutboundEventType, OutboundStatus, TenantId};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};
use serde_json::Value;

/// Queues `payload` for the tenant's enabled endpoints that want
/// `event_type`, once per `source`.
pub fn enqueue(
    conn: &Connection,
    tenant: TenantId,
    event_type: OutboundEventType,
    payload: &Value,
    source: &str,
    at: DateTime<Utc>,
) -> rusqlite::Result<()> {
    let wanted: Vec<i64> = {
        let mut select = conn.prepare_cached("SELECT id, event_types FROM outbound_endpoints WHERE tenant_id = ?1 AND enabled = 1")?;
        let rows = select.query_map([tenant.0], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
        let mut ids = Vec::new();
        for row in rows {
            let (id, types) = row?;
            let types: Vec<OutboundEventType> = serde_json::from_str(&types).unwrap_or_default();
            if types.is_empty() || types.contains(&event_type) {
                ids.push(id);
            }
        }
        ids
    };
    if wanted.is_empty() {
        return Ok(());
    }
    let at = timestamp(at);
    let inserted = conn
        .prepare_cached(
            "INSERT INTO outbound_messages (tenant_id, event_type, payload, created_at, source) VALUES (?1, ?2, ?3, ?4, ?5) \
             ON CONFLICT DO NOTHING",
        )?
        .execute(params![tenant.0, name(&event_type), payload.to_string(), at, source])?;
    if inserted == 0 {
        return Ok(());
    }
    let message = conn.last_insert_rowid();
    let mut insert = conn.prepare_cached(
        "INSERT INTO outbound_deliveries (message_id, endpoint_id, status, next_attempt_at, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?4, ?4)",
    )?;
    for endpoint in wanted {
        insert.execute(params![message, endpoint, name(&OutboundStatus::Pending), at])?;
    }
    Ok(())
}

/// Writes `change` to the outbox.
pub fn publish(conn: &Connection, change: Change, at: DateTime<Utc>) -> rusqlite::Result<OutboxEntry> {
    let text = serde_json::to_string(&change).expect("changes serialise");
    conn.prepare_cached("INSERT INTO outbox (change, created_at) VALUES (?1, ?2)")?.execute(params![text, timestamp(at)])?;
    Ok(OutboxEntry { id: conn.last_insert_rowid(), change })
}

pub fn requeue_unmatched(conn: &Connection, provider: Provider, claim: &str) -> rusqlite::Result<Vec<i64>> {
    let mut update = conn.prepare_cached(
        "UPDATE webhook_deliveries SET status = ?1, next_attempt_at = NULL WHERE provider = ?2 AND status = ?3 AND claim = ?4 RETURNING id",
    )?;
    let rows = update
        .query_map(params![DeliveryStatus::Pending.as_str(), provider.as_str(), DeliveryStatus::Unmatched.as_str(), claim], |r| r.get(0))?;
    rows.collect()
}

//! What a change causes, inside a unit of work, on PostgreSQL: outbound deliveries, the outbox, requeued deliveries.

use crate::events::{Change, Provider};
use crate::store::OutboxEntry;
use app::protocol::{DeliveryStatus, OutboundEventType, OutboundStatus, TenantId};
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgConnection;

/// Queues `payload` for the tenant's enabled endpoints that want
/// `event_type`, once per `source`.
pub async fn enqueue(
    conn: &mut PgConnection,
    tenant: TenantId,
    event_type: OutboundEventType,
    payload: &Value,
    source: &str,
    at: DateTime<Utc>,
) -> sqlx::Result<()> {
    // `FOR KEY SHARE`: an endpoint deleted on another node meanwhile waits
    // for this commit, rather than failing the deliveries' foreign key.
    let endpoints: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, event_types FROM outbound_endpoints WHERE tenant_id = $1 AND enabled ORDER BY id FOR KEY SHARE")
            .bind(tenant.0)
            .fetch_all(&mut *conn)
            .await?;
    let wanted: Vec<i64> = endpoints
        .into_iter()
        .filter(|(_, types)| {
            let types: Vec<OutboundEventType> = serde_json::from_str(types).unwrap_or_default();
            types.is_empty() || types.contains(&event_type)
        })
        .map(|(id, _)| id)
        .collect();
    if wanted.is_empty() {
        return Ok(());
    }
    // Once per `source`: a node applying the same cause at once waits on the
    // unique index, then inserts nothing (and so queues nothing).
    let message: Option<i64> = sqlx::query_scalar(
        "INSERT INTO outbound_messages (tenant_id, event_type, payload, created_at, source) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(tenant.0)
    .bind(event_type)
    .bind(payload.to_string())
    .bind(at)
    .bind(source)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(message) = message else { return Ok(()) };
    sqlx::query(
        "INSERT INTO outbound_deliveries (message_id, endpoint_id, status, next_attempt_at, created_at, updated_at) \
         SELECT $1, endpoint, $3, $4, $4, $4 FROM UNNEST($2::bigint[]) AS e (endpoint)",
    )
    .bind(message)
    .bind(&wanted)
    .bind(OutboundStatus::Pending)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Writes `change` to the outbox.
pub async fn publish(conn: &mut PgConnection, change: Change, at: DateTime<Utc>) -> sqlx::Result<OutboxEntry> {
    let text = serde_json::to_string(&change).expect("changes serialise");
    let id: i64 = sqlx::query_scalar("INSERT INTO outbox (change, created_at) VALUES ($1, $2) RETURNING id")
        .bind(text)
        .bind(at)
        .fetch_one(&mut *conn)
        .await?;
    Ok(OutboxEntry { id, change })
}

pub async fn requeue_unmatched(conn: &mut PgConnection, provider: Provider, claim: &str) -> sqlx::Result<Vec<i64>> {
    // One statement: a delivery another node requeues (or claims) first is
    // re-checked after its lock and skipped.
    sqlx::query_scalar(
        "UPDATE webhook_deliveries SET status = $1, next_attempt_at = NULL \
         WHERE provider = $2 AND status = $3 AND claim = $4 RETURNING id",
    )
    .bind(DeliveryStatus::Pending.as_str())
    .bind(provider.as_str())
    .bind(DeliveryStatus::Unmatched.as_str())
    .bind(claim)
    .fetch_all(&mut *conn)
    .await
}

//! [`OutboundStore`] on PostgreSQL. Every node runs the dispatcher: [`due_outbound`](OutboundStore::due_outbound)
//! leases what it returns (see [`LEASE_MARGIN_MS`]), so no two nodes send one delivery at once.

use super::PostgresStore;
use crate::store::rows::outbound::*;
use crate::store::*;
use app::protocol::{EndpointView, OutboundDeliveryView, OutboundEventType, OutboundStatus, TenantId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::Value;

/// The lease on claimed deliveries: their `next_attempt_at` moves ahead
/// by as many sends as a pass may make to one endpoint (the dispatcher
/// sends an endpoint's deliveries one after another), each the tenant's
/// timeout (clamped as the dispatcher clamps it) plus this margin for
/// reading and recording; `record_attempt` then sets the real next time.
/// If the node dies, another takes them when the lease ends, and its own
/// restart at once.
const LEASE_MARGIN_MS: i64 = 5_000;
/// Endpoints claimed per pass: no more than the dispatcher sends to at
/// once (its `IN_FLIGHT`), so every claimed endpoint starts at once.
const ENDPOINTS: i64 = 16;
/// Deliveries claimed per endpoint per pass.
const PER_ENDPOINT: i64 = 8;

#[async_trait]
impl OutboundStore for PostgresStore {
    async fn create_endpoint(&self, e: &NewEndpoint, at: DateTime<Utc>) -> StoreResult<EndpointView> {
        let sql = format!(
            "INSERT INTO outbound_endpoints (tenant_id, url, description, secret, event_types, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING {ENDPOINT_COLUMNS}"
        );
        let row: EndpointRow = sqlx::query_as(&sql)
            .bind(e.tenant)
            .bind(&e.url)
            .bind(&e.description)
            .bind(&e.secret)
            .bind(types_json(&e.event_types))
            .bind(at)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.into())
    }

    async fn list_endpoints(&self, tenant: TenantId) -> StoreResult<Vec<EndpointView>> {
        let sql = format!("SELECT {ENDPOINT_COLUMNS} FROM outbound_endpoints WHERE tenant_id = $1 ORDER BY id");
        let rows: Vec<EndpointRow> = sqlx::query_as(&sql).bind(tenant).fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn endpoint(&self, tenant: TenantId, id: i64) -> StoreResult<Option<EndpointView>> {
        let sql = format!("SELECT {ENDPOINT_COLUMNS} FROM outbound_endpoints WHERE tenant_id = $1 AND id = $2");
        let row: Option<EndpointRow> = sqlx::query_as(&sql).bind(tenant).bind(id).fetch_optional(&self.pool).await?;
        Ok(row.map(Into::into))
    }

    async fn update_endpoint(&self, tenant: TenantId, id: i64, c: &EndpointChange) -> StoreResult<Option<EndpointView>> {
        let sql = format!(
            "UPDATE outbound_endpoints SET url = COALESCE($1, url), description = COALESCE($2, description), \
             event_types = COALESCE($3, event_types), enabled = COALESCE($4, enabled), \
             disabled_reason = CASE WHEN $4 THEN NULL ELSE disabled_reason END, \
             failing_since = CASE WHEN $4 THEN NULL ELSE failing_since END \
             WHERE tenant_id = $5 AND id = $6 RETURNING {ENDPOINT_COLUMNS}"
        );
        let row: Option<EndpointRow> = sqlx::query_as(&sql)
            .bind(&c.url)
            .bind(&c.description)
            .bind(c.event_types.as_deref().map(types_json))
            .bind(c.enabled)
            .bind(tenant)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(Into::into))
    }

    async fn rotate_endpoint_secret(&self, tenant: TenantId, id: i64, secret: &str) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE outbound_endpoints SET secret = $1 WHERE tenant_id = $2 AND id = $3")
            .bind(secret)
            .bind(tenant)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn delete_endpoint(&self, tenant: TenantId, id: i64) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM outbound_endpoints WHERE tenant_id = $1 AND id = $2")
            .bind(tenant)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn enqueue(
        &self,
        tenant: TenantId,
        event_type: OutboundEventType,
        payload: &Value,
        only: Option<i64>,
        at: DateTime<Utc>,
    ) -> StoreResult<Vec<i64>> {
        let targets: Vec<EndpointView> = self
            .list_endpoints(tenant)
            .await?
            .into_iter()
            .filter(|e| match only {
                Some(id) => e.id == id,
                None => e.enabled && (e.event_types.is_empty() || e.event_types.contains(&event_type)),
            })
            .collect();
        if targets.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.pool.begin().await?;
        let (message,): (i64,) = sqlx::query_as(
            "INSERT INTO outbound_messages (tenant_id, event_type, payload, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(tenant)
        .bind(event_type)
        .bind(payload.to_string())
        .bind(at)
        .fetch_one(&mut *tx)
        .await?;
        let mut ids = Vec::with_capacity(targets.len());
        for endpoint in targets {
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO outbound_deliveries (message_id, endpoint_id, status, next_attempt_at, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(message)
            .bind(endpoint.id)
            .bind(OutboundStatus::Pending)
            .bind(at)
            .bind(at)
            .bind(at)
            .fetch_one(&mut *tx)
            .await?;
            ids.push(id);
        }
        tx.commit().await?;
        Ok(ids)
    }

    async fn due_outbound(&self, now: DateTime<Utc>, limit: i64, owner: &str) -> StoreResult<Vec<DueDelivery>> {
        // Claims and returns in one statement: the first due deliveries of
        // the endpoints due longest, in order. A row another node is
        // claiming is skipped, not waited for; one it claimed since this
        // statement's snapshot fails the recheck under the lock.
        let node = owner.find('/').map_or(owner, |at| &owner[..=at]);
        let due = "status = $1 AND (next_attempt_at <= $2 OR (starts_with(lease_owner, $5) AND lease_owner <> $6))";
        let sql = format!(
            "WITH candidates AS ( \
                 SELECT id, endpoint_id, next_attempt_at, \
                     ROW_NUMBER() OVER (PARTITION BY endpoint_id ORDER BY next_attempt_at, id) AS place, \
                     MIN(next_attempt_at) OVER (PARTITION BY endpoint_id) AS first_due \
                 FROM outbound_deliveries WHERE {due} \
             ), ranked AS ( \
                 SELECT id, place, first_due, DENSE_RANK() OVER (ORDER BY first_due, endpoint_id) AS endpoint_rank \
                 FROM candidates \
             ), chosen AS ( \
                 SELECT d.id, d.endpoint_id, d.next_attempt_at FROM outbound_deliveries d JOIN ranked r ON r.id = d.id \
                 WHERE r.place <= {PER_ENDPOINT} AND r.endpoint_rank <= {ENDPOINTS} AND {due} \
                 ORDER BY r.first_due, d.endpoint_id, r.place LIMIT $3 FOR UPDATE OF d SKIP LOCKED \
             ), claimed AS ( \
                 UPDATE outbound_deliveries d SET lease_owner = $6, next_attempt_at = $2 + {PER_ENDPOINT} * \
                     (LEAST(GREATEST(COALESCE(s.timeout_ms, $4), 1000), 120000) + {LEASE_MARGIN_MS}) * interval '1 millisecond' \
                 FROM chosen c JOIN outbound_endpoints e ON e.id = c.endpoint_id \
                 LEFT JOIN tenant_webhook_settings s ON s.tenant_id = e.tenant_id \
                 WHERE d.id = c.id \
                 RETURNING d.id, d.attempts, d.endpoint_id, d.message_id, c.next_attempt_at AS due_at \
             ) \
             SELECT c.id, c.attempts, e.tenant_id, e.id AS endpoint_id, e.url, e.secret, e.enabled, e.failing_since, \
             m.id AS message_id, m.event_type, m.payload, m.created_at AS message_at \
             FROM claimed c JOIN outbound_endpoints e ON e.id = c.endpoint_id \
             JOIN outbound_messages m ON m.id = c.message_id \
             ORDER BY c.due_at, c.id"
        );
        let rows: Vec<DueRow> = sqlx::query_as(&sql)
            .bind(OutboundStatus::Pending)
            .bind(now)
            .bind(limit)
            .bind(StoredWebhookSettings::default().timeout_ms)
            .bind(node)
            .bind(owner)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn record_attempt(&self, delivery: i64, a: &Attempt, next: Next) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO outbound_attempts (delivery_id, attempted_at, status_code, duration_ms, response, error) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(delivery)
        .bind(a.at)
        .bind(a.status_code.map(i64::from))
        .bind(a.duration_ms)
        .bind(&a.response)
        .bind(&a.error)
        .execute(&mut *tx)
        .await?;
        let (status, next_at) = match next {
            Next::Succeeded => (OutboundStatus::Succeeded, None),
            Next::RetryAt(at) => (OutboundStatus::Pending, Some(at)),
            Next::Failed => (OutboundStatus::Failed, None),
        };
        sqlx::query(
            "UPDATE outbound_deliveries SET status = $1, next_attempt_at = $2, attempts = attempts + 1, updated_at = $3, \
             lease_owner = NULL WHERE id = $4",
        )
        .bind(status)
        .bind(next_at)
        .bind(a.at)
        .bind(delivery)
        .execute(&mut *tx)
        .await?;
        Ok(tx.commit().await?)
    }

    async fn set_endpoint_health(
        &self,
        endpoint: i64,
        failing_since: Option<DateTime<Utc>>,
        disabled_reason: Option<&str>,
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE outbound_endpoints SET failing_since = $1 WHERE id = $2")
            .bind(failing_since)
            .bind(endpoint)
            .execute(&mut *tx)
            .await?;
        let mut disabled = false;
        if let Some(reason) = disabled_reason {
            // `AND enabled` is rechecked under the row's lock: of nodes
            // disabling it at once, one is told it did.
            let done = sqlx::query("UPDATE outbound_endpoints SET enabled = FALSE, disabled_reason = $1 WHERE id = $2 AND enabled")
                .bind(reason)
                .bind(endpoint)
                .execute(&mut *tx)
                .await?;
            disabled = done.rows_affected() == 1;
        }
        tx.commit().await?;
        Ok(disabled)
    }

    async fn list_outbound_deliveries(
        &self,
        tenant: TenantId,
        endpoint: i64,
        f: &DeliveryLogFilter,
    ) -> StoreResult<Vec<OutboundDeliveryView>> {
        let rows: Vec<LogRow> = sqlx::query_as(
            "SELECT d.id, d.message_id, m.event_type, d.status, d.attempts, d.next_attempt_at, d.created_at, \
             a.attempted_at, a.status_code, a.duration_ms, a.response, a.error \
             FROM outbound_deliveries d JOIN outbound_endpoints e ON e.id = d.endpoint_id \
             JOIN outbound_messages m ON m.id = d.message_id \
             LEFT JOIN outbound_attempts a ON a.id = (SELECT MAX(id) FROM outbound_attempts WHERE delivery_id = d.id) \
             WHERE e.tenant_id = $1 AND e.id = $2 AND ($3::text IS NULL OR m.event_type = $3) AND ($4::text IS NULL OR d.status = $4) \
             ORDER BY d.id DESC LIMIT $5",
        )
        .bind(tenant)
        .bind(endpoint)
        .bind(f.event_type)
        .bind(f.status)
        .bind(f.limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn resend(&self, tenant: TenantId, delivery: i64, now: DateTime<Utc>) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE outbound_deliveries SET status = $1, next_attempt_at = $2, updated_at = $3 \
             WHERE id = $4 AND endpoint_id IN (SELECT id FROM outbound_endpoints WHERE tenant_id = $5)",
        )
        .bind(OutboundStatus::Pending)
        .bind(now)
        .bind(now)
        .bind(delivery)
        .bind(tenant)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn recover(&self, tenant: TenantId, endpoint: i64, since: DateTime<Utc>, now: DateTime<Utc>) -> StoreResult<u64> {
        let done = sqlx::query(
            "UPDATE outbound_deliveries SET status = $1, next_attempt_at = $2, updated_at = $2 \
             WHERE status = $3 AND endpoint_id = $4 AND created_at >= $5 \
             AND endpoint_id IN (SELECT id FROM outbound_endpoints WHERE tenant_id = $6)",
        )
        .bind(OutboundStatus::Pending)
        .bind(now)
        .bind(OutboundStatus::Failed)
        .bind(endpoint)
        .bind(since)
        .bind(tenant)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }
}

//! [`OutboundStore`] on SQLite.

use super::SqliteStore;
use crate::store::rows::outbound::*;
use crate::store::*;
use app::protocol::{EndpointView, OutboundDeliveryView, OutboundEventType, OutboundStatus, TenantId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::Value;

#[async_trait]
impl OutboundStore for SqliteStore {
    async fn create_endpoint(&self, e: &NewEndpoint, at: DateTime<Utc>) -> StoreResult<EndpointView> {
        let mut write = self.write().await?;
        let sql = format!(
            "INSERT INTO outbound_endpoints (tenant_id, url, description, secret, event_types, created_at) \
             VALUES (?, ?, ?, ?, ?, ?) RETURNING {ENDPOINT_COLUMNS}"
        );
        let row: EndpointRow = sqlx::query_as(&sql)
            .bind(e.tenant)
            .bind(&e.url)
            .bind(&e.description)
            .bind(&e.secret)
            .bind(types_json(&e.event_types))
            .bind(at)
            .fetch_one(&mut *write.conn)
            .await?;
        Ok(row.into())
    }

    async fn list_endpoints(&self, tenant: TenantId) -> StoreResult<Vec<EndpointView>> {
        let sql = format!("SELECT {ENDPOINT_COLUMNS} FROM outbound_endpoints WHERE tenant_id = ? ORDER BY id");
        let rows: Vec<EndpointRow> = sqlx::query_as(&sql).bind(tenant).fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn endpoint(&self, tenant: TenantId, id: i64) -> StoreResult<Option<EndpointView>> {
        let sql = format!("SELECT {ENDPOINT_COLUMNS} FROM outbound_endpoints WHERE tenant_id = ? AND id = ?");
        let row: Option<EndpointRow> = sqlx::query_as(&sql).bind(tenant).bind(id).fetch_optional(&self.pool).await?;
        Ok(row.map(Into::into))
    }

    async fn update_endpoint(&self, tenant: TenantId, id: i64, c: &EndpointChange) -> StoreResult<Option<EndpointView>> {
        let mut write = self.write().await?;
        let sql = format!(
            "UPDATE outbound_endpoints SET url = COALESCE(?1, url), description = COALESCE(?2, description), \
             event_types = COALESCE(?3, event_types), enabled = COALESCE(?4, enabled), \
             disabled_reason = CASE WHEN ?4 THEN NULL ELSE disabled_reason END, \
             failing_since = CASE WHEN ?4 THEN NULL ELSE failing_since END \
             WHERE tenant_id = ?5 AND id = ?6 RETURNING {ENDPOINT_COLUMNS}"
        );
        let row: Option<EndpointRow> = sqlx::query_as(&sql)
            .bind(&c.url)
            .bind(&c.description)
            .bind(c.event_types.as_deref().map(types_json))
            .bind(c.enabled)
            .bind(tenant)
            .bind(id)
            .fetch_optional(&mut *write.conn)
            .await?;
        Ok(row.map(Into::into))
    }

    async fn rotate_endpoint_secret(&self, tenant: TenantId, id: i64, secret: &str) -> StoreResult<bool> {
        let mut write = self.write().await?;
        let done = sqlx::query("UPDATE outbound_endpoints SET secret = ? WHERE tenant_id = ? AND id = ?")
            .bind(secret)
            .bind(tenant)
            .bind(id)
            .execute(&mut *write.conn)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn delete_endpoint(&self, tenant: TenantId, id: i64) -> StoreResult<bool> {
        let mut write = self.write().await?;
        let done = sqlx::query("DELETE FROM outbound_endpoints WHERE tenant_id = ? AND id = ?")
            .bind(tenant)
            .bind(id)
            .execute(&mut *write.conn)
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
        let mut write = self.write().await?;
        let mut tx = sqlx::Connection::begin(&mut *write.conn).await?;
        let (message,): (i64,) =
            sqlx::query_as("INSERT INTO outbound_messages (tenant_id, event_type, payload, created_at) VALUES (?, ?, ?, ?) RETURNING id")
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
                 VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
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

    async fn due_outbound(&self, now: DateTime<Utc>, limit: i64, _owner: &str) -> StoreResult<Vec<DueDelivery>> {
        let rows: Vec<DueRow> = sqlx::query_as(
            "SELECT d.id, d.attempts, e.tenant_id, e.id AS endpoint_id, e.url, e.secret, e.enabled, e.failing_since, \
             m.id AS message_id, m.event_type, m.payload, m.created_at AS message_at \
             FROM outbound_deliveries d JOIN outbound_endpoints e ON e.id = d.endpoint_id \
             JOIN outbound_messages m ON m.id = d.message_id \
             WHERE d.status = ? AND d.next_attempt_at <= ? ORDER BY d.next_attempt_at, d.id LIMIT ?",
        )
        .bind(OutboundStatus::Pending)
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn record_attempt(&self, delivery: i64, a: &Attempt, next: Next) -> StoreResult<()> {
        let mut write = self.write().await?;
        let mut tx = sqlx::Connection::begin(&mut *write.conn).await?;
        sqlx::query(
            "INSERT INTO outbound_attempts (delivery_id, attempted_at, status_code, duration_ms, response, error) \
             VALUES (?, ?, ?, ?, ?, ?)",
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
        sqlx::query("UPDATE outbound_deliveries SET status = ?, next_attempt_at = ?, attempts = attempts + 1, updated_at = ? WHERE id = ?")
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
        let mut write = self.write().await?;
        sqlx::query("UPDATE outbound_endpoints SET failing_since = ? WHERE id = ?")
            .bind(failing_since)
            .bind(endpoint)
            .execute(&mut *write.conn)
            .await?;
        let Some(reason) = disabled_reason else { return Ok(false) };
        let done = sqlx::query("UPDATE outbound_endpoints SET enabled = 0, disabled_reason = ? WHERE id = ? AND enabled")
            .bind(reason)
            .bind(endpoint)
            .execute(&mut *write.conn)
            .await?;
        Ok(done.rows_affected() == 1)
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
             WHERE e.tenant_id = ?1 AND e.id = ?2 AND (?3 IS NULL OR m.event_type = ?3) AND (?4 IS NULL OR d.status = ?4) \
             ORDER BY d.id DESC LIMIT ?5",
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
        let mut write = self.write().await?;
        let done = sqlx::query(
            "UPDATE outbound_deliveries SET status = ?, next_attempt_at = ?, updated_at = ? \
             WHERE id = ? AND endpoint_id IN (SELECT id FROM outbound_endpoints WHERE tenant_id = ?)",
        )
        .bind(OutboundStatus::Pending)
        .bind(now)
        .bind(now)
        .bind(delivery)
        .bind(tenant)
        .execute(&mut *write.conn)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn recover(&self, tenant: TenantId, endpoint: i64, since: DateTime<Utc>, now: DateTime<Utc>) -> StoreResult<u64> {
        let mut write = self.write().await?;
        let done = sqlx::query(
            "UPDATE outbound_deliveries SET status = ?1, next_attempt_at = ?2, updated_at = ?2 \
             WHERE status = ?3 AND endpoint_id = ?4 AND created_at >= ?5 \
             AND endpoint_id IN (SELECT id FROM outbound_endpoints WHERE tenant_id = ?6)",
        )
        .bind(OutboundStatus::Pending)
        .bind(now)
        .bind(OutboundStatus::Failed)
        .bind(endpoint)
        .bind(since)
        .bind(tenant)
        .execute(&mut *write.conn)
        .await?;
        Ok(done.rows_affected())
    }
}

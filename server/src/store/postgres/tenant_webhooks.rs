//! [`TenantWebhookStore`] on PostgreSQL.

use super::PostgresStore;
use crate::store::rows::tenant_webhooks::*;
use crate::store::*;
use app::protocol::{TenantId, WebhookEndpoints};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

#[async_trait]
impl TenantWebhookStore for PostgresStore {
    async fn webhook_settings(&self, tenant: TenantId) -> StoreResult<StoredWebhookSettings> {
        let row: Option<SettingsRow> = sqlx::query_as(
            "SELECT enabled, orders, notifications, payments, retry_attempts, timeout_ms \
             FROM tenant_webhook_settings WHERE tenant_id = $1",
        )
        .bind(tenant)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map_or_else(StoredWebhookSettings::default, |r| StoredWebhookSettings {
            enabled: r.enabled,
            endpoints: WebhookEndpoints { orders: r.orders, notifications: r.notifications, payments: r.payments },
            retry_attempts: r.retry_attempts,
            timeout_ms: r.timeout_ms,
        }))
    }

    async fn save_webhook_settings(&self, tenant: TenantId, s: &StoredWebhookSettings, at: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO tenant_webhook_settings \
             (tenant_id, enabled, orders, notifications, payments, retry_attempts, timeout_ms, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (tenant_id) DO UPDATE SET \
             enabled = excluded.enabled, orders = excluded.orders, notifications = excluded.notifications, \
             payments = excluded.payments, retry_attempts = excluded.retry_attempts, timeout_ms = excluded.timeout_ms, \
             updated_at = excluded.updated_at",
        )
        .bind(tenant)
        .bind(s.enabled)
        .bind(s.endpoints.orders)
        .bind(s.endpoints.notifications)
        .bind(s.endpoints.payments)
        .bind(s.retry_attempts)
        .bind(s.timeout_ms)
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn signing_secrets(&self, tenant: TenantId, now: DateTime<Utc>) -> StoreResult<Vec<SigningSecret>> {
        Ok(sqlx::query_as(
            "SELECT secret, expires_at FROM tenant_webhook_secrets \
             WHERE tenant_id = $1 AND (expires_at IS NULL OR expires_at > $2) ORDER BY expires_at IS NOT NULL, id DESC",
        )
        .bind(tenant)
        .bind(now)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn rotate_secret(&self, tenant: TenantId, secret: &str, at: DateTime<Utc>, grace_until: DateTime<Utc>) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        // Rotations of one tenant take turns on its row, so each sees the
        // secret the one before it inserted (two at once would otherwise both
        // leave a current secret). NO KEY UPDATE: inserts that reference the
        // tenant elsewhere do not wait on it.
        sqlx::query("SELECT id FROM tenants WHERE id = $1 FOR NO KEY UPDATE").bind(tenant).execute(&mut *tx).await?;
        sqlx::query("UPDATE tenant_webhook_secrets SET expires_at = $1 WHERE tenant_id = $2 AND expires_at IS NULL")
            .bind(grace_until)
            .bind(tenant)
            .execute(&mut *tx)
            .await?;
        // Older rotated-out secrets end now: only the last one gets a grace period.
        sqlx::query("UPDATE tenant_webhook_secrets SET expires_at = $1 WHERE tenant_id = $2 AND expires_at > $1 AND expires_at <> $3")
            .bind(at)
            .bind(tenant)
            .bind(grace_until)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO tenant_webhook_secrets (tenant_id, secret, created_at) VALUES ($1, $2, $3)")
            .bind(tenant)
            .bind(secret)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        Ok(tx.commit().await?)
    }
}

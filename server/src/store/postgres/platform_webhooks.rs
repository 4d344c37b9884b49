//! [`PlatformWebhookStore`] on PostgreSQL.

use super::PostgresStore;
use crate::store::*;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

#[async_trait]
impl PlatformWebhookStore for PostgresStore {
    async fn platform_keys(&self) -> StoreResult<Vec<PlatformKey>> {
        Ok(sqlx::query_as("SELECT key_hash, retire_at FROM platform_webhook_keys").fetch_all(&self.pool).await?)
    }

    async fn rotate_platform_key(
        &self,
        new_hash: &str,
        configured_hash: &str,
        at: DateTime<Utc>,
        retire_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE platform_webhook_keys SET retire_at = $1 WHERE key_hash <> $2 AND (retire_at IS NULL OR retire_at > $1)")
            .bind(retire_at)
            .bind(new_hash)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO platform_webhook_keys (key_hash, added_at, retire_at) VALUES ($1, $2, $3) ON CONFLICT (key_hash) DO NOTHING",
        )
        .bind(configured_hash)
        .bind(at)
        .bind(retire_at)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO platform_webhook_keys (key_hash, added_at, retire_at) VALUES ($1, $2, NULL) \
             ON CONFLICT (key_hash) DO UPDATE SET retire_at = NULL",
        )
        .bind(new_hash)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn add_platform_app(&self, app_id: &str, webhook_url: &str, at: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO platform_webhook_apps (app_id, webhook_url, created_at) VALUES ($1, $2, $3) ON CONFLICT (app_id) DO NOTHING",
        )
        .bind(app_id)
        .bind(webhook_url)
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn platform_apps(&self) -> StoreResult<Vec<String>> {
        Ok(sqlx::query_scalar("SELECT app_id FROM platform_webhook_apps ORDER BY created_at, app_id").fetch_all(&self.pool).await?)
    }
}

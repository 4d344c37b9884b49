//! The wallet platform's side of the webhook wiring: the `X-API-Key`s it
//! may present beyond `WEBHOOK_SECRET` (as SHA-256 hex; a rotated-out one
//! until its grace period ends), and the webhook apps registered on it.

use super::StoreResult;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// A key's hash and, for one rotated out, when it stops working.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct PlatformKey {
    pub key_hash: String,
    pub retire_at: Option<DateTime<Utc>>,
}

#[async_trait]
pub trait PlatformWebhookStore: Send + Sync {
    async fn platform_keys(&self) -> StoreResult<Vec<PlatformKey>>;
    /// Makes `new_hash` the current key; every other key, `configured_hash`
    /// (WEBHOOK_SECRET's) among them, works until `retire_at` at the latest
    /// (only the last rotation's grace period counts).
    async fn rotate_platform_key(
        &self,
        new_hash: &str,
        configured_hash: &str,
        at: DateTime<Utc>,
        retire_at: DateTime<Utc>,
    ) -> StoreResult<()>;
    async fn add_platform_app(&self, app_id: &str, webhook_url: &str, at: DateTime<Utc>) -> StoreResult<()>;
    /// The registered apps' ids, oldest first.
    async fn platform_apps(&self) -> StoreResult<Vec<String>>;
}

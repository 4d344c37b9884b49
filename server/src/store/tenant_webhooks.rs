//! Per-tenant inbound webhook settings and signing secrets.

use super::StoreResult;
use app::protocol::{TenantId, WebhookEndpoints};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// The stored settings; a tenant without a row has the defaults.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredWebhookSettings {
    pub enabled: bool,
    pub endpoints: WebhookEndpoints,
    pub retry_attempts: i64,
    pub timeout_ms: i64,
}

impl Default for StoredWebhookSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            endpoints: WebhookEndpoints { orders: true, notifications: true, payments: true },
            retry_attempts: 3,
            timeout_ms: 30_000,
        }
    }
}

/// A signing secret and, for a rotated-out one, when it stops working.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SigningSecret {
    pub secret: String,
    pub expires_at: Option<DateTime<Utc>>,
}

#[async_trait]
pub trait TenantWebhookStore: Send + Sync {
    async fn webhook_settings(&self, tenant: TenantId) -> StoreResult<StoredWebhookSettings>;
    async fn save_webhook_settings(&self, tenant: TenantId, settings: &StoredWebhookSettings, at: DateTime<Utc>) -> StoreResult<()>;
    /// Secrets that verify signatures at `now`: the current one first.
    async fn signing_secrets(&self, tenant: TenantId, now: DateTime<Utc>) -> StoreResult<Vec<SigningSecret>>;
    /// Makes `secret` current; the previous current one stays valid until
    /// `grace_until`.
    async fn rotate_secret(&self, tenant: TenantId, secret: &str, at: DateTime<Utc>, grace_until: DateTime<Utc>) -> StoreResult<()>;
}

//! Per-tenant settings of inbound tenant webhooks (seed 004's contract).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Which inbound endpoints a tenant accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct WebhookEndpoints {
    pub orders: bool,
    pub notifications: bool,
    pub payments: bool,
}

/// An inbound tenant endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum TenantEndpoint {
    Orders,
    Notifications,
    Payments,
}

impl TenantEndpoint {
    pub const ALL: [TenantEndpoint; 3] = [Self::Orders, Self::Notifications, Self::Payments];

    pub fn path(self) -> &'static str {
        match self {
            Self::Orders => "/api/webhooks/orders",
            Self::Notifications => "/api/webhooks/notifications",
            Self::Payments => "/api/webhooks/payments",
        }
    }

    pub fn enabled_in(self, e: &WebhookEndpoints) -> bool {
        match self {
            Self::Orders => e.orders,
            Self::Notifications => e.notifications,
            Self::Payments => e.payments,
        }
    }
}

/// `GET /api/webhooks/settings`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct WebhookSettings {
    pub webhook_enabled: bool,
    pub webhook_endpoints: WebhookEndpoints,
    pub webhook_retry_attempts: i64,
    pub webhook_timeout_ms: i64,
    /// Whether a signing secret exists (the secret itself is shown once).
    pub has_secret: bool,
    /// Until when the previous secret is still accepted, after a rotation.
    pub previous_secret_valid_until: Option<DateTime<Utc>>,
}

/// `PATCH /api/webhooks/settings`: any subset of the fields.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct WebhookSettingsPatch {
    pub webhook_enabled: Option<bool>,
    pub webhook_endpoints: Option<WebhookEndpointsPatch>,
    pub webhook_retry_attempts: Option<i64>,
    pub webhook_timeout_ms: Option<i64>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct WebhookEndpointsPatch {
    pub orders: Option<bool>,
    pub notifications: Option<bool>,
    pub payments: Option<bool>,
}

/// A new signing secret: shown once.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct GeneratedSecret {
    pub secret: String,
    pub previous_secret_valid_until: Option<DateTime<Utc>>,
}

/// What a test delivery came to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TestDelivery {
    pub success: bool,
    pub status: u16,
    pub duration_ms: u64,
    pub message: String,
}

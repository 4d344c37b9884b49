//! Outbound webhooks: what tenants register and what the delivery log shows.

use super::TenantId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The events Tidings sends to tenants' endpoints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "TEXT"))]
pub enum OutboundEventType {
    #[serde(rename = "notification.created")]
    #[cfg_attr(feature = "ssr", sqlx(rename = "notification.created"))]
    NotificationCreated,
    #[serde(rename = "order.created")]
    #[cfg_attr(feature = "ssr", sqlx(rename = "order.created"))]
    OrderCreated,
    #[serde(rename = "payment.updated")]
    #[cfg_attr(feature = "ssr", sqlx(rename = "payment.updated"))]
    PaymentUpdated,
    #[serde(rename = "whatsapp.status")]
    #[cfg_attr(feature = "ssr", sqlx(rename = "whatsapp.status"))]
    WhatsappStatus,
    #[serde(rename = "connection.status")]
    #[cfg_attr(feature = "ssr", sqlx(rename = "connection.status"))]
    ConnectionStatus,
    /// A test event from the settings page; sent to the endpoint asked for.
    #[serde(rename = "webhook.test")]
    #[cfg_attr(feature = "ssr", sqlx(rename = "webhook.test"))]
    Test,
}

impl OutboundEventType {
    /// The types a tenant can subscribe to.
    pub const SUBSCRIBABLE: [OutboundEventType; 5] =
        [Self::NotificationCreated, Self::OrderCreated, Self::PaymentUpdated, Self::WhatsappStatus, Self::ConnectionStatus];

    pub fn name(self) -> &'static str {
        match self {
            Self::NotificationCreated => "notification.created",
            Self::OrderCreated => "order.created",
            Self::PaymentUpdated => "payment.updated",
            Self::WhatsappStatus => "whatsapp.status",
            Self::ConnectionStatus => "connection.status",
            Self::Test => "webhook.test",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "TEXT", rename_all = "lowercase"))]
pub enum OutboundStatus {
    /// Waiting for its next attempt.
    Pending,
    Succeeded,
    /// Gave up (schedule exhausted, or the endpoint is gone).
    Failed,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct EndpointView {
    pub id: i64,
    pub tenant_id: TenantId,
    pub url: String,
    pub description: String,
    /// Empty: every event type.
    pub event_types: Vec<OutboundEventType>,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A new endpoint or a rotated secret: the secret is shown once.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct EndpointWithSecret {
    pub endpoint: EndpointView,
    pub secret: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AttemptView {
    pub attempted_at: DateTime<Utc>,
    pub status_code: Option<i64>,
    pub duration_ms: i64,
    pub response: Option<String>,
    pub error: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct OutboundDeliveryView {
    pub id: i64,
    /// The `webhook-id` the receiver saw.
    pub message_id: String,
    pub event_type: OutboundEventType,
    pub status: OutboundStatus,
    pub attempts: i64,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub last_attempt: Option<AttemptView>,
}

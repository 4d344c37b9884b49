//! Rows of outbound endpoints and deliveries, as both backends read them.

use crate::store::*;
use app::protocol::{AttemptView, EndpointView, OutboundDeliveryView, OutboundEventType, OutboundStatus, TenantId};
use chrono::{DateTime, Utc};

pub(in crate::store) const ENDPOINT_COLUMNS: &str = "id, tenant_id, url, description, event_types, enabled, disabled_reason, created_at";

#[derive(sqlx::FromRow)]
pub(in crate::store) struct EndpointRow {
    pub(in crate::store) id: i64,
    pub(in crate::store) tenant_id: TenantId,
    pub(in crate::store) url: String,
    pub(in crate::store) description: String,
    pub(in crate::store) event_types: String,
    pub(in crate::store) enabled: bool,
    pub(in crate::store) disabled_reason: Option<String>,
    pub(in crate::store) created_at: DateTime<Utc>,
}

impl From<EndpointRow> for EndpointView {
    fn from(r: EndpointRow) -> Self {
        Self {
            id: r.id,
            tenant_id: r.tenant_id,
            url: r.url,
            description: r.description,
            event_types: serde_json::from_str(&r.event_types).unwrap_or_default(),
            enabled: r.enabled,
            disabled_reason: r.disabled_reason,
            created_at: r.created_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(in crate::store) struct DueRow {
    pub(in crate::store) id: i64,
    pub(in crate::store) attempts: i64,
    pub(in crate::store) tenant_id: TenantId,
    pub(in crate::store) endpoint_id: i64,
    pub(in crate::store) url: String,
    pub(in crate::store) secret: String,
    pub(in crate::store) enabled: bool,
    pub(in crate::store) failing_since: Option<DateTime<Utc>>,
    pub(in crate::store) message_id: i64,
    pub(in crate::store) event_type: OutboundEventType,
    pub(in crate::store) payload: String,
    pub(in crate::store) message_at: DateTime<Utc>,
}

impl From<DueRow> for DueDelivery {
    fn from(r: DueRow) -> Self {
        Self {
            id: r.id,
            attempts: r.attempts,
            tenant: r.tenant_id,
            endpoint_id: r.endpoint_id,
            url: r.url,
            secret: r.secret,
            endpoint_enabled: r.enabled,
            failing_since: r.failing_since,
            message_id: r.message_id,
            event_type: r.event_type,
            payload: r.payload,
            message_at: r.message_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(in crate::store) struct LogRow {
    pub(in crate::store) id: i64,
    pub(in crate::store) message_id: i64,
    pub(in crate::store) event_type: OutboundEventType,
    pub(in crate::store) status: OutboundStatus,
    pub(in crate::store) attempts: i64,
    pub(in crate::store) next_attempt_at: Option<DateTime<Utc>>,
    pub(in crate::store) created_at: DateTime<Utc>,
    pub(in crate::store) attempted_at: Option<DateTime<Utc>>,
    pub(in crate::store) status_code: Option<i64>,
    pub(in crate::store) duration_ms: Option<i64>,
    pub(in crate::store) response: Option<String>,
    pub(in crate::store) error: Option<String>,
}

pub(in crate::store) fn types_json(types: &[OutboundEventType]) -> String {
    serde_json::to_string(types).expect("types serialise")
}

impl From<LogRow> for OutboundDeliveryView {
    fn from(r: LogRow) -> Self {
        Self {
            id: r.id,
            message_id: format!("msg_{}", r.message_id),
            event_type: r.event_type,
            status: r.status,
            attempts: r.attempts,
            next_attempt_at: r.next_attempt_at,
            created_at: r.created_at,
            last_attempt: r.attempted_at.map(|attempted_at| AttemptView {
                attempted_at,
                status_code: r.status_code,
                duration_ms: r.duration_ms.unwrap_or(0),
                response: r.response,
                error: r.error,
            }),
        }
    }
}

//! Outbound webhooks: endpoints, queued events, deliveries and attempts.

use super::StoreResult;
use app::protocol::{EndpointView, OutboundDeliveryView, OutboundEventType, OutboundStatus, TenantId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::Value;

#[derive(Clone, Debug)]
pub struct NewEndpoint {
    pub tenant: TenantId,
    pub url: String,
    pub description: String,
    pub secret: String,
    pub event_types: Vec<OutboundEventType>,
}

#[derive(Clone, Debug, Default)]
pub struct EndpointChange {
    pub url: Option<String>,
    pub description: Option<String>,
    pub event_types: Option<Vec<OutboundEventType>>,
    pub enabled: Option<bool>,
}

/// A delivery due for an attempt, with what sending it needs.
#[derive(Clone, Debug)]
pub struct DueDelivery {
    pub id: i64,
    pub attempts: i64,
    pub tenant: TenantId,
    pub endpoint_id: i64,
    pub url: String,
    pub secret: String,
    pub endpoint_enabled: bool,
    pub failing_since: Option<DateTime<Utc>>,
    pub message_id: i64,
    pub event_type: OutboundEventType,
    pub payload: String,
    pub message_at: DateTime<Utc>,
}

/// One attempt's result, as logged.
#[derive(Clone, Debug)]
pub struct Attempt {
    pub at: DateTime<Utc>,
    pub status_code: Option<u16>,
    pub duration_ms: i64,
    pub response: Option<String>,
    pub error: Option<String>,
}

/// What follows an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    Succeeded,
    RetryAt(DateTime<Utc>),
    /// Give up on this delivery.
    Failed,
}

#[derive(Clone, Debug, Default)]
pub struct DeliveryLogFilter {
    pub event_type: Option<OutboundEventType>,
    pub status: Option<OutboundStatus>,
    pub limit: i64,
}

#[async_trait]
pub trait OutboundStore: Send + Sync {
    async fn create_endpoint(&self, e: &NewEndpoint, at: DateTime<Utc>) -> StoreResult<EndpointView>;
    async fn list_endpoints(&self, tenant: TenantId) -> StoreResult<Vec<EndpointView>>;
    async fn endpoint(&self, tenant: TenantId, id: i64) -> StoreResult<Option<EndpointView>>;
    /// Enabling an endpoint also clears why and since when it was failing.
    async fn update_endpoint(&self, tenant: TenantId, id: i64, change: &EndpointChange) -> StoreResult<Option<EndpointView>>;
    async fn rotate_endpoint_secret(&self, tenant: TenantId, id: i64, secret: &str) -> StoreResult<bool>;
    async fn delete_endpoint(&self, tenant: TenantId, id: i64) -> StoreResult<bool>;

    /// Stores an event and queues a delivery to every enabled endpoint of the
    /// tenant that wants its type (or only to `only`); returns the deliveries.
    async fn enqueue(
        &self,
        tenant: TenantId,
        event_type: OutboundEventType,
        payload: &Value,
        only: Option<i64>,
        at: DateTime<Utc>,
    ) -> StoreResult<Vec<i64>>;
    /// Deliveries due at `now`, oldest first, for `owner` (this run of this
    /// node) to send. A backend shared by several nodes leases them to
    /// `owner`: none is due to another node until `record_attempt` sets its
    /// next time or the lease runs out, and a later run of the same node
    /// takes back its earlier run's at once.
    async fn due_outbound(&self, now: DateTime<Utc>, limit: i64, owner: &str) -> StoreResult<Vec<DueDelivery>>;
    /// Logs an attempt and applies what follows, in one transaction.
    async fn record_attempt(&self, delivery: i64, attempt: &Attempt, next: Next) -> StoreResult<()>;
    /// Records since when an endpoint has been failing (`None`: it works);
    /// with a reason, disables it. `true` if this call disabled it.
    async fn set_endpoint_health(
        &self,
        endpoint: i64,
        failing_since: Option<DateTime<Utc>>,
        disabled_reason: Option<&str>,
    ) -> StoreResult<bool>;
    async fn list_outbound_deliveries(
        &self,
        tenant: TenantId,
        endpoint: i64,
        filter: &DeliveryLogFilter,
    ) -> StoreResult<Vec<OutboundDeliveryView>>;
    /// Queues a delivery of the tenant's for an attempt right away.
    async fn resend(&self, tenant: TenantId, delivery: i64, now: DateTime<Utc>) -> StoreResult<bool>;
    /// Sends again every delivery to `tenant`'s `endpoint` that failed and
    /// was made since `since`; returns how many.
    async fn recover(&self, tenant: TenantId, endpoint: i64, since: DateTime<Utc>, now: DateTime<Utc>) -> StoreResult<u64>;
}

//! Webhook deliveries: every one stored before it is acknowledged.

use super::{Lease, StoreResult, WriteStats};
use crate::events::{NewDelivery, Provider, StoredDelivery};
use app::protocol::DeliveryStatus;
pub use app::protocol::{DeliverySummary, MinuteCounts};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recorded {
    New(i64),
    /// The same delivery was stored before: nothing to do.
    Duplicate(i64),
}

/// Which deliveries to list, newest first.
#[derive(Clone, Debug, Default)]
pub struct DeliveryFilter {
    /// A topic, or a topic family such as `credentials`.
    pub topic: Option<String>,
    pub status: Option<DeliveryStatus>,
    pub limit: i64,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TopicCount {
    pub topic: String,
    pub count: i64,
}

/// `GET /api/admin/webhook-stats` (the seed's fields, plus what we count).
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryStats {
    pub total: i64,
    pub processed: i64,
    pub pending: i64,
    pub unmatched: i64,
    pub last24h: i64,
    pub by_topic: Vec<TopicCount>,
    /// Sessions linked by the legacy multi-use guess.
    pub legacy_guesses: i64,
    /// Deliveries reconciliation read back from the platform because their
    /// webhooks never came.
    pub reconciled: i64,
}

#[async_trait]
pub trait DeliveryStore: Send + Sync {
    /// The writers' transactions so far, for `/metrics`.
    fn write_stats(&self) -> WriteStats;
    /// Stores deliveries in one transaction (all are durable before any is
    /// acknowledged), each new one leased to `lease`: the request hands it
    /// to this node's worker, and no scan takes it meanwhile. A repeat is
    /// [`Recorded::Duplicate`].
    async fn record_deliveries(&self, deliveries: &[NewDelivery], lease: &Lease) -> StoreResult<Vec<Recorded>>;
    /// Leases up to `limit` pending deliveries of each of `providers` that
    /// are due and not leased (or whose lease ran out), oldest first.
    async fn claim_due(&self, providers: &[Provider], now: DateTime<Utc>, lease: &Lease, limit: i64) -> StoreResult<Vec<StoredDelivery>>;
    /// Leases those of `ids` that are pending and free.
    async fn claim(&self, ids: &[i64], lease: &Lease) -> StoreResult<Vec<StoredDelivery>>;
    /// Records a failed attempt by `owner`: the delivery is free again at
    /// `retry_at`.
    async fn delay_delivery(&self, id: i64, owner: &str, error: &str, retry_at: DateTime<Utc>) -> StoreResult<()>;
    async fn delivery_stats(&self, now: DateTime<Utc>) -> StoreResult<DeliveryStats>;
    /// Deliveries waiting to be applied (cheap: read from the index of
    /// pending ones), for the readiness check.
    async fn pending_count(&self) -> StoreResult<i64>;
    async fn list_deliveries(&self, filter: &DeliveryFilter) -> StoreResult<Vec<DeliverySummary>>;
    /// Per minute since `since`, by when they arrived: deliveries received,
    /// applied, and failed at least once. Minutes with none are left out.
    async fn delivery_timeline(&self, since: DateTime<Utc>) -> StoreResult<Vec<MinuteCounts>>;
    /// One delivery and its body (empty once retention purged it).
    async fn delivery(&self, id: i64) -> StoreResult<Option<(DeliverySummary, Vec<u8>)>>;
    /// Makes those of `ids` that were applied (or kept unmatched) and whose
    /// bodies are kept pending again, free to be claimed and applied anew;
    /// returns them with their providers.
    async fn replay_deliveries(&self, ids: &[i64]) -> StoreResult<Vec<(i64, Provider)>>;
}

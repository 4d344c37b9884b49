//! Webhook deliveries: every one stored before it is acknowledged.

use super::StoreResult;
use app::protocol::{DeliveryStatus, SessionId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// How long a new delivery is left to the request that stored it before the
/// retry scan may take it.
pub const FRESH_GRACE: chrono::TimeDelta = chrono::TimeDelta::seconds(1);

/// A webhook delivery, stored before it is acknowledged.
#[derive(Clone, Debug)]
pub struct NewDelivery {
    pub provider: &'static str,
    /// The provider's delivery id, or a hash of the body when it has none.
    pub delivery_key: String,
    pub topic: String,
    pub body: Vec<u8>,
    pub received_at: DateTime<Utc>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recorded {
    New(i64),
    /// The same delivery was stored before: nothing to do.
    Duplicate(i64),
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct StoredDelivery {
    pub id: i64,
    pub provider: String,
    pub topic: String,
    pub body: Vec<u8>,
    pub status: DeliveryStatus,
    pub attempts: i64,
}

/// One row of the delivery log operators read.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct DeliverySummary {
    pub id: i64,
    pub provider: String,
    pub topic: String,
    pub status: DeliveryStatus,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub session_id: Option<SessionId>,
    pub received_at: DateTime<Utc>,
    pub processed_at: Option<DateTime<Utc>>,
}

/// Which deliveries to list, newest first.
#[derive(Clone, Debug, Default)]
pub struct DeliveryFilter {
    /// A topic, or a topic family such as `credentials`.
    pub topic: Option<String>,
    pub status: Option<DeliveryStatus>,
    pub limit: i64,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct TopicCount {
    pub topic: String,
    pub count: i64,
}

/// `GET /api/admin/webhook-stats` (the seed's fields, plus what we count).
#[derive(Clone, Debug, Serialize)]
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
}

/// A delivery applied, and what it came to.
#[derive(Clone, Debug)]
pub struct Finished {
    pub id: i64,
    pub status: DeliveryStatus,
    pub session: Option<SessionId>,
}

#[async_trait]
pub trait DeliveryStore: Send + Sync {
    /// Stores a delivery once; a repeat returns [`Recorded::Duplicate`].
    async fn record_delivery(&self, delivery: &NewDelivery) -> StoreResult<Recorded>;
    /// Stores several deliveries of one request in one transaction: all are
    /// durable before any is acknowledged.
    async fn record_deliveries(&self, deliveries: &[NewDelivery]) -> StoreResult<Vec<Recorded>>;
    /// Makes unmatched deliveries whose key starts with `key_prefix` pending
    /// again (their subject has just become known) and returns their ids.
    async fn requeue_unmatched(&self, provider: &str, key_prefix: &str) -> StoreResult<Vec<i64>>;
    /// Those of `ids` that are still pending, in id order: the worker's batch
    /// in one query rather than one per delivery.
    async fn pending_deliveries(&self, ids: &[i64]) -> StoreResult<Vec<StoredDelivery>>;
    /// Pending deliveries due for an attempt, oldest first. A delivery never
    /// tried and younger than [`FRESH_GRACE`] is not due: it is still in the
    /// hands of the request that stored it (or of that request's wake-up),
    /// and the scan is for wake-ups lost, not for work under way.
    async fn due_deliveries(&self, now: DateTime<Utc>, limit: i64) -> StoreResult<Vec<i64>>;
    async fn finish_delivery(
        &self,
        id: i64,
        status: DeliveryStatus,
        session: Option<&SessionId>,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Finishes several deliveries in one transaction.
    async fn finish_deliveries(&self, finished: &[Finished], at: DateTime<Utc>) -> StoreResult<()>;
    /// Records a failed attempt; the delivery stays pending until `retry_at`.
    async fn delay_delivery(&self, id: i64, error: &str, retry_at: DateTime<Utc>) -> StoreResult<()>;
    async fn delivery_stats(&self, now: DateTime<Utc>) -> StoreResult<DeliveryStats>;
    async fn list_deliveries(&self, filter: &DeliveryFilter) -> StoreResult<Vec<DeliverySummary>>;
}

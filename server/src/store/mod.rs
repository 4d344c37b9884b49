//! Durable storage behind one trait, so the embedded SQLite file and a
//! PostgreSQL cluster run the same code. The backend is chosen once, from
//! `DATABASE_URL`, in [`connect`].

mod sqlite;

pub use sqlite::SqliteStore;

use app::protocol::{ConnectionId, ConnectionStatus, DeliveryStatus, OutOfBandId, RequestType, SessionId, SessionView};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::sync::Arc;

pub type StoreResult<T> = Result<T, sqlx::Error>;

/// How a webhook found its session: kept on the session, so every guess the
/// legacy mode makes is counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "TEXT", rename_all = "snake_case")]
pub enum MatchRule {
    /// The session's own single-use invitation id: exact.
    Invitation,
    /// The seeds' "most recent waiting session" rule: a guess.
    LegacyGuess,
}

/// A session about to be stored.
#[derive(Clone, Debug)]
pub struct NewSession {
    pub session_id: SessionId,
    pub request_type: RequestType,
    pub invitation_url: String,
    pub out_of_band_id: OutOfBandId,
    pub invitation_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A session with the fields matching needs beyond what clients see.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SessionRecord {
    #[sqlx(flatten)]
    pub view: SessionView,
    pub invitation_id: Option<String>,
}

/// A compare-and-set status change: applied only if the session is still at
/// `from`, so concurrent writers (or nodes) cannot move a session backwards.
#[derive(Clone, Debug)]
pub struct StatusChange {
    pub session_id: SessionId,
    pub from: ConnectionStatus,
    pub to: ConnectionStatus,
    pub connection_id: Option<ConnectionId>,
    pub their_label: Option<String>,
    pub their_did: Option<String>,
    pub matched_by: Option<MatchRule>,
    pub at: DateTime<Utc>,
}

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

#[async_trait]
pub trait Store: Send + Sync + 'static {
    async fn insert_session(&self, session: &NewSession) -> StoreResult<()>;
    async fn session(&self, id: &SessionId) -> StoreResult<Option<SessionView>>;
    async fn session_by_connection(&self, id: &ConnectionId) -> StoreResult<Option<SessionRecord>>;
    /// Sessions whose invitation has one of these ids (out-of-band record id
    /// or invitation message id), newest first.
    async fn sessions_by_invitation(&self, ids: &[String]) -> StoreResult<Vec<SessionRecord>>;
    /// The newest session still waiting for a scan and not yet linked.
    async fn newest_waiting_session(&self) -> StoreResult<Option<SessionRecord>>;
    /// Applies `change` if the session is still at `change.from`; `false`
    /// when another writer got there first.
    async fn apply_status(&self, change: &StatusChange) -> StoreResult<bool>;
    /// Moves unscanned sessions past their expiry to `abandoned` and returns
    /// them.
    async fn abandon_expired(&self, now: DateTime<Utc>) -> StoreResult<Vec<SessionView>>;

    /// Stores a delivery once; a repeat returns [`Recorded::Duplicate`].
    async fn record_delivery(&self, delivery: &NewDelivery) -> StoreResult<Recorded>;
    async fn delivery(&self, id: i64) -> StoreResult<Option<StoredDelivery>>;
    /// Pending deliveries due for an attempt, oldest first.
    async fn due_deliveries(&self, now: DateTime<Utc>, limit: i64) -> StoreResult<Vec<i64>>;
    async fn finish_delivery(
        &self,
        id: i64,
        status: DeliveryStatus,
        session: Option<&SessionId>,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Records a failed attempt; the delivery stays pending until `retry_at`.
    async fn delay_delivery(&self, id: i64, error: &str, retry_at: DateTime<Utc>) -> StoreResult<()>;
    async fn delivery_stats(&self, now: DateTime<Utc>) -> StoreResult<DeliveryStats>;
    async fn list_deliveries(&self, filter: &DeliveryFilter) -> StoreResult<Vec<DeliverySummary>>;
}

/// Opens the store named by `database_url` and brings its schema up to date.
pub async fn connect(database_url: &str) -> anyhow::Result<Arc<dyn Store>> {
    if database_url.starts_with("sqlite:") {
        return Ok(Arc::new(SqliteStore::connect(database_url).await?));
    }
    anyhow::bail!("unsupported DATABASE_URL scheme (expected sqlite:…)")
}

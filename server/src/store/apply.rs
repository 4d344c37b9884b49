//! Applying a delivery as one unit of work: the state it moves, the changes
//! pages are told of (written to an outbox, published after the commit),
//! the outbound deliveries and notifications it causes, and the delivery's
//! own mark all commit together, or none of it does. A crash anywhere
//! leaves either everything or nothing, and the delivery pending; applying
//! it again then finds the state already moved and causes nothing twice.
//!
//! A unit is a closure over [`ApplyTx`], run by the store inside its
//! transaction (on SQLite, on the writer thread, many units per commit,
//! each in a savepoint of its own). The worker writes the domain rules once,
//! against this trait; each backend implements the trait.

use super::{
    MessageChange, NewIncoming, NewNotification, NewOrder, NewOutgoing, NewPayment, NewSession, SessionRecord, StatusChange, StoreResult,
    Upserted,
};
use crate::events::tenant::Produced;
use crate::events::{Change, Provider, UnreadCounts};
use app::protocol::{
    CollegeId, ConnectionId, DeliveryStatus, IncomingMessage, Notification, OrderView, OutboundEventType, OutgoingMessage, Room, SessionId,
    SessionView, TenantId,
};
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::any::Any;
use std::sync::Arc;

/// This node's hold on the deliveries it applies: no other node (and no
/// scan of this one) takes a leased delivery until the lease runs out.
/// The owner is `<node>/<run>`: a node that restarts after a crash takes
/// back its earlier run's leases at once rather than waiting them out.
#[derive(Clone, Debug)]
pub struct Lease {
    pub owner: Arc<str>,
    pub until: DateTime<Utc>,
}

impl Lease {
    /// The node part of the owner, with its `/`.
    pub fn node(&self) -> Option<&str> {
        self.owner.find('/').map(|at| &self.owner[..=at])
    }
}

/// What applying a delivery came to.
#[derive(Clone, Debug, Default)]
pub struct Applied {
    pub status: Outcome,
    pub session: Option<SessionId>,
    pub produced: Produced,
}

impl Applied {
    /// Kept for later: nothing it names exists yet.
    pub fn unmatched() -> Self {
        Self { status: Outcome::Unmatched, ..Self::default() }
    }
}

/// A delivery's outcome.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Outcome {
    #[default]
    Processed,
    /// Kept: nothing it names exists yet (or may have it).
    Unmatched,
}

impl From<Outcome> for DeliveryStatus {
    fn from(outcome: Outcome) -> Self {
        match outcome {
            Outcome::Processed => DeliveryStatus::Processed,
            Outcome::Unmatched => DeliveryStatus::Unmatched,
        }
    }
}

/// A unit of work, run inside the store's transaction.
pub type Work<T> = Box<dyn FnOnce(&mut dyn ApplyTx) -> anyhow::Result<T> + Send>;

/// A delivery's unit of work. A store may run it more than once (after
/// rolling back the first run), so it is `Fn`.
pub type DeliveryWork = Box<dyn Fn(&mut dyn ApplyTx) -> anyhow::Result<Applied> + Send>;

/// One delivery to apply: `work` decides and writes (`None`: nothing to
/// apply, it is only kept); the store then marks the delivery, if this node
/// still holds its lease.
pub struct Unit {
    pub delivery: i64,
    pub work: Option<DeliveryWork>,
}

/// What became of a unit.
#[derive(Debug)]
pub enum Done {
    /// Committed: its outbox entries are to be published.
    Applied { applied: Applied, outbox: Vec<OutboxEntry> },
    /// Its lease was lost to another node (or the delivery was already
    /// applied): nothing was written.
    Lost,
    /// The work failed: nothing was written; retry later.
    Failed(String),
}

/// A change for pages, stored with its commit and published after it.
#[derive(Clone, Debug, PartialEq)]
pub struct OutboxEntry {
    pub id: i64,
    pub change: Change,
}

/// Everything a unit of work may read and write. Reads see the
/// transaction's own writes.
pub trait ApplyTx {
    fn now(&self) -> DateTime<Utc>;

    // Connect sessions.
    fn insert_session(&mut self, session: &NewSession) -> StoreResult<()>;
    fn session(&mut self, id: &SessionId) -> StoreResult<Option<SessionView>>;
    fn session_by_connection(&mut self, id: &ConnectionId) -> StoreResult<Option<SessionRecord>>;
    /// Sessions whose invitation has one of `ids`, newest first.
    fn sessions_by_invitation(&mut self, ids: &[String]) -> StoreResult<Vec<SessionRecord>>;
    fn newest_waiting_session(&mut self) -> StoreResult<Option<SessionRecord>>;
    /// Applies `change` if the session is still at `change.from`.
    fn apply_status(&mut self, change: &StatusChange) -> StoreResult<bool>;
    /// Moves unscanned sessions past their expiry to `abandoned`.
    fn abandon_expired(&mut self, now: DateTime<Utc>) -> StoreResult<Vec<SessionView>>;

    // WhatsApp.
    /// Registers an outgoing message; a known `wamid` returns the stored one
    /// (perhaps another tenant's) and `false`.
    fn insert_outgoing(&mut self, message: &NewOutgoing) -> StoreResult<(OutgoingMessage, bool)>;
    fn outgoing_by_wamid(&mut self, wamid: &str) -> StoreResult<Option<OutgoingMessage>>;
    /// Applies `change` if the message is still at `change.from`.
    fn apply_message_change(&mut self, change: &MessageChange) -> StoreResult<bool>;
    fn number_owners(&mut self, phone_number_id: &str) -> StoreResult<Vec<TenantId>>;
    /// Of `candidates`, the one whose message to `contact` from
    /// `phone_number_id` Meta confirmed last.
    fn last_confirmed_college(&mut self, contact: &str, phone_number_id: &str, candidates: &[TenantId]) -> StoreResult<Option<CollegeId>>;
    /// Stores a reply; `None` if this `wamid` was stored before.
    fn insert_incoming(&mut self, message: &NewIncoming) -> StoreResult<Option<IncomingMessage>>;

    // A tenant's data.
    /// Creates the order, or moves a known one forward.
    fn upsert_order(&mut self, order: &NewOrder) -> StoreResult<Upserted<OrderView>>;
    /// Records a payment and moves its order's payment status forward.
    fn record_payment(&mut self, payment: &NewPayment) -> StoreResult<Upserted<Option<OrderView>>>;
    fn upsert_entity(&mut self, tenant: TenantId, room: Room, id: &str, data: &Value) -> StoreResult<()>;
    /// Stores a notification; `None` if one with its `source` exists.
    fn insert_notification(&mut self, notification: &NewNotification) -> StoreResult<Option<Notification>>;
    /// Sets read or dismissed as `reader` sees it (for them alone on a
    /// tenant-wide one); `None` if they cannot see it.
    fn set_notification_state(
        &mut self,
        tenant: TenantId,
        id: i64,
        reader: Option<i64>,
        read: Option<bool>,
        dismissed: Option<bool>,
    ) -> StoreResult<Option<Notification>>;
    /// Marks everything `reader` sees as read; returns how many were unread.
    fn mark_all_read(&mut self, tenant: TenantId, reader: Option<i64>) -> StoreResult<i64>;
    /// The tenant's own unread count and every member's.
    fn unread_counts(&mut self, tenant: TenantId) -> StoreResult<UnreadCounts>;
    fn is_member(&mut self, tenant: TenantId, user: i64) -> StoreResult<bool>;

    // What a change causes.
    /// Queues an outbound event for the tenant's endpoints that want it,
    /// once per `source` (a repeat queues nothing).
    fn enqueue(&mut self, tenant: TenantId, event_type: OutboundEventType, payload: &Value, source: &str) -> StoreResult<()>;
    /// Writes `change` to the outbox, to be published after the commit.
    fn publish(&mut self, change: Change) -> StoreResult<()>;
    /// Makes unmatched deliveries of `provider` claimed by `claim` pending
    /// again; returns them.
    fn requeue_unmatched(&mut self, provider: Provider, claim: &str) -> StoreResult<Vec<i64>>;
}

/// Applies units of work and keeps the outbox.
#[async_trait::async_trait]
pub trait ApplyStore: Send + Sync {
    /// Runs each unit in a transaction of its own (they may share a
    /// commit), as `lease.owner`.
    async fn apply(&self, owner: Arc<str>, units: Vec<Unit>) -> StoreResult<Vec<Done>>;
    /// Runs one unit that applies no delivery (an API call's change and
    /// what it causes); see [`run`].
    async fn run_boxed(&self, work: Work<Box<dyn Any + Send>>) -> anyhow::Result<(Box<dyn Any + Send>, Vec<OutboxEntry>)>;
    /// Takes up to `limit` outbox entries committed before `before` and
    /// still unpublished (their node died before publishing them), oldest
    /// first, marking them published: each is taken by one caller.
    async fn take_unpublished(&self, before: DateTime<Utc>, limit: i64) -> StoreResult<Vec<OutboxEntry>>;
    async fn mark_published(&self, ids: &[i64]) -> StoreResult<()>;
}

/// Outbox rows as entries, oldest first.
pub(super) fn outbox_entries(rows: Vec<(i64, String)>) -> StoreResult<Vec<OutboxEntry>> {
    let mut entries = rows
        .into_iter()
        .map(|(id, text)| Ok(OutboxEntry { id, change: serde_json::from_str(&text).map_err(super::StoreError::database)? }))
        .collect::<StoreResult<Vec<_>>>()?;
    entries.sort_by_key(|e| e.id);
    Ok(entries)
}

/// Runs `work` in one transaction of the store's: an API call's change and
/// everything it causes commit together. Returns what `work` returned and
/// the outbox entries to publish.
pub async fn run<T, F>(store: &dyn ApplyStore, work: F) -> anyhow::Result<(T, Vec<OutboxEntry>)>
where
    T: Send + 'static,
    F: FnOnce(&mut dyn ApplyTx) -> anyhow::Result<T> + Send + 'static,
{
    let boxed: Work<Box<dyn Any + Send>> = Box::new(move |tx| work(tx).map(|t| Box::new(t) as Box<dyn Any + Send>));
    let (result, outbox) = store.run_boxed(boxed).await?;
    let result = result.downcast::<T>().map_err(|_| anyhow::anyhow!("a unit of work returned another type"))?;
    Ok((*result, outbox))
}

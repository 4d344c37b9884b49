//! The bus carries state changes from the processor to every node's hub.
//! In-process by default; a Redis backend fans out across nodes behind the
//! same trait. Every backend ends in a local broadcast channel, which is what
//! the hub reads.

mod memory;

pub use memory::MemoryBus;

use crate::hub::Revocation;
use crate::store::UnreadCounts;
use app::protocol::{
    CollegeId, ConnectionId, ConnectionStatus, IncomingMessage, Notification, OutgoingMessage, Room, SessionId, TenantId,
};
use serde_json::Value;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

/// A change some page may be showing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    SessionStatus {
        session_id: SessionId,
        status: ConnectionStatus,
        connection_id: Option<ConnectionId>,
        their_label: Option<String>,
        at: DateTime<Utc>,
    },
    /// A new outgoing WhatsApp message, or a step of one.
    MessageStatus { college_id: CollegeId, message: OutgoingMessage, at: DateTime<Utc> },
    /// A customer's reply.
    IncomingMessage { college_id: CollegeId, message: IncomingMessage },
    /// A notification changed; `user` is whose it is (`None`: the whole
    /// tenant's), with the unread counts after the change.
    Notification { tenant: TenantId, user: Option<i64>, change: NotificationChange, counts: UnreadCounts },
    /// The tenant's dashboard figures changed.
    DashboardRefresh { tenant: TenantId, reason: String },
    /// A helpdesk entity changed (`event` is `ticket.update`, …).
    Entity { tenant: TenantId, room: Room, event: String, data: Value },
    /// A credential was withdrawn: every node closes the sockets it opened.
    Revoked { revocation: Revocation },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum NotificationChange {
    Created { notification: Notification },
    Updated { notification: Notification },
    MarkedAllRead { user: Option<i64> },
}

#[async_trait]
pub trait Bus: Send + Sync + 'static {
    /// Sends `event` to every node's hub, this one included.
    async fn publish(&self, event: Event) -> anyhow::Result<()>;
    /// A receiver of every event published after this call.
    fn subscribe(&self) -> broadcast::Receiver<Event>;
}

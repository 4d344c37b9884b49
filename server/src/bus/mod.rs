//! The bus carries state changes from the processor to every node's hub.
//! In-process by default; a Redis backend fans out across nodes behind the
//! same trait. Every backend ends in a local broadcast channel, which is what
//! the hub reads.

mod memory;

pub use memory::MemoryBus;

use app::protocol::{CollegeId, ConnectionId, ConnectionStatus, IncomingMessage, OutgoingMessage, SessionId};
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
}

#[async_trait]
pub trait Bus: Send + Sync + 'static {
    /// Sends `event` to every node's hub, this one included.
    async fn publish(&self, event: Event) -> anyhow::Result<()>;
    /// A receiver of every event published after this call.
    fn subscribe(&self) -> broadcast::Receiver<Event>;
}

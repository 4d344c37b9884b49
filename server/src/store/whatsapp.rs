//! WhatsApp messages: outgoing ones with their delivery status, and replies.

use super::StoreResult;
use app::protocol::{CollegeId, IncomingMessage, MessageStatus, OutgoingMessage, SendError};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// An outgoing message to register (sent by us or elsewhere).
#[derive(Clone, Debug)]
pub struct NewOutgoing {
    pub college_id: CollegeId,
    pub to: String,
    pub template: Option<String>,
    pub wamid: String,
    pub created_at: DateTime<Utc>,
}

/// A compare-and-set status step of one message, with the report's own time.
#[derive(Clone, Debug)]
pub struct MessageChange {
    pub wamid: String,
    pub from: MessageStatus,
    pub to: MessageStatus,
    /// Which status the report was (its timestamp column is filled even when
    /// the status itself does not move, e.g. a late `delivered` after `read`).
    pub reported: MessageStatus,
    pub at: DateTime<Utc>,
    pub error: Option<SendError>,
}

#[derive(Clone, Debug)]
pub struct NewIncoming {
    pub college_id: CollegeId,
    pub from: String,
    pub profile_name: Option<String>,
    pub wamid: String,
    pub kind: String,
    pub text: Option<String>,
    pub received_at: DateTime<Utc>,
}

#[async_trait]
pub trait WhatsAppStore: Send + Sync {
    /// Registers an outgoing message; a known `wamid` returns the stored one
    /// and `false`.
    async fn insert_outgoing(&self, message: &NewOutgoing) -> StoreResult<(OutgoingMessage, bool)>;
    async fn outgoing_by_wamid(&self, wamid: &str) -> StoreResult<Option<OutgoingMessage>>;
    /// A college's newest outgoing messages, newest first.
    async fn list_outgoing(&self, college: &CollegeId, limit: i64) -> StoreResult<Vec<OutgoingMessage>>;
    /// Applies `change` if the message is still at `change.from`.
    async fn apply_message_change(&self, change: &MessageChange) -> StoreResult<bool>;
    /// The college that last wrote to `number`: replies belong to it.
    async fn college_for_contact(&self, number: &str) -> StoreResult<Option<CollegeId>>;
    /// Stores a reply; `None` if this `wamid` was stored before.
    async fn insert_incoming(&self, message: &NewIncoming) -> StoreResult<Option<IncomingMessage>>;
    /// A college's newest replies, newest first.
    async fn list_incoming(&self, college: &CollegeId, limit: i64) -> StoreResult<Vec<IncomingMessage>>;
}

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
    /// The business number it went out from, when known.
    pub phone_number_id: Option<String>,
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
    /// The number Meta reported it on; kept if the message had none.
    pub phone_number_id: Option<String>,
    /// When this report was applied: the message counts as confirmed by
    /// Meta from then on.
    pub confirmed_at: DateTime<Utc>,
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
    async fn outgoing_by_wamid(&self, wamid: &str) -> StoreResult<Option<OutgoingMessage>>;
    /// A college's newest outgoing messages, newest first.
    async fn list_outgoing(&self, college: &CollegeId, limit: i64) -> StoreResult<Vec<OutgoingMessage>>;
    /// A college's newest replies, newest first.
    async fn list_incoming(&self, college: &CollegeId, limit: i64) -> StoreResult<Vec<IncomingMessage>>;
}

//! The WhatsApp delivery vocabulary: message statuses with their ticks, the
//! ids, the views pages show, and the `/ws/whatsapp` messages (seed 003's
//! protocol: `register`, `registered`, `message_status_update`, `ping`).

use super::{Resume, StreamStart};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

/// A college (tenant) id. Seed clients send it as a number or a string, so
/// both are accepted; it is kept as text.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(transparent)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(feature = "ssr", sqlx(transparent))]
pub struct CollegeId(String);

impl CollegeId {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CollegeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for CollegeId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum NumberOrText {
            Number(i64),
            Text(String),
        }
        Ok(match NumberOrText::deserialize(d)? {
            NumberOrText::Number(n) => Self(n.to_string()),
            NumberOrText::Text(s) => Self(s),
        })
    }
}

/// Where an outgoing message stands. Ticks: clock, ✓, grey ✓✓, blue ✓✓, red ✗.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "TEXT", rename_all = "lowercase"))]
pub enum MessageStatus {
    /// Accepted by us, no word from WhatsApp yet (the clock).
    Pending,
    Sent,
    Delivered,
    Read,
    Failed,
}

impl MessageStatus {
    pub const ALL: [MessageStatus; 5] = [Self::Pending, Self::Sent, Self::Delivered, Self::Read, Self::Failed];

    fn rank(self) -> u8 {
        match self {
            Self::Pending => 0,
            Self::Sent => 1,
            Self::Delivered => 2,
            Self::Read => 3,
            Self::Failed => 4,
        }
    }

    /// The status after `incoming`, or `None` if it must not change anything.
    /// Statuses only move forward (sent < delivered < read), so a late or
    /// repeated `delivered` never overwrites `read`; `failed` is final, and
    /// cannot undo a message the recipient has read.
    pub fn advance(self, incoming: MessageStatus) -> Option<MessageStatus> {
        match (self, incoming) {
            (Self::Failed, _) | (_, Self::Pending) => None,
            (Self::Read, Self::Failed) => None,
            (_, Self::Failed) => Some(Self::Failed),
            (current, next) => (next.rank() > current.rank()).then_some(next),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Delivered => "delivered",
            Self::Read => "read",
            Self::Failed => "failed",
        }
    }

    /// Meta's status names (`sent`, `delivered`, `read`, `failed`).
    pub fn from_cloud_api(name: &str) -> Option<MessageStatus> {
        Some(match name {
            "sent" => Self::Sent,
            "delivered" => Self::Delivered,
            "read" => Self::Read,
            "failed" => Self::Failed,
            _ => return None,
        })
    }

    /// The tick a person sees, and words for screen readers.
    pub fn tick(self) -> (&'static str, &'static str) {
        match self {
            Self::Pending => ("🕓", "Sending"),
            Self::Sent => ("✓", "Sent"),
            Self::Delivered => ("✓✓", "Delivered"),
            Self::Read => ("✓✓", "Read"),
            Self::Failed => ("✗", "Failed"),
        }
    }
}

impl fmt::Display for MessageStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why WhatsApp could not deliver a message (Cloud API `errors[]`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SendError {
    pub code: i64,
    pub title: String,
    pub message: Option<String>,
    pub details: Option<String>,
}

/// An outgoing message as pages show it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct OutgoingMessage {
    pub message_id: i64,
    pub college_id: CollegeId,
    pub to: String,
    pub template: Option<String>,
    pub whatsapp_message_id: String,
    pub status: MessageStatus,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub read_at: Option<DateTime<Utc>>,
    pub failed_at: Option<DateTime<Utc>>,
    pub error: Option<SendError>,
    /// The business number it went out from, once known.
    #[serde(default)]
    pub phone_number_id: Option<String>,
}

impl OutgoingMessage {
    /// Merges a newer report of the same message: the status moves forward
    /// only, and timestamps already known are kept.
    pub fn merge(&mut self, newer: &OutgoingMessage) {
        if let Some(next) = self.status.advance(newer.status) {
            self.status = next;
        }
        self.sent_at = self.sent_at.or(newer.sent_at);
        self.delivered_at = self.delivered_at.or(newer.delivered_at);
        self.read_at = self.read_at.or(newer.read_at);
        self.failed_at = self.failed_at.or(newer.failed_at);
        if self.error.is_none() {
            self.error = newer.error.clone();
        }
    }
}

/// A message a customer sent to the college.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct IncomingMessage {
    pub message_id: i64,
    pub college_id: CollegeId,
    pub from: String,
    pub profile_name: Option<String>,
    pub whatsapp_message_id: String,
    pub kind: String,
    pub text: Option<String>,
    pub received_at: DateTime<Utc>,
}

/// `/ws/whatsapp` client → server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum WaClientMessage {
    /// Subscribe to a college's updates. `token` is the channel token of a
    /// signed-in page or trusted back end.
    #[serde(rename_all = "camelCase")]
    Register {
        college_id: CollegeId,
        #[serde(default)]
        token: Option<String>,
        /// Where a reconnecting page left off.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resume: Option<Resume>,
    },
    Ping,
}

/// `/ws/whatsapp` server → client.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum WaServerMessage {
    #[serde(rename_all = "camelCase")]
    Registered {
        college_id: CollegeId,
        message: String,
        timestamp: DateTime<Utc>,
        #[serde(flatten)]
        start: StreamStart,
    },
    /// A new outgoing message, or a change of one (seed field names at the
    /// top level, the full record in `message`).
    #[serde(rename_all = "camelCase")]
    MessageStatusUpdate {
        message_id: i64,
        whatsapp_message_id: String,
        status: MessageStatus,
        timestamp: DateTime<Utc>,
        message: OutgoingMessage,
    },
    #[serde(rename_all = "camelCase")]
    IncomingMessage {
        message: IncomingMessage,
    },
    Pong {
        timestamp: DateTime<Utc>,
    },
    /// A refused subscription or an unreadable message; the socket stays open.
    Error {
        message: String,
    },
}

#[cfg(test)]
#[path = "whatsapp_tests.rs"]
mod tests;

/// One of a tenant's WhatsApp business numbers. The access token is never
/// shown again once saved.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct WhatsAppNumber {
    pub id: i64,
    /// Meta's id of the number: inbound webhooks are routed by it.
    pub phone_number_id: String,
    pub display_number: String,
    pub has_access_token: bool,
    /// Configured by the environment (`WHATSAPP_PHONE_NUMBER_ID`), not here.
    pub from_environment: bool,
    pub created_at: DateTime<Utc>,
}

/// `POST /api/whatsapp/numbers`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct NewWhatsAppNumber {
    pub phone_number_id: String,
    pub display_number: String,
    #[serde(default)]
    pub access_token: Option<String>,
}

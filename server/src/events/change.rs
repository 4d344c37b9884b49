//! The changes pages are told of, as the worker and the API produce them
//! and every node's hub fans them out.

use app::protocol::{CollegeId, ConnectionId, ConnectionStatus, IncomingMessage, Notification, OutgoingMessage, Room, SessionId, TenantId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A change some page may be showing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
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
    /// A notification changed, for `audience`, with the unread counts after
    /// the change.
    Notification { tenant: TenantId, audience: Audience, change: NotificationChange, counts: UnreadCounts },
    /// The tenant's dashboard figures changed.
    DashboardRefresh { tenant: TenantId, reason: String },
    /// A helpdesk entity changed (`event` is `ticket.update`, …).
    Entity { tenant: TenantId, room: Room, event: String, data: Value },
    /// A credential was withdrawn: every node closes the sockets it opened.
    Revoked { revocation: Revocation },
    /// Deliveries were stored or changed status: operators' delivery-log
    /// pages read the log again (see `process::log_feed`).
    DeliveryLogMoved,
}

/// Whose view of the tenant's notifications a change is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "audience", content = "user", rename_all = "snake_case")]
pub enum Audience {
    /// Every reader: the tenant's back ends and all its staff (a new
    /// tenant-wide notification).
    Everyone,
    /// One staff member (their own notification, or their read state).
    User(i64),
    /// The tenant's own view, which back ends read (a change made with an
    /// API key).
    Tenant,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum NotificationChange {
    Created { notification: Notification },
    Updated { notification: Notification },
    MarkedAllRead { user: Option<i64> },
}

/// A credential withdrawn; every socket holding it is closed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "revoked", rename_all = "snake_case")]
pub enum Revocation {
    Session { token_hash: String },
    Member { tenant: TenantId, user: i64 },
    ApiKey { key: i64 },
}

/// Unread counts after a change: the tenant's own (what back ends see),
/// and each member's.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct UnreadCounts {
    pub wide: i64,
    pub per_user: Vec<(i64, i64)>,
}

impl UnreadCounts {
    /// What `user` has unread (the tenant's count if they are not a member).
    pub fn for_user(&self, user: i64) -> i64 {
        self.per_user.iter().find(|(u, _)| *u == user).map_or(self.wide, |(_, n)| *n)
    }
}

//! The tenant-facing vocabulary (seeds 002 and 004): orders, payments,
//! notifications, the dashboard, helpdesk rooms, and the `/ws/tenant`
//! messages with the seeds' event names.

use super::{Resume, StreamStart, TenantId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

macro_rules! text_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
        #[serde(rename_all = "lowercase")]
        #[cfg_attr(feature = "ssr", derive(sqlx::Type))]
        #[cfg_attr(feature = "ssr", sqlx(type_name = "TEXT", rename_all = "lowercase"))]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
        }
    };
}

text_enum!(
    /// An order's state (seed 004's `status`).
    OrderStatus { Pending, Paid, Failed, Refunded, Cancelled }
);
text_enum!(
    /// A payment's state.
    PaymentStatus { Pending, Paid, Failed, Refunded }
);
text_enum!(
    /// How a notification looks.
    NotificationType { Info, Success, Warning, Error }
);
text_enum!(
    /// How loudly a notification announces itself (toasts by priority).
    Priority { Low, Medium, High, Urgent }
);
text_enum!(
    /// Seed 002's helpdesk rooms.
    Room { Tickets, Comments, Users, Kb, Attachments }
);

/// Orders and payments only move forward, so a late or repeated webhook
/// never undoes a later one. The order of statuses:
///
/// - payment: `pending` → `failed` → `paid` → `refunded` (a failed payment
///   may still be paid; a paid one is never pending or failed again);
/// - order: `pending` → `failed` → `paid` → `refunded` or `cancelled` (the
///   last two are both final: neither replaces the other).
pub trait Forward: Copy + Eq + 'static {
    const ALL: &'static [Self];
    fn rank(self) -> u8;
    /// The stored name, for SQL built from [`Forward::rank`].
    fn name(self) -> &'static str;

    /// `incoming` if it moves `self` forward.
    fn advance(self, incoming: Self) -> Option<Self> {
        (incoming.rank() > self.rank()).then_some(incoming)
    }
}

impl Forward for PaymentStatus {
    const ALL: &'static [Self] = PaymentStatus::ALL;

    fn rank(self) -> u8 {
        match self {
            Self::Pending => 0,
            Self::Failed => 1,
            Self::Paid => 2,
            Self::Refunded => 3,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Failed => "failed",
            Self::Paid => "paid",
            Self::Refunded => "refunded",
        }
    }
}

impl Forward for OrderStatus {
    const ALL: &'static [Self] = OrderStatus::ALL;

    fn rank(self) -> u8 {
        match self {
            Self::Pending => 0,
            Self::Failed => 1,
            Self::Paid => 2,
            Self::Refunded | Self::Cancelled => 3,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Failed => "failed",
            Self::Paid => "paid",
            Self::Refunded => "refunded",
            Self::Cancelled => "cancelled",
        }
    }
}

// The variants come from `text_enum!`, which cannot mark one `#[default]`.
#[allow(clippy::derivable_impls)]
impl Default for NotificationType {
    fn default() -> Self {
        Self::Info
    }
}

// The variants come from `text_enum!`, which cannot mark one `#[default]`.
#[allow(clippy::derivable_impls)]
impl Default for Priority {
    fn default() -> Self {
        Self::Medium
    }
}

impl Room {
    /// The room of a seed 002 entity event (`ticket.update` → tickets).
    pub fn of_event(event: &str) -> Option<Room> {
        Some(match event.split('.').next()? {
            "ticket" => Room::Tickets,
            "comment" => Room::Comments,
            "user" => Room::Users,
            "kb" => Room::Kb,
            "attachment" => Room::Attachments,
            _ => return None,
        })
    }

    /// The event name pages listen for (`ticket.update`).
    pub fn event(self) -> &'static str {
        match self {
            Room::Tickets => "ticket.update",
            Room::Comments => "comment.update",
            Room::Users => "user.update",
            Room::Kb => "kb.update",
            Room::Attachments => "attachment.update",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    pub id: i64,
    pub tenant_id: TenantId,
    /// `None`: for every staff member of the tenant.
    pub user_id: Option<i64>,
    pub title: String,
    pub message: String,
    #[serde(rename = "type")]
    pub kind: NotificationType,
    pub priority: Priority,
    pub action_url: Option<String>,
    pub action_text: Option<String>,
    pub metadata: Value,
    pub is_read: bool,
    pub is_dismissed: bool,
    pub created_at: DateTime<Utc>,
}

/// A page of notifications, newest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct NotificationPage {
    pub notifications: Vec<Notification>,
    /// Pass as `before` for the next page; `None` at the end.
    pub next_cursor: Option<i64>,
    pub unread_count: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct OrderView {
    pub id: i64,
    pub order_number: String,
    pub customer_name: Option<String>,
    pub customer_email: Option<String>,
    pub amount: f64,
    pub status: OrderStatus,
    pub payment_status: Option<PaymentStatus>,
    pub created_at: DateTime<Utc>,
}

/// One line of the dashboard's activity stream.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ActivityItem {
    pub text: String,
    pub at: DateTime<Utc>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DashboardSummary {
    pub today_orders: i64,
    pub today_revenue: f64,
    /// Orders by payment status: (status, count).
    pub payments: Vec<(PaymentStatus, i64)>,
    pub recent_orders: Vec<OrderView>,
    pub activity: Vec<ActivityItem>,
    /// Orders per hour today, for the chart (24 buckets, UTC).
    pub orders_by_hour: Vec<i64>,
}

/// `/ws/tenant` client → server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(tag = "type")]
pub enum TenantClientMessage {
    #[serde(rename = "join-tenant", rename_all = "camelCase")]
    JoinTenant {
        tenant_id: TenantId,
        #[serde(default)]
        token: Option<String>,
        /// Where a reconnecting page left off.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resume: Option<Resume>,
    },
    /// Join one of the joined tenant's helpdesk rooms.
    #[serde(rename = "join")]
    Join {
        room: Room,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resume: Option<Resume>,
    },
    #[serde(rename = "ping")]
    Ping,
}

/// `/ws/tenant` server → client, with the seeds' event names.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(tag = "type")]
pub enum TenantServerMessage {
    #[serde(rename = "joined", rename_all = "camelCase")]
    Joined {
        tenant_id: TenantId,
        room: Option<Room>,
        #[serde(flatten)]
        start: StreamStart,
    },
    #[serde(rename = "new-notification")]
    NewNotification { notification: Notification },
    #[serde(rename = "notification-updated")]
    NotificationUpdated { notification: Notification },
    #[serde(rename = "notifications-marked-read", rename_all = "camelCase")]
    NotificationsMarkedRead { user_id: Option<i64> },
    /// The reader's unread count after any change.
    #[serde(rename = "unread-count")]
    UnreadCount { count: i64 },
    #[serde(rename = "dashboard-refresh")]
    DashboardRefresh { reason: String },
    /// A helpdesk entity changed (`event` is `ticket.update`, …).
    #[serde(rename = "entity-update")]
    EntityUpdate { event: String, room: Room, data: Value },
    #[serde(rename = "pong")]
    Pong { timestamp: DateTime<Utc> },
    #[serde(rename = "error")]
    Error { message: String },
}

//! A tenant's orders, payments, notifications and helpdesk entities.

use super::StoreResult;
use crate::events::tenant::NotificationPayload;
use app::protocol::{
    ActivityItem, DashboardSummary, Notification, NotificationType, OrderStatus, OrderView, PaymentStatus, Priority, Room, TenantId,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::Value;

#[derive(Clone, Debug)]
pub struct NewOrder {
    pub tenant: TenantId,
    pub order_number: String,
    pub customer_name: Option<String>,
    pub customer_email: Option<String>,
    pub amount_cents: i64,
    pub status: OrderStatus,
    pub items: Value,
    pub metadata: Value,
}

#[derive(Clone, Debug)]
pub struct NewPayment {
    pub tenant: TenantId,
    pub order_number: Option<String>,
    pub order_id: Option<i64>,
    pub payment_id: String,
    pub amount_cents: Option<i64>,
    pub status: PaymentStatus,
    pub metadata: Value,
}

#[derive(Clone, Debug)]
pub struct NewNotification {
    pub tenant: TenantId,
    pub user: Option<i64>,
    pub title: String,
    pub message: String,
    pub kind: NotificationType,
    pub priority: Priority,
    pub action_url: Option<String>,
    pub action_text: Option<String>,
    pub metadata: Value,
    /// What caused it (`delivery:42`), so causing it again creates nothing.
    pub source: Option<String>,
}

impl NewNotification {
    /// The notification a payload asks for, in `tenant`.
    pub fn from_payload(tenant: TenantId, p: NotificationPayload, source: Option<String>) -> Self {
        Self {
            tenant,
            user: p.user_id,
            title: p.title,
            message: p.message,
            kind: p.kind,
            priority: p.priority,
            action_url: p.action_url,
            action_text: p.action_text,
            metadata: p.metadata,
            source,
        }
    }
}

/// Which notifications a reader sees.
#[derive(Clone, Debug)]
pub struct NotificationQuery {
    pub tenant: TenantId,
    /// A staff member sees the tenant-wide ones and their own, with their
    /// own read state; `None` (a back end): all, with the tenant's state.
    pub user: Option<i64>,
    pub include_read: bool,
    pub include_dismissed: bool,
    /// Only notifications older than this id (paging down), newest first…
    pub before: Option<i64>,
    /// …or only newer ones, oldest first (catching up after a reconnect).
    pub after: Option<i64>,
    pub limit: i64,
}

/// The outcome of recording an order or payment.
#[derive(Clone, Debug)]
pub struct Upserted<T> {
    pub value: T,
    /// `false` when it was already known (a repeat).
    pub new: bool,
}

#[async_trait]
pub trait TenantDataStore: Send + Sync {
    async fn dashboard(&self, tenant: TenantId, now: DateTime<Utc>) -> StoreResult<DashboardSummary>;
    /// A notification as `reader` sees it (`None`: the tenant's view).
    async fn notification(&self, tenant: TenantId, id: i64, reader: Option<i64>) -> StoreResult<Option<Notification>>;
    async fn list_notifications(&self, q: &NotificationQuery) -> StoreResult<Vec<Notification>>;
    /// What `reader` has unread.
    async fn unread_count(&self, tenant: TenantId, reader: Option<i64>) -> StoreResult<i64>;
    async fn list_entities(&self, tenant: TenantId, room: Room, limit: i64) -> StoreResult<Vec<Value>>;
}

/// Text for the dashboard's activity stream.
pub fn activity_line(order: &OrderView) -> ActivityItem {
    let who = order.customer_name.clone().unwrap_or_else(|| "a customer".into());
    ActivityItem { text: format!("Order {} from {who}: {:.2}", order.order_number, order.amount), at: order.created_at }
}

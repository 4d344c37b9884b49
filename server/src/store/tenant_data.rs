//! A tenant's orders, payments, notifications and helpdesk entities.

use super::StoreResult;
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
}

/// Which notifications a reader sees.
#[derive(Clone, Debug)]
pub struct NotificationQuery {
    pub tenant: TenantId,
    /// A reader sees the tenant-wide ones and their own; `None`: all.
    pub user: Option<i64>,
    pub include_read: bool,
    pub include_dismissed: bool,
    /// Only notifications older than this id (paging cursor).
    pub before: Option<i64>,
    pub limit: i64,
}

/// Unread counts after a change: tenant-wide, and per user.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct UnreadCounts {
    pub wide: i64,
    pub per_user: Vec<(i64, i64)>,
}

impl UnreadCounts {
    /// What `user` sees: the tenant-wide ones plus their own.
    pub fn for_user(&self, user: i64) -> i64 {
        self.wide + self.per_user.iter().find(|(u, _)| *u == user).map_or(0, |(_, n)| *n)
    }
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
    /// Creates the order, or updates a known one's details and status.
    async fn upsert_order(&self, order: &NewOrder, at: DateTime<Utc>) -> StoreResult<Upserted<OrderView>>;
    /// Records a payment and sets its order's payment status; the order is
    /// `None` if neither its id nor its number is known.
    async fn record_payment(&self, payment: &NewPayment, at: DateTime<Utc>) -> StoreResult<Upserted<Option<OrderView>>>;
    async fn dashboard(&self, tenant: TenantId, now: DateTime<Utc>) -> StoreResult<DashboardSummary>;

    async fn insert_notification(&self, n: &NewNotification, at: DateTime<Utc>) -> StoreResult<Notification>;
    async fn notification(&self, tenant: TenantId, id: i64) -> StoreResult<Option<Notification>>;
    async fn list_notifications(&self, q: &NotificationQuery) -> StoreResult<Vec<Notification>>;
    async fn set_notification_state(&self, tenant: TenantId, id: i64, read: Option<bool>, dismissed: Option<bool>) -> StoreResult<Option<Notification>>;
    /// Marks every notification `user` sees as read.
    async fn mark_all_read(&self, tenant: TenantId, user: Option<i64>) -> StoreResult<u64>;
    async fn unread_counts(&self, tenant: TenantId) -> StoreResult<UnreadCounts>;

    async fn upsert_entity(&self, tenant: TenantId, room: Room, id: &str, data: &Value, at: DateTime<Utc>) -> StoreResult<()>;
    async fn list_entities(&self, tenant: TenantId, room: Room, limit: i64) -> StoreResult<Vec<Value>>;
}

/// Text for the dashboard's activity stream.
pub fn activity_line(order: &OrderView) -> ActivityItem {
    let who = order.customer_name.clone().unwrap_or_else(|| "a customer".into());
    ActivityItem { text: format!("Order {} from {who}: {:.2}", order.order_number, order.amount), at: order.created_at }
}

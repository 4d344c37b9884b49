//! The tenant webhook payloads of seeds 004 and 002, typed. A payload that
//! does not fit is refused with serde's reason, which names the field.

use app::protocol::{check_link, NotificationType, OrderStatus, PaymentStatus, Priority, TenantEndpoint, TenantId};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderPayload {
    pub order_number: String,
    #[serde(default)]
    pub customer_name: Option<String>,
    #[serde(default)]
    pub customer_email: Option<String>,
    pub amount: f64,
    #[serde(default = "pending")]
    pub status: OrderStatus,
    #[serde(default)]
    pub items: Vec<Value>,
    #[serde(default)]
    pub metadata: Value,
}

fn pending() -> OrderStatus {
    OrderStatus::Pending
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentPayload {
    /// Our order id (a number) or the sender's own id (text).
    #[serde(default)]
    pub order_id: Option<Value>,
    #[serde(default)]
    pub order_number: Option<String>,
    pub payment_id: String,
    #[serde(default)]
    pub amount: Option<f64>,
    pub status: PaymentStatus,
    #[serde(default)]
    pub metadata: Value,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NotificationPayload {
    pub title: String,
    pub message: String,
    #[serde(default, rename = "type")]
    pub kind: NotificationType,
    #[serde(default)]
    pub priority: Priority,
    #[serde(default)]
    pub action_url: Option<String>,
    #[serde(default)]
    pub action_text: Option<String>,
    #[serde(default)]
    pub metadata: Value,
    /// For one staff member only (our user id); otherwise the whole tenant.
    #[serde(default)]
    pub user_id: Option<i64>,
}

impl NotificationPayload {
    /// Refuses an empty title and an `actionUrl` a page must not follow
    /// (anything but an absolute http(s) URL or a path on this site).
    pub fn check(&self) -> Result<(), String> {
        if self.title.trim().is_empty() {
            return Err("invalid notification: `title` is empty".into());
        }
        if let Some(url) = &self.action_url {
            check_link(url).map_err(|e| format!("invalid notification: `actionUrl` {e}"))?;
        }
        Ok(())
    }
}

/// Seed 002's enhanced payload: `{"event", "notification"?, "data"?}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EntityPayload {
    pub event: String,
    #[serde(default)]
    pub notification: Option<Value>,
    #[serde(default)]
    pub data: Option<Value>,
}

/// What a tenant event produced, for the webhook's answer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Produced {
    pub order_id: Option<i64>,
    pub notification_id: Option<i64>,
}

/// What is stored for the worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "endpoint", rename_all = "snake_case")]
pub enum TenantEvent {
    Order { tenant: TenantId, order: OrderPayload },
    Payment { tenant: TenantId, payment: PaymentPayload },
    Notification { tenant: TenantId, notification: NotificationPayload },
    Entity { tenant: TenantId, entity: EntityPayload },
}

/// The tenant webhook paths: `/api/webhooks/{orders,payments,notifications}`
/// (seed 004) and `/api/webhooks/events` (seed 002).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WebhookKind {
    Orders,
    Payments,
    Notifications,
    Events,
}

impl std::str::FromStr for WebhookKind {
    type Err = ();

    fn from_str(path: &str) -> Result<Self, ()> {
        Ok(match path {
            "orders" => Self::Orders,
            "payments" => Self::Payments,
            "notifications" => Self::Notifications,
            "events" => Self::Events,
            _ => return Err(()),
        })
    }
}

impl WebhookKind {
    /// The path segment it arrives on.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Orders => "orders",
            Self::Payments => "payments",
            Self::Notifications => "notifications",
            Self::Events => "events",
        }
    }

    /// The endpoint a tenant can switch off (`None`: the generic events
    /// endpoint, always on when webhooks are).
    pub fn endpoint(self) -> Option<TenantEndpoint> {
        match self {
            Self::Orders => Some(TenantEndpoint::Orders),
            Self::Payments => Some(TenantEndpoint::Payments),
            Self::Notifications => Some(TenantEndpoint::Notifications),
            Self::Events => None,
        }
    }
}

/// Types `payload` for `kind`, with a reason naming the field when it does
/// not fit.
pub fn parse(kind: WebhookKind, tenant: TenantId, payload: Value) -> Result<TenantEvent, String> {
    let fail = |what: &str, e: serde_json::Error| format!("invalid {what}: {e}");
    Ok(match kind {
        WebhookKind::Orders => {
            let order: OrderPayload = serde_json::from_value(payload).map_err(|e| fail("order", e))?;
            if order.order_number.trim().is_empty() {
                return Err("invalid order: `orderNumber` is empty".into());
            }
            if !(order.amount.is_finite() && order.amount >= 0.0) {
                return Err("invalid order: `amount` must be a non-negative number".into());
            }
            TenantEvent::Order { tenant, order }
        }
        WebhookKind::Payments => {
            let payment: PaymentPayload = serde_json::from_value(payload).map_err(|e| fail("payment", e))?;
            if payment.order_id.is_none() && payment.order_number.is_none() {
                return Err("invalid payment: `orderId` or `orderNumber` is required".into());
            }
            TenantEvent::Payment { tenant, payment }
        }
        WebhookKind::Notifications => {
            let notification: NotificationPayload = serde_json::from_value(payload).map_err(|e| fail("notification", e))?;
            notification.check()?;
            TenantEvent::Notification { tenant, notification }
        }
        WebhookKind::Events => TenantEvent::Entity { tenant, entity: serde_json::from_value(payload).map_err(|e| fail("event", e))? },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn seed_004_payloads_parse() {
        let order = json!({"tenantId": "1", "orderNumber": "ORD-12345", "customerName": "John Doe",
            "customerEmail": "john@example.com", "amount": 99.99, "status": "paid",
            "items": [{"productId": "prod_123", "quantity": 2, "price": 49.99}], "metadata": {"source": "shopify-headless"}});
        let TenantEvent::Order { order, .. } = parse(WebhookKind::Orders, TenantId(1), order).unwrap() else { panic!() };
        assert_eq!((order.order_number.as_str(), order.status), ("ORD-12345", OrderStatus::Paid));
        let payment = json!({"orderNumber": "ORD-12345", "amount": 99.99, "status": "paid", "paymentId": "pay_123456"});
        assert!(matches!(parse(WebhookKind::Payments, TenantId(1), payment), Ok(TenantEvent::Payment { .. })));
        let note = json!({"title": "Low Stock Alert", "message": "Product XYZ is running low", "type": "warning", "priority": "medium"});
        let TenantEvent::Notification { notification, .. } = parse(WebhookKind::Notifications, TenantId(1), note).unwrap() else {
            panic!()
        };
        assert_eq!(notification.kind, NotificationType::Warning);
    }

    #[test]
    fn reasons_name_the_field() {
        let err = parse(WebhookKind::Orders, TenantId(1), json!({"amount": 5})).unwrap_err();
        assert!(err.contains("orderNumber"), "{err}");
        let err = parse(WebhookKind::Orders, TenantId(1), json!({"orderNumber": "A", "amount": "lots"})).unwrap_err();
        assert!(err.contains("invalid order"), "{err}");
        let err = parse(WebhookKind::Payments, TenantId(1), json!({"paymentId": "p", "status": "paid"})).unwrap_err();
        assert!(err.contains("orderNumber"), "{err}");
        let err = parse(WebhookKind::Notifications, TenantId(1), json!({"title": "t", "message": "m", "priority": "extreme"})).unwrap_err();
        assert!(err.contains("extreme"), "{err}");
        let err = parse(WebhookKind::Notifications, TenantId(1), json!({"title": "t", "message": "m", "actionUrl": "javascript:alert(1)"}))
            .unwrap_err();
        assert!(err.contains("actionUrl"), "{err}");
    }
}

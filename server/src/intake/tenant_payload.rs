//! The tenant webhook payloads of seeds 004 and 002, typed. A payload that
//! does not fit is refused with serde's reason, which names the field.

use app::protocol::{check_link, NotificationType, OrderStatus, PaymentStatus, Priority, TenantEndpoint, TenantId};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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

    /// The notification to store for `tenant`.
    pub fn into_new(self, tenant: TenantId) -> crate::store::NewNotification {
        crate::store::NewNotification {
            tenant,
            user: self.user_id,
            title: self.title,
            message: self.message,
            kind: self.kind,
            priority: self.priority,
            action_url: self.action_url,
            action_text: self.action_text,
            metadata: self.metadata,
        }
    }
}

/// Seed 002's enhanced payload: `{"event", "notification"?, "data"?}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EntityPayload {
    pub event: String,
    #[serde(default)]
    pub notification: Option<Value>,
    #[serde(default)]
    pub data: Option<Value>,
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

/// Which endpoint a tenant event arrived on (`None`: the generic events
/// endpoint, always on when webhooks are).
pub fn endpoint_of(kind: &str) -> Option<TenantEndpoint> {
    match kind {
        "orders" => Some(TenantEndpoint::Orders),
        "payments" => Some(TenantEndpoint::Payments),
        "notifications" => Some(TenantEndpoint::Notifications),
        _ => None,
    }
}

/// Types `payload` for `kind` (`orders`, `payments`, `notifications`,
/// `events`), with a reason naming the field when it does not fit.
pub fn parse(kind: &str, tenant: TenantId, payload: Value) -> Result<TenantEvent, String> {
    let fail = |what: &str, e: serde_json::Error| format!("invalid {what}: {e}");
    Ok(match kind {
        "orders" => {
            let order: OrderPayload = serde_json::from_value(payload).map_err(|e| fail("order", e))?;
            if order.order_number.trim().is_empty() {
                return Err("invalid order: `orderNumber` is empty".into());
            }
            if !(order.amount.is_finite() && order.amount >= 0.0) {
                return Err("invalid order: `amount` must be a non-negative number".into());
            }
            TenantEvent::Order { tenant, order }
        }
        "payments" => {
            let payment: PaymentPayload = serde_json::from_value(payload).map_err(|e| fail("payment", e))?;
            if payment.order_id.is_none() && payment.order_number.is_none() {
                return Err("invalid payment: `orderId` or `orderNumber` is required".into());
            }
            TenantEvent::Payment { tenant, payment }
        }
        "notifications" => {
            let notification: NotificationPayload = serde_json::from_value(payload).map_err(|e| fail("notification", e))?;
            notification.check()?;
            TenantEvent::Notification { tenant, notification }
        }
        _ => TenantEvent::Entity { tenant, entity: serde_json::from_value(payload).map_err(|e| fail("event", e))? },
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
        let TenantEvent::Order { order, .. } = parse("orders", TenantId(1), order).unwrap() else { panic!() };
        assert_eq!((order.order_number.as_str(), order.status), ("ORD-12345", OrderStatus::Paid));
        let payment = json!({"orderNumber": "ORD-12345", "amount": 99.99, "status": "paid", "paymentId": "pay_123456"});
        assert!(matches!(parse("payments", TenantId(1), payment), Ok(TenantEvent::Payment { .. })));
        let note = json!({"title": "Low Stock Alert", "message": "Product XYZ is running low", "type": "warning", "priority": "medium"});
        let TenantEvent::Notification { notification, .. } = parse("notifications", TenantId(1), note).unwrap() else { panic!() };
        assert_eq!(notification.kind, NotificationType::Warning);
    }

    #[test]
    fn reasons_name_the_field() {
        let err = parse("orders", TenantId(1), json!({"amount": 5})).unwrap_err();
        assert!(err.contains("orderNumber"), "{err}");
        let err = parse("orders", TenantId(1), json!({"orderNumber": "A", "amount": "lots"})).unwrap_err();
        assert!(err.contains("invalid order"), "{err}");
        let err = parse("payments", TenantId(1), json!({"paymentId": "p", "status": "paid"})).unwrap_err();
        assert!(err.contains("orderNumber"), "{err}");
        let err = parse("notifications", TenantId(1), json!({"title": "t", "message": "m", "priority": "extreme"})).unwrap_err();
        assert!(err.contains("extreme"), "{err}");
        let err = parse("notifications", TenantId(1), json!({"title": "t", "message": "m", "actionUrl": "javascript:alert(1)"})).unwrap_err();
        assert!(err.contains("actionUrl"), "{err}");
    }
}

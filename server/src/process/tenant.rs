//! Applies tenant events: orders and payments update the dashboard and raise
//! the notifications a shop owner expects; notifications reach the bell;
//! helpdesk entity events reach their rooms. Applying one delivery twice
//! changes nothing the second time: orders and payments only move forward,
//! and notifications are keyed by the delivery that caused them.

use super::notify::notify;
use crate::events::tenant::{EntityPayload, Produced, TenantEvent};
use crate::events::Change;
use crate::outbound::events::PaymentUpdated;
use crate::store::{Applied, ApplyTx, NewNotification, NewOrder, NewPayment};
use app::protocol::{NotificationType, OutboundEventType, PaymentStatus, Priority, Room, TenantId};
use serde_json::{json, Value};

fn cents(amount: f64) -> i64 {
    (amount * 100.0).round() as i64
}

/// A notification a tenant event raises, linking to `action`.
struct Note {
    tenant: TenantId,
    title: String,
    message: String,
    kind: NotificationType,
    priority: Priority,
    metadata: Value,
}

impl Note {
    fn into_new(self, source: String, action: (&str, &str)) -> NewNotification {
        NewNotification {
            tenant: self.tenant,
            user: None,
            title: self.title,
            message: self.message,
            kind: self.kind,
            priority: self.priority,
            action_url: Some(action.0.into()),
            action_text: Some(action.1.into()),
            metadata: self.metadata,
            source: Some(source),
        }
    }
}

const DASHBOARD: (&str, &str) = ("/dashboard", "Open dashboard");
const HELPDESK: (&str, &str) = ("/helpdesk", "Open helpdesk");

pub fn apply(tx: &mut dyn ApplyTx, event: TenantEvent, delivery: i64) -> anyhow::Result<Applied> {
    let source = format!("delivery:{delivery}");
    let mut produced = Produced::default();
    match event {
        TenantEvent::Order { tenant, order } => {
            let new = NewOrder {
                tenant,
                order_number: order.order_number.trim().to_owned(),
                customer_name: order.customer_name.clone(),
                customer_email: order.customer_email.clone(),
                amount_cents: cents(order.amount),
                status: order.status,
                items: json!(order.items),
                metadata: order.metadata.clone(),
            };
            let stored = tx.upsert_order(&new)?;
            produced.order_id = Some(stored.value.id);
            if stored.new {
                tx.enqueue(tenant, OutboundEventType::OrderCreated, &json!(stored.value), &source)?;
                let who = order.customer_name.unwrap_or_else(|| "a customer".into());
                let note = Note {
                    tenant,
                    title: format!("New order {}", new.order_number),
                    message: format!("{who} ordered for {:.2}.", order.amount),
                    kind: NotificationType::Success,
                    priority: Priority::Medium,
                    metadata: json!({ "orderId": stored.value.id, "orderNumber": new.order_number }),
                };
                produced.notification_id = notify(tx, &note.into_new(source, DASHBOARD))?.map(|n| n.id);
            }
            tx.publish(Change::DashboardRefresh { tenant, reason: "order".into() })?;
        }
        TenantEvent::Payment { tenant, payment } => {
            let new = NewPayment {
                tenant,
                order_id: payment.order_id.as_ref().and_then(Value::as_i64),
                order_number: payment.order_number.clone(),
                payment_id: payment.payment_id.clone(),
                amount_cents: payment.amount.map(cents),
                status: payment.status,
                metadata: payment.metadata.clone(),
            };
            let stored = tx.record_payment(&new)?;
            produced.order_id = stored.value.as_ref().map(|o| o.id);
            if stored.new {
                let order =
                    stored.value.as_ref().map_or_else(|| payment.order_number.clone().unwrap_or_default(), |o| o.order_number.clone());
                let (title, kind, priority) = match payment.status {
                    PaymentStatus::Paid => (format!("Payment received for {order}"), NotificationType::Success, Priority::Medium),
                    PaymentStatus::Failed => (format!("Payment failed for {order}"), NotificationType::Error, Priority::High),
                    PaymentStatus::Refunded => (format!("Refund for {order}"), NotificationType::Warning, Priority::Medium),
                    PaymentStatus::Pending => (format!("Payment pending for {order}"), NotificationType::Info, Priority::Low),
                };
                let event = json!(PaymentUpdated {
                    order: stored.value.clone(),
                    payment_id: payment.payment_id.clone(),
                    status: payment.status,
                    amount: payment.amount,
                });
                tx.enqueue(tenant, OutboundEventType::PaymentUpdated, &event, &source)?;
                let amount = payment.amount.map(|a| format!(" of {a:.2}")).unwrap_or_default();
                let note = Note {
                    tenant,
                    title,
                    message: format!("Payment {}{amount}.", payment.payment_id),
                    kind,
                    priority,
                    metadata: json!({ "orderNumber": order, "paymentId": payment.payment_id }),
                };
                produced.notification_id = notify(tx, &note.into_new(source, DASHBOARD))?.map(|n| n.id);
            }
            tx.publish(Change::DashboardRefresh { tenant, reason: "payment".into() })?;
        }
        TenantEvent::Notification { tenant, notification } => {
            let new = NewNotification::from_payload(tenant, notification, Some(source));
            produced.notification_id = notify(tx, &new)?.map(|n| n.id);
        }
        TenantEvent::Entity { tenant, entity } => produced.notification_id = apply_entity(tx, tenant, entity, source)?,
    }
    Ok(Applied { produced, ..Applied::default() })
}

/// Seed 002: `notification.created` raises a notification; an entity event
/// (or a notification about an entity) updates the entity's room.
fn apply_entity(tx: &mut dyn ApplyTx, tenant: TenantId, e: EntityPayload, source: String) -> anyhow::Result<Option<i64>> {
    let mut created = None;
    if let Some(n) = &e.notification {
        let text = |k: &str| n.get(k).and_then(Value::as_str).map(str::to_owned);
        let kind = text("type").unwrap_or_else(|| "notification".into());
        let note = Note {
            tenant,
            title: kind.replace('_', " "),
            message: text("message").unwrap_or_default(),
            kind: NotificationType::Info,
            priority: Priority::Medium,
            // The whole event: Socket.IO clients get it back as seed 002's
            // `notification` event (`notification` and `data`).
            metadata: json!({ "event": e.event, "notification": n, "data": e.data }),
        };
        created = notify(tx, &note.into_new(source, HELPDESK))?.map(|n| n.id);
    }
    let related = e.notification.as_ref().and_then(|n| n.get("related_type")).and_then(Value::as_str).map(|t| format!("{t}.update"));
    let room = Room::of_event(&e.event).or_else(|| related.as_deref().and_then(Room::of_event));
    if let (Some(room), Some(data)) = (room, e.data) {
        let id = data.get("id").map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned));
        if let Some(id) = id {
            tx.upsert_entity(tenant, room, &id, &data)?;
            tx.publish(Change::Entity { tenant, room, event: room.event().to_owned(), data })?;
        }
    }
    Ok(created)
}

//! Applies tenant events: orders and payments update the dashboard and raise
//! the notifications a shop owner expects; notifications reach the bell;
//! helpdesk entity events reach their rooms.

use super::{Outcome, Processor};
use crate::bus::{Event, NotificationChange};
use crate::intake::tenant_payload::{EntityPayload, TenantEvent};
use crate::outbound;
use crate::store::{NewNotification, NewOrder, NewPayment};
use app::protocol::{DeliveryStatus, Notification, NotificationType, OutboundEventType, PaymentStatus, Priority, Room, TenantId};
use chrono::Utc;
use serde_json::{json, Value};

/// What a tenant event produced, for the webhook's answer.
#[derive(Clone, Debug, Default)]
pub struct Produced {
    pub order_id: Option<i64>,
    pub notification_id: Option<i64>,
}

fn cents(amount: f64) -> i64 {
    (amount * 100.0).round() as i64
}

/// Creates a notification and tells the tenant's pages, with the new unread
/// counts.
pub async fn notify(p: &Processor, n: NewNotification) -> anyhow::Result<Notification> {
    let notification = p.store.insert_notification(&n, Utc::now()).await?;
    let counts = p.store.unread_counts(n.tenant).await?;
    let change = NotificationChange::Created { notification: notification.clone() };
    p.bus.publish(Event::Notification { tenant: n.tenant, user: n.user, change, counts }).await?;
    outbound::enqueue(p.store.as_ref(), n.tenant, OutboundEventType::NotificationCreated, json!(notification)).await?;
    Ok(notification)
}

fn note(tenant: TenantId, title: String, message: String, kind: NotificationType, priority: Priority, metadata: Value) -> NewNotification {
    NewNotification {
        tenant,
        user: None,
        title,
        message,
        kind,
        priority,
        action_url: Some("/dashboard".into()),
        action_text: Some("Open dashboard".into()),
        metadata,
    }
}

async fn refresh(p: &Processor, tenant: TenantId, reason: &str) -> anyhow::Result<()> {
    p.bus.publish(Event::DashboardRefresh { tenant, reason: reason.into() }).await
}

pub async fn apply(p: &Processor, event: TenantEvent) -> anyhow::Result<(Outcome, Produced)> {
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
            let stored = p.store.upsert_order(&new, Utc::now()).await?;
            produced.order_id = Some(stored.value.id);
            if stored.new {
                outbound::enqueue(p.store.as_ref(), tenant, OutboundEventType::OrderCreated, json!(stored.value)).await?;
                let who = order.customer_name.unwrap_or_else(|| "a customer".into());
                let title = format!("New order {}", new.order_number);
                let message = format!("{who} ordered for {:.2}.", order.amount);
                let meta = json!({ "orderId": stored.value.id, "orderNumber": new.order_number });
                let n = notify(p, note(tenant, title, message, NotificationType::Success, Priority::Medium, meta)).await?;
                produced.notification_id = Some(n.id);
            }
            refresh(p, tenant, "order").await?;
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
            let stored = p.store.record_payment(&new, Utc::now()).await?;
            produced.order_id = stored.value.as_ref().map(|o| o.id);
            let order = stored.value.as_ref().map_or_else(|| payment.order_number.clone().unwrap_or_default(), |o| o.order_number.clone());
            let (title, kind, priority) = match payment.status {
                PaymentStatus::Paid => (format!("Payment received for {order}"), NotificationType::Success, Priority::Medium),
                PaymentStatus::Failed => (format!("Payment failed for {order}"), NotificationType::Error, Priority::High),
                PaymentStatus::Refunded => (format!("Refund for {order}"), NotificationType::Warning, Priority::Medium),
                PaymentStatus::Pending => (format!("Payment pending for {order}"), NotificationType::Info, Priority::Low),
            };
            if stored.new {
                let event = json!({ "order": stored.value, "paymentId": payment.payment_id, "status": payment.status, "amount": payment.amount });
                outbound::enqueue(p.store.as_ref(), tenant, OutboundEventType::PaymentUpdated, event).await?;
                let amount = payment.amount.map(|a| format!(" of {a:.2}")).unwrap_or_default();
                let message = format!("Payment {}{amount}.", payment.payment_id);
                let meta = json!({ "orderNumber": order, "paymentId": payment.payment_id });
                let n = notify(p, note(tenant, title, message, kind, priority, meta)).await?;
                produced.notification_id = Some(n.id);
            }
            refresh(p, tenant, "payment").await?;
        }
        TenantEvent::Notification { tenant, notification } => {
            produced.notification_id = Some(notify(p, notification.into_new(tenant)).await?.id);
        }
        TenantEvent::Entity { tenant, entity } => produced.notification_id = apply_entity(p, tenant, entity).await?,
    }
    Ok((Outcome { status: DeliveryStatus::Processed, session: None }, produced))
}

/// Seed 002: `notification.created` raises a notification; an entity event
/// (or a notification about an entity) updates the entity's room.
async fn apply_entity(p: &Processor, tenant: TenantId, e: EntityPayload) -> anyhow::Result<Option<i64>> {
    let mut created = None;
    if let Some(n) = &e.notification {
        let text = |k: &str| n.get(k).and_then(Value::as_str).map(str::to_owned);
        let kind = text("type").unwrap_or_else(|| "notification".into());
        let new = NewNotification {
            tenant,
            user: None,
            title: kind.replace('_', " "),
            message: text("message").unwrap_or_default(),
            kind: NotificationType::Info,
            priority: Priority::Medium,
            action_url: Some("/helpdesk".into()),
            action_text: Some("Open helpdesk".into()),
            metadata: n.clone(),
        };
        created = Some(notify(p, new).await?.id);
    }
    let related = e.notification.as_ref().and_then(|n| n.get("related_type")).and_then(Value::as_str).map(|t| format!("{t}.update"));
    let room = Room::of_event(&e.event).or_else(|| related.as_deref().and_then(Room::of_event));
    if let (Some(room), Some(data)) = (room, e.data) {
        let id = data.get("id").map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned));
        if let Some(id) = id {
            p.store.upsert_entity(tenant, room, &id, &data, Utc::now()).await?;
            p.bus.publish(Event::Entity { tenant, room, event: room.event().to_owned(), data }).await?;
        }
    }
    Ok(created)
}

//! A notification and everything it causes, inside the caller's unit of
//! work: the tenant's endpoints hear `notification.created`, and its pages
//! the notification with every reader's unread count.

use crate::events::{Audience, Change, NotificationChange};
use crate::store::{ApplyTx, NewNotification};
use app::protocol::{Notification, OutboundEventType};

/// Stores `n`; `None` if its source was applied before (nothing happens
/// twice).
pub fn notify(tx: &mut dyn ApplyTx, n: &NewNotification) -> anyhow::Result<Option<Notification>> {
    let Some(notification) = tx.insert_notification(n)? else { return Ok(None) };
    let source = format!("notification:{}", notification.id);
    tx.enqueue(n.tenant, OutboundEventType::NotificationCreated, &serde_json::json!(notification), &source)?;
    let counts = tx.unread_counts(n.tenant)?;
    let audience = n.user.map_or(Audience::Everyone, Audience::User);
    let change = NotificationChange::Created { notification: notification.clone() };
    tx.publish(Change::Notification { tenant: n.tenant, audience, change, counts })?;
    Ok(Some(notification))
}

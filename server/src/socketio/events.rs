//! A hub frame as the Socket.IO events seeds 004 and 002 listen for.
//!
//! The hub's frames are `/ws/tenant` messages; a Socket.IO client gets the
//! same change under the seeds' event names, each event's payload what the
//! seeds' hooks read (the notification itself, the entity itself), and its
//! place in the stream ([`Position`]) as a second argument, which those
//! hooks ignore and a client that resumes keeps.

use app::protocol::{Notification, TenantServerMessage};
use serde::Serialize;
use serde_json::{json, Value};

/// Where an event stands in its stream (whose epoch the `joined` answer
/// gave): a client that reconnects with both in its handshake's `auth`
/// gets exactly what it missed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Position {
    pub offset: u64,
}

/// One Socket.IO event: its name and payload.
#[derive(Debug, PartialEq)]
pub struct Event {
    pub name: String,
    pub payload: Value,
}

impl Event {
    fn new(name: impl Into<String>, payload: Value) -> Self {
        Self { name: name.into(), payload }
    }
}

/// The events a frame becomes, and where it stands; `helpdesk`: the socket
/// joined a seed 002 room, so a helpdesk notification is also sent as
/// `notification`. A frame that is not an update becomes nothing.
pub fn of_frame(frame: &str, helpdesk: bool) -> (Vec<Event>, Position) {
    let position = Position { offset: app::protocol::Position::of(frame).offset.unwrap_or_default() };
    let Ok(message) = serde_json::from_str::<TenantServerMessage>(frame) else { return (Vec::new(), position) };
    let events = match message {
        TenantServerMessage::NewNotification { notification } => {
            let seed_002 = helpdesk.then(|| helpdesk_notification(&notification)).flatten();
            let mut events = vec![Event::new("new-notification", with_mongo_id(&notification))];
            events.extend(seed_002.map(|p| Event::new("notification", p)));
            events
        }
        TenantServerMessage::NotificationUpdated { notification } => {
            vec![Event::new("notification-updated", with_mongo_id(&notification))]
        }
        TenantServerMessage::NotificationsMarkedRead { user_id } => {
            vec![Event::new("notifications-marked-read", json!({ "userId": user_id }))]
        }
        TenantServerMessage::UnreadCount { count } => vec![Event::new("unread-count", json!({ "count": count }))],
        TenantServerMessage::DashboardRefresh { reason } => vec![Event::new("dashboard-refresh", json!({ "reason": reason }))],
        TenantServerMessage::EntityUpdate { event, data, .. } => vec![Event::new(event, data)],
        TenantServerMessage::Joined { .. } | TenantServerMessage::Pong { .. } | TenantServerMessage::Error { .. } => Vec::new(),
    };
    (events, position)
}

/// The notification as seed 004's hooks read it: its fields, and its id
/// also as `_id` (the seed's MongoDB name).
fn with_mongo_id(notification: &Notification) -> Value {
    let mut value = serde_json::to_value(notification).expect("notifications serialise");
    if let Value::Object(fields) = &mut value {
        fields.insert("_id".into(), Value::String(notification.id.to_string()));
    }
    value
}

/// Seed 002's `notification` payload (`notification` and `data`), for a
/// notification a helpdesk event raised (its metadata keeps the event).
fn helpdesk_notification(notification: &Notification) -> Option<Value> {
    let event = notification.metadata.as_object()?;
    let mut raised = event.get("notification")?.clone();
    if let Value::Object(fields) = &mut raised {
        fields.entry("created_at").or_insert_with(|| json!(notification.created_at));
    }
    Some(json!({ "notification": raised, "data": event.get("data").cloned().unwrap_or(Value::Null) }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::protocol::{NotificationType, Priority, Room, TenantId};
    use chrono::{TimeZone, Utc};

    fn notification(metadata: Value) -> Notification {
        Notification {
            id: 7,
            tenant_id: TenantId(1),
            user_id: None,
            title: "New order".into(),
            message: "ORD-1".into(),
            kind: NotificationType::Info,
            priority: Priority::Medium,
            action_url: None,
            action_text: None,
            metadata,
            is_read: false,
            is_dismissed: false,
            created_at: Utc.with_ymd_and_hms(2026, 12, 2, 12, 0, 0).unwrap(),
        }
    }

    /// A frame as the hub sends it: the message with its place spliced in.
    fn frame(message: &TenantServerMessage, offset: u64) -> String {
        let text = serde_json::to_string(message).unwrap();
        format!("{},\"offset\":{offset}}}", &text[..text.len() - 1])
    }

    #[test]
    fn a_notification_is_new_notification_with_its_place() {
        let n = notification(json!({}));
        let (events, at) = of_frame(&frame(&TenantServerMessage::NewNotification { notification: n }, 12), false);
        assert_eq!(at, Position { offset: 12 });
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].name, "new-notification");
        assert_eq!(events[0].payload["title"], "New order");
        assert_eq!(events[0].payload["_id"], "7");
        assert_eq!(events[0].payload["isRead"], false);
    }

    #[test]
    fn a_helpdesk_notification_is_also_seed_002s_notification_for_room_sockets() {
        let event = json!({
            "event": "notification.created",
            "notification": { "id": "n-1", "type": "comment_on_ticket", "message": "New comment" },
            "data": { "id": "c-1", "content": "On its way" },
        });
        let message = TenantServerMessage::NewNotification { notification: notification(event) };
        let (events, _) = of_frame(&frame(&message, 3), true);
        let names: Vec<&str> = events.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["new-notification", "notification"]);
        assert_eq!(events[1].payload["notification"]["type"], "comment_on_ticket");
        assert_eq!(events[1].payload["notification"]["created_at"], "2026-12-02T12:00:00Z");
        assert_eq!(events[1].payload["data"]["content"], "On its way");
        let (without_rooms, _) = of_frame(&frame(&message, 3), false);
        assert_eq!(without_rooms.len(), 1);
    }

    #[test]
    fn entity_updates_refreshes_and_counts_keep_the_seeds_names() {
        let update = TenantServerMessage::EntityUpdate { event: "ticket.update".into(), room: Room::Tickets, data: json!({ "id": "t-1" }) };
        let (events, _) = of_frame(&frame(&update, 1), true);
        assert_eq!(events, vec![Event::new("ticket.update", json!({ "id": "t-1" }))]);
        let refresh = TenantServerMessage::DashboardRefresh { reason: "order".into() };
        assert_eq!(of_frame(&frame(&refresh, 2), false).0, vec![Event::new("dashboard-refresh", json!({ "reason": "order" }))]);
        let read = TenantServerMessage::NotificationsMarkedRead { user_id: Some(4) };
        assert_eq!(of_frame(&frame(&read, 3), false).0, vec![Event::new("notifications-marked-read", json!({ "userId": 4 }))]);
        let count = TenantServerMessage::UnreadCount { count: 5 };
        assert_eq!(of_frame(&frame(&count, 4), false).0, vec![Event::new("unread-count", json!({ "count": 5 }))]);
        assert!(of_frame("not json", false).0.is_empty());
    }
}

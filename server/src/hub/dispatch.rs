//! The hub's one task: read the bus, serialise each event once, and queue
//! the frame for every socket whose channel shows it.

use super::{Channel, Frame, Hub};
use crate::bus::{Event, NotificationChange};
use app::protocol::{ServerMessage, TenantServerMessage, WaServerMessage};
use serde::Serialize;
use tokio::sync::broadcast::{self, error::RecvError};

pub async fn run(hub: Hub, mut events: broadcast::Receiver<Event>) {
    loop {
        match events.recv().await {
            Ok(event) => dispatch(&hub, event),
            Err(RecvError::Lagged(missed)) => {
                // Some events are gone: every page must resynchronise.
                tracing::warn!(missed, "hub fell behind the bus; reconnecting every socket");
                hub.disconnect_all();
            }
            Err(RecvError::Closed) => return,
        }
    }
}

fn frame(message: &impl Serialize) -> Frame {
    Frame::from(serde_json::to_string(message).expect("messages serialise"))
}

fn dispatch(hub: &Hub, event: Event) {
    let (channel, frame) = match event {
        Event::Notification { tenant, user, change, counts } => {
            let change = frame(&match change {
                NotificationChange::Created { notification } => TenantServerMessage::NewNotification { notification },
                NotificationChange::Updated { notification } => TenantServerMessage::NotificationUpdated { notification },
                NotificationChange::MarkedAllRead { user } => TenantServerMessage::NotificationsMarkedRead { user_id: user },
            });
            let count = |reader: Option<i64>| {
                frame(&TenantServerMessage::UnreadCount { count: reader.map_or(counts.wide, |u| counts.for_user(u)) })
            };
            let sent = match user {
                Some(u) => {
                    let channel = Channel::TenantUser(tenant, u);
                    hub.send(&channel, &change) + hub.send(&channel, &count(Some(u)))
                }
                None => hub.send_tenant(tenant, |reader| vec![change.clone(), count(reader)]),
            };
            tracing::debug!(%tenant, sent, "notification dispatched");
            return;
        }
        Event::DashboardRefresh { tenant, reason } => {
            let refresh = frame(&TenantServerMessage::DashboardRefresh { reason });
            hub.send_tenant(tenant, |_| vec![refresh.clone()]);
            return;
        }
        Event::Revoked { revocation } => {
            let closed = hub.revoke(&revocation);
            tracing::info!(closed, "closed sockets whose credentials were revoked");
            return;
        }
        Event::Entity { tenant, room, event, data } => {
            (Channel::Room(tenant, room), frame(&TenantServerMessage::EntityUpdate { event, room, data }))
        }
        Event::SessionStatus { session_id, status, connection_id, their_label, at } => {
            if let Some(connection) = &connection_id {
                hub.link(&session_id, connection);
            }
            let message = ServerMessage::StatusUpdate {
                session_id: session_id.clone(),
                status,
                connection_id,
                their_label,
                timestamp: at,
            };
            (Channel::Session(session_id), frame(&message))
        }
        Event::MessageStatus { college_id, message, at } => {
            let update = WaServerMessage::MessageStatusUpdate {
                message_id: message.message_id,
                whatsapp_message_id: message.whatsapp_message_id.clone(),
                status: message.status,
                timestamp: at,
                message,
            };
            (Channel::College(college_id), frame(&update))
        }
        Event::IncomingMessage { college_id, message } => {
            (Channel::College(college_id), frame(&WaServerMessage::IncomingMessage { message }))
        }
    };
    let sent = hub.send(&channel, &frame);
    tracing::debug!(?channel, sent, "event dispatched");
}

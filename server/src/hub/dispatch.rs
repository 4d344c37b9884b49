//! The hub's one task: read the bus, serialise each event once, and queue
//! the frame for every socket whose channel shows it.

use super::{Channel, Frame, Hub};
use crate::bus::Delivered;
use crate::events::{Audience, Change, NotificationChange};
use crate::metrics::Metrics;
use app::protocol::{LogServerMessage, ServerMessage, TenantServerMessage, WaServerMessage};
use chrono::Utc;
use serde::Serialize;
use std::sync::Arc;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::sync::watch;

pub async fn run(hub: Hub, mut events: broadcast::Receiver<Delivered>, mut gaps: watch::Receiver<u64>, metrics: Arc<Metrics>) {
    loop {
        tokio::select! {
            received = events.recv() => match received {
                Ok(Delivered { change, place }) => {
                    hub.enter(place);
                    // A session's change carries its commit time.
                    let committed = match &change {
                        Change::SessionStatus { at, .. } => Some(*at),
                        _ => None,
                    };
                    dispatch(&hub, change);
                    if let Some(at) = committed {
                        metrics.dispatched((Utc::now() - at).to_std().unwrap_or_default());
                    }
                }
                Err(RecvError::Lagged(missed)) => {
                    // Some events are gone: every page must resynchronise.
                    tracing::warn!(missed, "hub fell behind the bus; reconnecting every socket");
                    hub.disconnect_all();
                }
                Err(RecvError::Closed) => return,
            },
            Ok(()) = gaps.changed() => {
                tracing::warn!("the bus may have missed changes; reconnecting every socket");
                hub.disconnect_all();
            }
        }
    }
}

fn frame(message: &impl Serialize) -> Frame {
    Frame::from(serde_json::to_string(message).expect("messages serialise"))
}

fn dispatch(hub: &Hub, event: Change) {
    let (channel, frame) = match event {
        Change::Notification { tenant, audience, change, counts } => {
            let change = frame(&match change {
                NotificationChange::Created { notification } => TenantServerMessage::NewNotification { notification },
                NotificationChange::Updated { notification } => TenantServerMessage::NotificationUpdated { notification },
                NotificationChange::MarkedAllRead { user } => TenantServerMessage::NotificationsMarkedRead { user_id: user },
            });
            let count = |reader: Option<i64>| {
                frame(&TenantServerMessage::UnreadCount { count: reader.map_or(counts.wide, |u| counts.for_user(u)) })
            };
            let sent = match audience {
                Audience::Everyone => hub.send_tenant(tenant, |reader| vec![change.clone(), count(reader)]),
                Audience::User(u) => {
                    let channel = Channel::TenantUser(tenant, u);
                    hub.send(&channel, &change) + hub.send(&channel, &count(Some(u)))
                }
                Audience::Tenant => {
                    let channel = Channel::Tenant(tenant);
                    hub.send(&channel, &change) + hub.send(&channel, &count(None))
                }
            };
            tracing::debug!(%tenant, sent, "notification dispatched");
            return;
        }
        Change::DashboardRefresh { tenant, reason } => {
            let refresh = frame(&TenantServerMessage::DashboardRefresh { reason });
            hub.send_tenant(tenant, |_| vec![refresh.clone()]);
            return;
        }
        Change::Revoked { revocation } => {
            let closed = hub.revoke(&revocation);
            tracing::info!(closed, "closed sockets whose credentials were revoked");
            return;
        }
        Change::DeliveryLogMoved => (Channel::DeliveryLog, frame(&LogServerMessage::Moved {})),
        Change::Entity { tenant, room, event, data } => {
            (Channel::Room(tenant, room), frame(&TenantServerMessage::EntityUpdate { event, room, data }))
        }
        Change::SessionStatus { session_id, status, connection_id, their_label, at } => {
            if let Some(connection) = &connection_id {
                hub.link(&session_id, connection);
            }
            let message = ServerMessage::StatusUpdate { session_id: session_id.clone(), status, connection_id, their_label, timestamp: at };
            (Channel::Session(session_id), frame(&message))
        }
        Change::MessageStatus { college_id, message, at } => {
            let update = WaServerMessage::MessageStatusUpdate {
                message_id: message.message_id,
                whatsapp_message_id: message.whatsapp_message_id.clone(),
                status: message.status,
                timestamp: at,
                message,
            };
            (Channel::College(college_id), frame(&update))
        }
        Change::IncomingMessage { college_id, message } => {
            (Channel::College(college_id), frame(&WaServerMessage::IncomingMessage { message }))
        }
    };
    let sent = hub.send(&channel, &frame);
    tracing::debug!(?channel, sent, "event dispatched");
}

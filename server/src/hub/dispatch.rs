//! The hub's one task: read the bus, serialise each event once, and queue
//! the frame for every socket whose channel shows it.

use super::{Channel, Frame, Hub};
use crate::bus::Event;
use app::protocol::{ServerMessage, WaServerMessage};
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

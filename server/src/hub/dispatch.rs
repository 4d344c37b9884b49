//! The hub's one task: read the bus, serialise each event once, and queue
//! the frame for every socket that shows it.

use super::{Frame, Hub};
use crate::bus::Event;
use app::protocol::ServerMessage;
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

fn dispatch(hub: &Hub, event: Event) {
    match event {
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
            let frame = Frame::from(serde_json::to_string(&message).expect("messages serialise"));
            let sent = hub.send_to_session(&session_id, &frame);
            tracing::debug!(session_id = %session_id, %status, sent, "status update dispatched");
        }
    }
}

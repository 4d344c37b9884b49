//! From a socket's hub mailbox to its Socket.IO events, in order.
//!
//! socketioxide queues a bounded number of packets per socket: a client
//! that does not read fills it, and is disconnected, as the hub drops a
//! plain socket that falls behind. Engine.IO pings on its own, so the
//! hub's ping requests are ignored here.

use super::events;
use crate::hub::{Delivery, Hub, Mailbox};
use serde_json::json;
use socketioxide::extract::SocketRef;
use socketioxide::SendError;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Forwards the hub's frames to `socket` until either ends.
pub async fn run(socket: SocketRef, mut mailbox: Mailbox, hub: Hub, helpdesk: Arc<AtomicBool>) {
    while let Some(delivery) = mailbox.recv().await {
        match delivery {
            Delivery::Frame(frame) => {
                let (events, position) = events::of_frame(frame.as_str(), helpdesk.load(Ordering::Relaxed));
                for event in events {
                    match socket.emit(&event.name, &(event.payload, position)) {
                        Ok(()) => {}
                        Err(SendError::Socket(_)) if socket.connected() => return close(socket, "too slow: reconnect and reload"),
                        Err(err) => {
                            tracing::debug!(error = %err, "Socket.IO socket gone");
                            return;
                        }
                    }
                }
            }
            Delivery::Ping => {}
            Delivery::Revoked => return close(socket, "credentials revoked or expired"),
        }
    }
    // The hub let go: the socket left (its link is gone), the server is
    // stopping (every transport is closed, and clients reconnect), or it
    // fell behind.
    if socket.connected() && !hub.is_closing() {
        close(socket, "too slow: reconnect and reload");
    }
}

/// Tells the client why, and disconnects it.
fn close(socket: SocketRef, reason: &str) {
    tracing::debug!(reason, "closing a Socket.IO socket");
    let _ = socket.emit("error", &json!({ "success": false, "error": reason, "message": reason }));
    let _ = socket.disconnect();
}

//! From a socket's hub mailbox to its Socket.IO events, in order.
//!
//! socketioxide queues a bounded number of packets per socket: a client
//! that does not read fills it, and is disconnected, as the hub drops a
//! plain socket that falls behind. Engine.IO pings on its own, so the
//! hub's ping requests are ignored here. The bridge holds the link weakly:
//! the socket's extensions own it, and dropping it there ends the bridge.

use super::events;
use super::link::Link;
use crate::hub::{Delivery, Mailbox};
use crate::state::AppState;
use serde_json::json;
use socketioxide::extract::SocketRef;
use socketioxide::SendError;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};

/// Forwards the hub's frames to `socket` until either ends.
pub async fn run(socket: SocketRef, mut mailbox: Mailbox, state: AppState, link: Weak<Link>, helpdesk: Arc<AtomicBool>) {
    loop {
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
        // stopping (every transport is closed, and clients reconnect), or
        // the hub dropped it (it fell behind, or the hub may have missed
        // events): then it takes a new place and is told to reload.
        let Some(link) = link.upgrade().filter(|_| socket.connected() && !state.hub.is_closing()) else { return };
        mailbox = link.rejoin(&state);
        drop(link);
        tracing::debug!("a Socket.IO socket the hub let go of rejoined");
        let _ = socket.emit("dashboard-refresh", &json!({ "reason": "resync" }));
    }
}

/// Tells the client why, and disconnects it.
fn close(socket: SocketRef, reason: &str) {
    tracing::debug!(reason, "closing a Socket.IO socket");
    let _ = socket.emit("error", &json!({ "success": false, "error": reason, "message": reason }));
    let _ = socket.disconnect();
}

//! `WS /ws/whatsapp`: seed 003's protocol. The client sends
//! `{"type":"register","collegeId":K}` (once per college it shows) and gets
//! `registered`, then a `message_status_update` for every new or changed
//! outgoing message of that college and an `incoming_message` per reply.
//! After `registered`, a page reads the current list over REST: subscribing
//! first means no change slips between the two.

use super::pump::{self, text};
use crate::hub::{Channel, Registration};
use crate::state::AppState;
use app::protocol::{CollegeId, WaClientMessage, WaServerMessage};
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use chrono::Utc;

pub async fn upgrade(ws: WebSocketUpgrade, State(state): State<AppState>) -> Response {
    ws.max_message_size(pump::MAX_CLIENT_MESSAGE).on_upgrade(move |socket| serve(socket, state))
}

/// Why a subscription was refused.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error("not allowed to watch college {0}")]
    Forbidden(CollegeId),
}

/// Whether this socket may watch `college`. Every college is open until
/// staff accounts exist; then the session cookie sent on the upgrade or the
/// signed channel token in `register` decides, here and nowhere else.
fn authorize(college: &CollegeId, _token: Option<&str>) -> Result<(), Refusal> {
    let _ = college;
    Ok(())
}

async fn serve(socket: WebSocket, state: AppState) {
    let (registration, queue) = state.hub.register();
    pump::pump(socket, queue, &state.hub, |body| handle(&registration, body)).await;
}

fn handle(registration: &Registration, body: &str) -> Message {
    let reply = match serde_json::from_str::<WaClientMessage>(body) {
        Ok(WaClientMessage::Register { college_id, token }) => match authorize(&college_id, token.as_deref()) {
            Ok(()) => {
                registration.subscribe(Channel::College(college_id.clone()));
                tracing::debug!(college = %college_id, "socket registered");
                WaServerMessage::Registered {
                    message: format!("Registered for college {college_id}"),
                    college_id,
                    timestamp: Utc::now(),
                }
            }
            Err(refusal) => {
                tracing::warn!(college = %college_id, %refusal, "subscription refused");
                WaServerMessage::Error { message: refusal.to_string() }
            }
        },
        Ok(WaClientMessage::Ping) => WaServerMessage::Pong { timestamp: Utc::now() },
        Err(err) => WaServerMessage::Error { message: format!("unreadable message: {err}") },
    };
    text(&reply)
}

//! `WS /ws/whatsapp`: seed 003's protocol. The client sends
//! `{"type":"register","collegeId":K}` (once per college it shows) and gets
//! `registered`, then a `message_status_update` for every new or changed
//! outgoing message of that college and an `incoming_message` per reply.
//! After `registered`, a page reads the current list over REST: subscribing
//! first means no change slips between the two.
//!
//! Each `register` is authorised here: by the session cookie sent on the
//! upgrade (the staff member's tenants), or by a channel token for
//! `college:<id>` in the message. A refused one gets a typed error, is
//! logged, and leaves the socket usable for its other channels.

use super::pump::{self, text};
use super::SocketContext;
use crate::auth::{channel_token, Staff};
use crate::hub::{Channel, Registration};
use crate::state::AppState;
use app::protocol::{CollegeId, WaClientMessage, WaServerMessage};
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::Utc;
use std::future::Future;

pub async fn upgrade(ws: WebSocketUpgrade, headers: HeaderMap, State(state): State<AppState>) -> Response {
    super::upgrade_for_staff(ws, &headers, &state, serve).await
}

/// Why a subscription was refused.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error("not allowed to watch college {0}: sign in or send a channel token")]
    Forbidden(CollegeId),
    #[error("channel token refused: {0}")]
    Token(#[from] channel_token::TokenError),
}

/// Whether this socket may watch `college`: the signed-in staff member is a
/// member of it, or the token is a valid one for its channel.
fn authorize(state: &SocketContext, staff: Option<&Staff>, college: &CollegeId, token: Option<&str>) -> Result<(), Refusal> {
    let tenant = college.tenant().ok_or_else(|| Refusal::Forbidden(college.clone()))?;
    if staff.is_some_and(|s| s.role_in(tenant).is_some()) {
        return Ok(());
    }
    let token = token.ok_or_else(|| Refusal::Forbidden(college.clone()))?;
    let claims = channel_token::verify(token, &state.auth.channel_key, Utc::now())?;
    if claims.channel == format!("college:{tenant}") { Ok(()) } else { Err(Refusal::Forbidden(college.clone())) }
}

/// An `async move` block rather than an `async fn`, which would keep the
/// socket twice in every idle socket's task (see `connections::serve`).
fn serve(mut socket: WebSocket, staff: Option<Staff>, state: SocketContext) -> impl Future<Output = ()> + Send {
    async move {
        let (registration, mut queue) = state.hub.register();
        pump::pump(&mut socket, &mut queue, &state.hub, |body| handle(&state, staff.as_ref(), &registration, body)).await;
    }
}

fn handle(state: &SocketContext, staff: Option<&Staff>, registration: &Registration, body: &str) -> Message {
    let reply = match serde_json::from_str::<WaClientMessage>(body) {
        Ok(WaClientMessage::Register { college_id, token }) => match authorize(state, staff, &college_id, token.as_deref()) {
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
                if let Some(tenant) = college_id.tenant() {
                    super::log_refusal(state, staff, tenant, format!("socket refused for college {college_id}: {refusal}"));
                }
                WaServerMessage::Error { message: refusal.to_string() }
            }
        },
        Ok(WaClientMessage::Ping) => WaServerMessage::Pong { timestamp: Utc::now() },
        Err(err) => WaServerMessage::Error { message: format!("unreadable message: {err}") },
    };
    text(&reply)
}

//! `WS /ws/whatsapp`: seed 003's protocol. The client sends
//! `{"type":"register","collegeId":K}` (once per college it shows) and gets
//! `registered`, then a `message_status_update` for every new or changed
//! outgoing message of that college and an `incoming_message` per reply.
//! After `registered`, a page reads the current list over REST: subscribing
//! first means no change slips between the two. A page that reconnects
//! sends where it left off (`resume`) and, when `registered` says
//! `resumed`, gets the updates it missed instead of reading the list.
//!
//! Each `register` is authorised here: by the session cookie sent on the
//! upgrade (the staff member's tenants), or by a channel token for
//! `college:<id>` in the message. A refused one gets a typed error that
//! says nothing about the college and leaves the socket usable for its
//! other channels; a few refusals close it.

use super::pump::{self, close_frame, text};
use crate::auth::channel_token::{self, TokenChannel};
use crate::auth::Staff;
use crate::hub::{Channel, Grant, Registration};
use crate::limits::SocketSlot;
use crate::state::AppState;
use app::protocol::{CollegeId, TenantId, WaClientMessage, WaServerMessage};
use axum::extract::ws::{close_code, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::Utc;
use std::future::Future;
use std::net::SocketAddr;

#[utoipa::path(
    get,
    path = "/ws/whatsapp",
    operation_id = "whatsapp_socket",
    tag = "Sockets",
    responses(
        (status = 101, description = "Switched to a WebSocket: the page sends `register` per college (`WaClientMessage`, authorised by the session cookie or a `college:<id>` channel token) and receives `WaServerMessage`s"),
        crate::api::openapi::responses::SocketErrors,
    ),
    security((), ("session" = [])),
)]
pub async fn upgrade(
    ws: WebSocketUpgrade,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    State(state): State<AppState>,
) -> Response {
    super::upgrade_for_staff(ws, peer, &headers, &state, crate::limits::SocketEndpoint::WhatsApp, serve).await
}

/// Why a subscription was refused.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error("not allowed to watch this college: sign in or send a channel token")]
    Forbidden,
    #[error("channel token refused: {0}")]
    Token(#[from] channel_token::TokenError),
}

/// What holds this socket's watch of `tenant`: the signed-in staff member's
/// membership, or a valid token for its channel.
fn authorize(state: &AppState, staff: Option<&Staff>, tenant: TenantId, token: Option<&str>) -> Result<Vec<Grant>, Refusal> {
    if let Some(staff) = staff.filter(|s| s.role_in(tenant).is_some()) {
        return Ok(super::sign_in_grants(staff, tenant));
    }
    let token = token.ok_or(Refusal::Forbidden)?;
    let claims = channel_token::verify(token, &state.auth.channel_key, Utc::now())?;
    if claims.channel == TokenChannel::College(tenant) {
        Ok(claims.grants().to_vec())
    } else {
        Err(Refusal::Forbidden)
    }
}

/// An `async move` block rather than an `async fn`, which would keep the
/// socket twice in every idle socket's task (see `connections::serve`).
#[allow(clippy::manual_async_fn)]
fn serve(mut socket: WebSocket, staff: Option<Staff>, state: AppState, slot: SocketSlot) -> impl Future<Output = ()> + Send {
    async move {
        let _slot = slot;
        let (registration, mut queue) = state.hub.register();
        let mut refusals = 0u8;
        pump::pump(&mut socket, &mut queue, &state.hub, |body| handle(&state, staff.as_ref(), &registration, &mut refusals, body)).await;
    }
}

fn handle(state: &AppState, staff: Option<&Staff>, registration: &Registration, refusals: &mut u8, body: &str) -> Message {
    let reply = match serde_json::from_str::<WaClientMessage>(body) {
        Ok(WaClientMessage::Register { college_id, token, resume }) => {
            let tenant = college_id.tenant();
            match tenant.ok_or(Refusal::Forbidden).and_then(|t| authorize(state, staff, t, token.as_deref()).map(|g| (t, g))) {
                Ok((tenant, grants)) => {
                    // The tenant's own spelling, so `07` and `7` are one channel.
                    let college_id = CollegeId::from(tenant);
                    let start = super::subscribe(registration, Channel::College(college_id.clone()), grants, resume.as_ref());
                    tracing::debug!(college = %college_id, resumed = start.resumed, "socket registered");
                    WaServerMessage::Registered {
                        message: format!("Registered for college {college_id}"),
                        college_id,
                        timestamp: Utc::now(),
                        start,
                    }
                }
                Err(refusal) => {
                    tracing::debug!(college = %college_id, %refusal, "subscription refused");
                    if super::refused(state, refusals, tenant) {
                        return close_frame(close_code::POLICY, "Too many refused subscriptions");
                    }
                    WaServerMessage::Error { message: refusal.to_string() }
                }
            }
        }
        Ok(WaClientMessage::Ping) => WaServerMessage::Pong { timestamp: Utc::now() },
        Err(err) => WaServerMessage::Error { message: format!("unreadable message: {err}") },
    };
    text(&reply)
}

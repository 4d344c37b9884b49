//! `WS /ws/tenant`: a tenant's notifications, dashboard refreshes and
//! helpdesk rooms (seed 004's `join-tenant`, seed 002's rooms).
//!
//! `{"type":"join-tenant","tenantId":K}` is authorised by the session
//! cookie sent on the upgrade (the staff member then also gets their own
//! notifications) or by a channel token for `tenant:K`. `{"type":"join",
//! "room":"tickets"}` then adds a helpdesk room of that tenant. A refused
//! join gets a typed error that says nothing about the tenant; a few
//! refusals close the socket. Either join may carry `resume`, where a
//! reconnecting page left off (see `app::protocol::Resume`).

use super::pump::{self, close_frame, text};
use crate::auth::channel_token::{self, TokenChannel};
use crate::auth::Staff;
use crate::hub::{Channel, Grant, Registration};
use crate::limits::SocketSlot;
use crate::state::AppState;
use app::protocol::{TenantClientMessage, TenantId, TenantServerMessage};
use axum::extract::ws::{close_code, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::Utc;
use std::future::Future;
use std::net::SocketAddr;

#[utoipa::path(
    get,
    path = "/ws/tenant",
    operation_id = "tenant_socket",
    tag = "Sockets",
    responses(
        (status = 101, description = "Switched to a WebSocket: `join-tenant` and `join` (`TenantClientMessage`, authorised by the session cookie or a `tenant:<id>` channel token), then `TenantServerMessage`s"),
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
    super::upgrade_for_staff(ws, peer, &headers, &state, crate::limits::SocketEndpoint::Tenant, serve).await
}

/// What a socket has joined, and how often it was refused.
#[derive(Default)]
struct Joined {
    tenant: Option<TenantId>,
    refusals: u8,
}

/// An `async move` block rather than an `async fn`, which would keep the
/// socket twice in every idle socket's task (see `connections::serve`).
#[allow(clippy::manual_async_fn)]
fn serve(mut socket: WebSocket, staff: Option<Staff>, state: AppState, slot: SocketSlot) -> impl Future<Output = ()> + Send {
    async move {
        let _slot = slot;
        let (registration, mut queue) = state.hub.register();
        let mut joined = Joined::default();
        pump::pump(&mut socket, &mut queue, &state.hub, |body| handle(&state, staff.as_ref(), &registration, &mut joined, body)).await;
    }
}

/// The channel a join gives, and what holds it; or why not.
pub(crate) fn channel_for(
    state: &AppState,
    staff: Option<&Staff>,
    tenant: TenantId,
    token: Option<&str>,
) -> Result<(Channel, Vec<Grant>), String> {
    if let Some(staff) = staff.filter(|s| s.role_in(tenant).is_some()) {
        return Ok((Channel::TenantUser(tenant, staff.user_id), super::sign_in_grants(staff, tenant)));
    }
    let token = token.ok_or_else(|| "not allowed to join this tenant: sign in or send a channel token".to_owned())?;
    let claims = channel_token::verify(token, &state.auth.channel_key, Utc::now()).map_err(|e| format!("channel token refused: {e}"))?;
    if claims.channel == TokenChannel::Tenant(tenant) {
        Ok((Channel::Tenant(tenant), claims.grants().to_vec()))
    } else {
        Err("the token is not for this tenant".into())
    }
}

fn handle(state: &AppState, staff: Option<&Staff>, registration: &Registration, joined: &mut Joined, body: &str) -> Message {
    let reply = match serde_json::from_str::<TenantClientMessage>(body) {
        Ok(TenantClientMessage::JoinTenant { tenant_id, token, resume }) => match channel_for(state, staff, tenant_id, token.as_deref()) {
            Ok((channel, grants)) => {
                let start = super::subscribe(registration, channel, grants, resume.as_ref());
                joined.tenant = Some(tenant_id);
                TenantServerMessage::Joined { tenant_id, room: None, start }
            }
            Err(message) => {
                tracing::debug!(tenant = %tenant_id, %message, "tenant subscription refused");
                if super::refused(state, &mut joined.refusals, Some(tenant_id)) {
                    return close_frame(close_code::POLICY, "Too many refused subscriptions");
                }
                TenantServerMessage::Error { message }
            }
        },
        Ok(TenantClientMessage::Join { room, resume }) => match joined.tenant {
            Some(tenant) => {
                let start = registration.subscribe_from(Channel::Room(tenant, room), resume.as_ref());
                TenantServerMessage::Joined { tenant_id: tenant, room: Some(room), start }
            }
            None => TenantServerMessage::Error { message: "join a tenant first".into() },
        },
        Ok(TenantClientMessage::Ping) => TenantServerMessage::Pong { timestamp: Utc::now() },
        Err(err) => TenantServerMessage::Error { message: format!("unreadable message: {err}") },
    };
    text(&reply)
}

//! `WS /ws/tenant`: a tenant's notifications, dashboard refreshes and
//! helpdesk rooms (seed 004's `join-tenant`, seed 002's rooms).
//!
//! `{"type":"join-tenant","tenantId":K}` is authorised by the session
//! cookie sent on the upgrade (the staff member then also gets their own
//! notifications) or by a channel token for `tenant:K`. `{"type":"join",
//! "room":"tickets"}` then adds a helpdesk room of that tenant.

use super::pump::{self, text};
use super::SocketContext;
use crate::auth::{channel_token, Staff};
use crate::hub::{Channel, Registration};
use crate::state::AppState;
use app::protocol::{TenantClientMessage, TenantId, TenantServerMessage};
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::Utc;
use std::future::Future;

pub async fn upgrade(ws: WebSocketUpgrade, headers: HeaderMap, State(state): State<AppState>) -> Response {
    super::upgrade_for_staff(ws, &headers, &state, serve).await
}

/// An `async move` block rather than an `async fn`, which would keep the
/// socket twice in every idle socket's task (see `connections::serve`).
fn serve(mut socket: WebSocket, staff: Option<Staff>, state: SocketContext) -> impl Future<Output = ()> + Send {
    async move {
        let (registration, mut queue) = state.hub.register();
        let mut joined: Option<TenantId> = None;
        pump::pump(&mut socket, &mut queue, &state.hub, |body| handle(&state, staff.as_ref(), &registration, &mut joined, body)).await;
    }
}

/// The channel a join gives, or why not.
fn channel_for(state: &SocketContext, staff: Option<&Staff>, tenant: TenantId, token: Option<&str>) -> Result<Channel, String> {
    if let Some(staff) = staff.filter(|s| s.role_in(tenant).is_some()) {
        return Ok(Channel::TenantUser(tenant, staff.user_id));
    }
    let token = token.ok_or_else(|| format!("not allowed to join tenant {tenant}: sign in or send a channel token"))?;
    let claims = channel_token::verify(token, &state.auth.channel_key, Utc::now()).map_err(|e| format!("channel token refused: {e}"))?;
    if claims.channel == format!("tenant:{tenant}") {
        Ok(Channel::Tenant(tenant))
    } else {
        Err(format!("the token is not for tenant {tenant}"))
    }
}

fn handle(state: &SocketContext, staff: Option<&Staff>, registration: &Registration, joined: &mut Option<TenantId>, body: &str) -> Message {
    let reply = match serde_json::from_str::<TenantClientMessage>(body) {
        Ok(TenantClientMessage::JoinTenant { tenant_id, token }) => match channel_for(state, staff, tenant_id, token.as_deref()) {
            Ok(channel) => {
                registration.subscribe(channel);
                *joined = Some(tenant_id);
                TenantServerMessage::Joined { tenant_id, room: None }
            }
            Err(message) => {
                tracing::warn!(tenant = %tenant_id, %message, "tenant subscription refused");
                super::log_refusal(state, staff, tenant_id, format!("socket refused for tenant {tenant_id}: {message}"));
                TenantServerMessage::Error { message }
            }
        },
        Ok(TenantClientMessage::Join { room }) => match *joined {
            Some(tenant) => {
                registration.subscribe(Channel::Room(tenant, room));
                TenantServerMessage::Joined { tenant_id: tenant, room: Some(room) }
            }
            None => TenantServerMessage::Error { message: "join a tenant first".into() },
        },
        Ok(TenantClientMessage::Ping) => TenantServerMessage::Pong { timestamp: Utc::now() },
        Err(err) => TenantServerMessage::Error { message: format!("unreadable message: {err}") },
    };
    text(&reply)
}

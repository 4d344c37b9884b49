//! WebSocket endpoints, on one shared loop ([`pump`]).
//!
//! Every upgrade takes a slot under the socket caps (global and per client
//! address) before it is accepted. A session cookie counts only when the
//! upgrade comes from this site's own origin, so another site cannot open a
//! socket as a signed-in staff member. What let a socket in is recorded in
//! the hub as grants, and revoking one closes the socket.

pub mod connections;
pub mod deliveries;
mod pump;
pub mod tenant;
pub mod whatsapp;

pub use pump::PING_EVERY;

use crate::auth::Staff;
use crate::hub::{Channel, Grant, Registration};
use crate::limits::{SlotRefused, SocketEndpoint, SocketSlot};
use crate::state::AppState;
use app::protocol::{Resume, StreamStart, TenantId};
use axum::extract::ws::{WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use std::future::Future;
use std::net::SocketAddr;

/// Refused subscriptions a socket may make before it is closed.
const MAX_REFUSALS: u8 = 5;

/// A slot under the socket caps for a new socket from `peer`, or the answer
/// that refuses it (rare, so its size does not matter).
#[allow(clippy::result_large_err)]
fn take_slot(state: &AppState, peer: SocketAddr, headers: &HeaderMap, endpoint: SocketEndpoint) -> Result<SocketSlot, Response> {
    state.limits.sockets.acquire(state.client_ip(peer, headers), endpoint).map_err(|refused| {
        let status = match refused {
            SlotRefused::Full => StatusCode::SERVICE_UNAVAILABLE,
            SlotRefused::TooManyFromAddress => StatusCode::TOO_MANY_REQUESTS,
        };
        tracing::debug!(%refused, "socket refused");
        (status, axum::Json(serde_json::json!({ "success": false, "error": refused.to_string() }))).into_response()
    })
}

/// Upgrades a socket whose page may be signed in: the staff member from the
/// session cookie (if any, and if sent from this site) goes to `serve`.
async fn upgrade_for_staff<Fut>(
    ws: WebSocketUpgrade,
    peer: SocketAddr,
    headers: &HeaderMap,
    state: &AppState,
    endpoint: SocketEndpoint,
    serve: fn(WebSocket, Option<Staff>, AppState, SocketSlot) -> Fut,
) -> Response
where
    Fut: Future<Output = ()> + Send + 'static,
{
    let slot = match take_slot(state, peer, headers, endpoint) {
        Ok(slot) => slot,
        Err(refused) => return refused,
    };
    let staff = if crate::cors::from_this_site(headers) {
        match Staff::from_cookie(headers, state).await {
            Ok(staff) => staff,
            Err(err) => return err.into_response(),
        }
    } else {
        tracing::debug!("cross-origin socket: the session cookie is ignored");
        None
    };
    let state = state.clone();
    pump::configure(ws).on_upgrade(move |socket| serve(socket, staff, state, slot))
}

/// What holds a channel a staff member's cookie opened in `tenant`: the
/// membership and the sign-in. Removing the member, logging out, or the
/// sign-in's end closes the socket.
pub(crate) fn sign_in_grants(staff: &Staff, tenant: TenantId) -> Vec<Grant> {
    vec![Grant::Member(tenant, staff.user_id), Grant::Session(staff.token_hash.clone()), Grant::Until(staff.expires_at.timestamp())]
}

/// Subscribes the socket to `channel`, held by `grants`, resuming at
/// `resume` if the hub still can.
pub(crate) fn subscribe(registration: &Registration, channel: Channel, grants: Vec<Grant>, resume: Option<&Resume>) -> StreamStart {
    for grant in grants {
        registration.grant(grant);
    }
    registration.subscribe_from(channel, resume)
}

/// Counts a refused subscription: logged per tenant in aggregate, and the
/// socket is closed once it has made [`MAX_REFUSALS`].
pub(crate) fn refused(state: &AppState, refusals: &mut u8, tenant: Option<TenantId>) -> bool {
    if let Some(tenant) = tenant {
        state.limits.refusals.socket_refused(tenant);
    }
    *refusals = refusals.saturating_add(1);
    *refusals >= MAX_REFUSALS
}

//! `WS /ws/deliveries`: the delivery log, live, for operators. The upgrade
//! is authorised by an operator's session cookie sent from this site
//! (anyone else gets 401 or 403 and no socket). The socket is told
//! `watching` at once, then `moved` whenever deliveries arrived or changed
//! status (a burst coalesced, see `process::log_feed`), and the page reads
//! the log again with its own filters. Logging out or the sign-in's end
//! closes it.

use super::pump::{self, text};
use crate::auth::Staff;
use crate::error::ApiError;
use crate::hub::{Channel, Grant};
use crate::limits::{SocketEndpoint, SocketSlot};
use crate::state::AppState;
use app::protocol::{LogClientMessage, LogServerMessage};
use axum::extract::ws::WebSocket;
use axum::extract::{ConnectInfo, State, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use std::future::Future;
use std::net::SocketAddr;

#[utoipa::path(
    get,
    path = "/ws/deliveries",
    operation_id = "delivery_log_socket",
    tag = "Sockets",
    responses(
        (status = 101, description = "Switched to a WebSocket: the server sends `watching` (`LogServerMessage`), then `moved` whenever deliveries arrive or change status, a burst told at once and then at most every 250 ms; the page then reads `/api/admin/webhook-deliveries` again. The page sends only `ping`."),
        (status = 401, response = crate::api::openapi::responses::Unauthorized),
        (status = 403, response = crate::api::openapi::responses::Forbidden),
        crate::api::openapi::responses::SocketErrors,
    ),
    security(("session" = [])),
)]
pub async fn upgrade(
    ws: WebSocketUpgrade,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    State(state): State<AppState>,
) -> Response {
    // The caps first, as every socket: a flood is refused before any read.
    let slot = match super::take_slot(&state, peer, &headers, SocketEndpoint::Deliveries) {
        Ok(slot) => slot,
        Err(refused) => return refused,
    };
    let staff = match operator(&headers, &state).await {
        Ok(staff) => staff,
        Err(refused) => return refused.into_response(),
    };
    pump::configure(ws).on_upgrade(move |socket| serve(socket, staff, state, slot))
}

/// The operator signed in on this site, or why the socket is refused.
async fn operator(headers: &HeaderMap, state: &AppState) -> Result<Staff, ApiError> {
    if !crate::cors::from_this_site(headers) {
        return Err(ApiError::Forbidden("operators only"));
    }
    Staff::from_cookie(headers, state).await?.ok_or(ApiError::Unauthorized)?.operator()
}

/// An `async move` block rather than an `async fn`, which would keep the
/// socket twice in its task (see `connections::serve`).
#[allow(clippy::manual_async_fn)]
fn serve(mut socket: WebSocket, staff: Staff, state: AppState, slot: SocketSlot) -> impl Future<Output = ()> + Send {
    async move {
        let _slot = slot;
        let (registration, mut queue) = state.hub.register();
        // Subscribed before `watching`: a move after it is never missed.
        let grants = vec![Grant::Session(staff.token_hash.clone()), Grant::Until(staff.expires_at.timestamp())];
        super::subscribe(&registration, Channel::DeliveryLog, grants, None);
        drop(staff);
        if !pump::send(&mut socket, text(&LogServerMessage::Watching { timestamp: Utc::now() })).await {
            return;
        }
        pump::pump(&mut socket, &mut queue, &state.hub, |body| {
            let reply = match serde_json::from_str::<LogClientMessage>(body) {
                Ok(LogClientMessage::Ping) => LogServerMessage::Pong { timestamp: Utc::now() },
                Err(err) => LogServerMessage::Error { message: format!("unreadable message: {err}") },
            };
            text(&reply)
        })
        .await;
        drop(registration);
    }
}

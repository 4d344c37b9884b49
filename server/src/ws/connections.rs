//! `WS /ws/connections?sessionId=…`: one session's live status.
//!
//! The socket subscribes to its session *before* reading it, so no change
//! can slip between the snapshot and the stream; the first message is
//! `connected` with the current state, then a `status_update` per change.
//! A page that reconnects adds `&epoch=…&offset=…` from where it left off;
//! when `connected` says `resumed`, the updates it missed follow.

use super::pump::{self, close, text};
use crate::hub::Channel;
use crate::limits::SocketSlot;
use crate::state::AppState;
use crate::store::OPEN_STATUSES;
use app::protocol::{ClientMessage, Epoch, Resume, ServerMessage, SessionId, StreamStart};
use axum::extract::ws::{close_code, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::Utc;
use serde::Deserialize;
use std::future::Future;
use std::net::SocketAddr;

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct SocketQuery {
    session_id: Option<String>,
    /// Where a reconnecting page left off (both or neither).
    epoch: Option<Epoch>,
    offset: Option<u64>,
}

impl SocketQuery {
    /// Boxed: the socket's task keeps it as long as it lives, and most
    /// sockets have none.
    fn resume(&self) -> Option<Box<Resume>> {
        Some(Box::new(Resume { epoch: self.epoch?, offset: self.offset? }))
    }
}

#[utoipa::path(
    get,
    path = "/ws/connections",
    operation_id = "connections_socket",
    tag = "Sockets",
    params(SocketQuery),
    responses(
        (status = 101, description = "Switched to a WebSocket: `connected`, then a `status_update` per change (`ServerMessage`); the page sends `ping` (`ClientMessage`)"),
        crate::api::openapi::responses::SocketErrors,
    ),
)]
pub async fn upgrade(
    ws: WebSocketUpgrade,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(query): Query<SocketQuery>,
    State(state): State<AppState>,
) -> Response {
    let slot = match super::take_slot(&state, peer, &headers, crate::limits::SocketEndpoint::Connections) {
        Ok(slot) => slot,
        Err(refused) => return refused,
    };
    let resume = query.resume();
    pump::configure(ws).on_upgrade(move |socket| serve(socket, query.session_id.filter(|s| !s.is_empty()), resume, state, slot))
}

/// Not an `async fn`: an async fn keeps each argument twice in its future
/// (once as passed, once as its local), and the socket is the largest thing
/// an idle socket's task holds. An `async move` block keeps one copy.
#[allow(clippy::manual_async_fn)]
fn serve(
    mut socket: WebSocket,
    session_id: Option<String>,
    resume: Option<Box<Resume>>,
    state: AppState,
    slot: SocketSlot,
) -> impl Future<Output = ()> + Send {
    async move {
        let _slot = slot;
        let Some(session_id) = session_id.map(SessionId::new) else {
            return close(&mut socket, close_code::POLICY, "Session ID required").await;
        };
        let (registration, mut queue) = state.hub.register();
        let start = registration.subscribe_from(Channel::Session(session_id.clone()), resume.as_deref());
        let hello = match hello(&state, &session_id, start).await {
            Ok(hello) => hello,
            Err((code, reason)) => return close(&mut socket, code, reason).await,
        };
        if !pump::send(&mut socket, hello).await {
            return;
        }
        tracing::debug!(%session_id, "socket connected");
        drop(session_id);
        pump::pump(&mut socket, &mut queue, &state.hub, |body| {
            let reply = match serde_json::from_str::<ClientMessage>(body) {
                Ok(ClientMessage::Ping) => ServerMessage::Pong { timestamp: Utc::now() },
                Err(err) => ServerMessage::Error { message: format!("unreadable message: {err}") },
            };
            text(&reply)
        })
        .await;
        drop(registration);
    }
}

/// The `connected` message with the session's current state, or why the
/// socket must close. Its own function, so that nothing read for it stays in
/// the socket's memory while the socket lives.
async fn hello(state: &AppState, session_id: &SessionId, start: StreamStart) -> Result<Message, (u16, &'static str)> {
    let session = match state.store.session(session_id).await {
        Ok(Some(session)) => session,
        Ok(None) => return Err((close_code::POLICY, "Unknown session")),
        Err(err) => {
            tracing::error!(error = %err, "could not read session for socket");
            return Err((close_code::ERROR, "Try again"));
        }
    };
    if let Some(connection) = &session.connection_id {
        state.hub.link(session_id, connection);
    }
    // A page back after a long gap: its webhooks may have been lost
    // meanwhile, so ask the platform now rather than at the next pass.
    let quiet_for = (Utc::now() - session.updated_at).to_std().unwrap_or_default();
    if OPEN_STATUSES.contains(&session.status) && quiet_for >= state.settings.reconcile_after {
        state.reconcile.check(session_id.clone());
    }
    Ok(text(&ServerMessage::Connected {
        session_id: session.session_id,
        status: session.status,
        connection_id: session.connection_id,
        their_label: session.their_label,
        message: "Connected to connection status updates".into(),
        timestamp: Utc::now(),
        start,
    }))
}

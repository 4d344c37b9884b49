//! `WS /ws/connections?sessionId=…`: one session's live status.
//!
//! The socket subscribes to its session *before* reading it, so no change
//! can slip between the snapshot and the stream; the first message is
//! `connected` with the current state, then a `status_update` per change.

use super::pump::{self, close, text};
use crate::hub::Channel;
use crate::state::AppState;
use app::protocol::{ClientMessage, ServerMessage, SessionId};
use axum::extract::ws::{close_code, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::Utc;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SocketQuery {
    session_id: Option<String>,
}

pub async fn upgrade(ws: WebSocketUpgrade, Query(query): Query<SocketQuery>, State(state): State<AppState>) -> Response {
    pump::configure(ws)
        .on_upgrade(move |socket| serve(socket, query.session_id.filter(|s| !s.is_empty()), state))
}

async fn serve(mut socket: WebSocket, session_id: Option<String>, state: AppState) {
    let Some(session_id) = session_id.map(SessionId::new) else {
        return close(socket, close_code::POLICY, "Session ID required").await;
    };
    let (registration, queue) = state.hub.register();
    registration.subscribe(Channel::Session(session_id.clone()));
    let session = match state.store.session(&session_id).await {
        Ok(Some(session)) => session,
        Ok(None) => return close(socket, close_code::POLICY, "Unknown session").await,
        Err(err) => {
            tracing::error!(error = %err, "could not read session for socket");
            return close(socket, close_code::ERROR, "Try again").await;
        }
    };
    if let Some(connection) = &session.connection_id {
        state.hub.link(&session_id, connection);
    }
    let hello = ServerMessage::Connected {
        session_id: session.session_id,
        status: session.status,
        connection_id: session.connection_id,
        their_label: session.their_label,
        message: "Connected to connection status updates".into(),
        timestamp: Utc::now(),
    };
    if socket.send(text(&hello)).await.is_err() {
        return;
    }
    tracing::debug!(%session_id, "socket connected");
    pump::pump(socket, queue, &state.hub, |body| {
        let reply = match serde_json::from_str::<ClientMessage>(body) {
            Ok(ClientMessage::Ping) => ServerMessage::Pong { timestamp: Utc::now() },
            Err(err) => ServerMessage::Error { message: format!("unreadable message: {err}") },
        };
        text(&reply)
    })
    .await;
    drop(registration);
    tracing::debug!(%session_id, "socket closed");
}

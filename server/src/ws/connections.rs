//! `WS /ws/connections?sessionId=…`: one session's live status.
//!
//! The socket registers with the hub *before* reading the session, so no
//! change can slip between the snapshot and the stream; the first message is
//! `connected` with the current state, then a `status_update` per change.
//! The server pings every [`PING_EVERY`] and drops a peer silent for
//! [`DEAD_AFTER`]; clients may also send `{"type":"ping"}`.

use crate::state::AppState;
use app::protocol::{ClientMessage, ServerMessage, SessionId};
use axum::extract::ws::{close_code, CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::Utc;
use serde::Deserialize;
use std::time::Duration;
use tokio::time::Instant;

const PING_EVERY: Duration = Duration::from_secs(20);
const DEAD_AFTER: Duration = Duration::from_secs(60);
/// Clients only ever send small control messages.
const MAX_CLIENT_MESSAGE: usize = 4 * 1024;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SocketQuery {
    session_id: Option<String>,
}

pub async fn upgrade(ws: WebSocketUpgrade, Query(query): Query<SocketQuery>, State(state): State<AppState>) -> Response {
    ws.max_message_size(MAX_CLIENT_MESSAGE)
        .on_upgrade(move |socket| serve(socket, query.session_id.filter(|s| !s.is_empty()), state))
}

fn text(message: &ServerMessage) -> Message {
    Message::Text(Utf8Bytes::from(serde_json::to_string(message).expect("messages serialise")))
}

async fn close(mut socket: WebSocket, code: u16, reason: &'static str) {
    let _ = socket.send(Message::Close(Some(CloseFrame { code, reason: Utf8Bytes::from_static(reason) }))).await;
}

async fn serve(mut socket: WebSocket, session_id: Option<String>, state: AppState) {
    let Some(session_id) = session_id.map(SessionId::new) else {
        return close(socket, close_code::POLICY, "Session ID required").await;
    };
    let (_registration, mut queue) = state.hub.register(&session_id);
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

    let mut ping = tokio::time::interval_at(Instant::now() + PING_EVERY, PING_EVERY);
    let mut last_heard = Instant::now();
    loop {
        tokio::select! {
            frame = queue.recv() => match frame {
                Some(frame) => {
                    if socket.send(Message::Text(frame)).await.is_err() {
                        break;
                    }
                }
                None if state.hub.is_closing() => return close(socket, close_code::AWAY, "Server restarting").await,
                None => return close(socket, close_code::AGAIN, "Too slow; reconnect").await,
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Text(body))) => {
                    last_heard = Instant::now();
                    let reply = match serde_json::from_str::<ClientMessage>(body.as_str()) {
                        Ok(ClientMessage::Ping) => ServerMessage::Pong { timestamp: Utc::now() },
                        Err(err) => ServerMessage::Error { message: format!("unreadable message: {err}") },
                    };
                    if socket.send(text(&reply)).await.is_err() {
                        break;
                    }
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => last_heard = Instant::now(),
            },
            _ = ping.tick() => {
                if last_heard.elapsed() > DEAD_AFTER {
                    tracing::debug!(%session_id, "dropping a silent socket");
                    break;
                }
                if socket.send(Message::Ping(Default::default())).await.is_err() {
                    break;
                }
            }
        }
    }
    tracing::debug!(%session_id, "socket closed");
}

//! A WebSocket that keeps itself alive: it reconnects with exponential
//! backoff and jitter (or after the delay the server suggested when it
//! closed the socket), detects a silent server with an application-level
//! ping, and stops for good when the server refuses the subscription (close
//! code 1008) or when its owner drops the handle.
//!
//! Every (re)connect sends the greeting again, and the server's first
//! answer marks the link live. The one thing it remembers is where the page
//! left off: the epoch and offset of the first answer, then the offset of
//! every frame. A reconnect sends them back (`resume`, see
//! [`crate::protocol::Resume`]); the server then sends what the page
//! missed, or says it cannot (`resumed: false`) and the page re-reads the
//! current state, as on its first visit.

#[cfg(test)]
use crate::protocol::Epoch;
use crate::protocol::{ClientMessage, LogServerMessage, Position, Resume, ServerMessage, TenantServerMessage, WaServerMessage};
use futures::channel::oneshot;
use futures::future::Fuse;
use futures::{select, FutureExt, SinkExt, StreamExt};
use gloo_net::websocket::{futures::WebSocket, Message, WebSocketError};
use gloo_timers::future::TimeoutFuture;
use serde::de::DeserializeOwned;

/// How a page describes its live link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkState {
    /// No socket wanted yet.
    Idle,
    /// First attempt under way.
    Connecting,
    /// Connected and caught up.
    Live,
    /// Lost; trying again.
    Reconnecting,
    /// The server refused the subscription; trying again would not help.
    Refused,
}

impl LinkState {
    pub fn label(self) -> &'static str {
        match self {
            Self::Idle => "Not connected",
            Self::Connecting => "Connecting…",
            Self::Live => "Live",
            Self::Reconnecting => "Reconnecting…",
            Self::Refused => "Offline",
        }
    }

    pub fn css_class(self) -> &'static str {
        match self {
            Self::Live => "dot dot-live",
            Self::Connecting | Self::Reconnecting => "dot dot-pending",
            Self::Idle | Self::Refused => "dot dot-down",
        }
    }
}

/// Send a ping when the server has been quiet this long.
const HEARTBEAT_MS: u32 = 15_000;
/// Give up on a connection when nothing was heard for this long.
const DEAD_AFTER_MS: f64 = 40_000.0;
/// Backoff bounds for reconnect attempts.
const BACKOFF_BASE_MS: f64 = 250.0;
const BACKOFF_CAP_MS: f64 = 10_000.0;
/// WebSocket close code for a refused subscription (policy violation).
const CLOSE_POLICY: u16 = 1008;
/// The longest server-suggested delay a page honours.
const RETRY_AFTER_CAP_MS: u32 = 30_000;

/// A protocol a live socket speaks: which server message means "caught up".
pub trait LiveMessage: DeserializeOwned + 'static {
    fn is_ready(&self) -> bool;
}

impl LiveMessage for ServerMessage {
    fn is_ready(&self) -> bool {
        matches!(self, ServerMessage::Connected { .. })
    }
}

impl LiveMessage for TenantServerMessage {
    fn is_ready(&self) -> bool {
        matches!(self, TenantServerMessage::Joined { room: None, .. })
    }
}

impl LiveMessage for WaServerMessage {
    fn is_ready(&self) -> bool {
        matches!(self, WaServerMessage::Registered { .. })
    }
}

impl LiveMessage for LogServerMessage {
    fn is_ready(&self) -> bool {
        matches!(self, LogServerMessage::Watching { .. })
    }
}

/// Owns the background task; dropping it closes the socket.
pub struct LiveSocket {
    stop: Option<oneshot::Sender<()>>,
}

impl Drop for LiveSocket {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Opens `url`, sends the `greeting` messages on every (re)connect, and
/// keeps it open until the returned handle is dropped.
pub fn open_live_socket<M: LiveMessage>(
    url: String,
    greeting: Vec<String>,
    on_message: impl Fn(M) + 'static,
    on_link: impl Fn(LinkState) + 'static,
) -> LiveSocket {
    let (stop_tx, stop_rx) = oneshot::channel();
    let target = Target { url, greeting };
    leptos::task::spawn_local(run(target, on_message, on_link, stop_rx));
    LiveSocket { stop: Some(stop_tx) }
}

struct Target {
    url: String,
    greeting: Vec<String>,
}

enum Outcome {
    Stopped,
    Refused,
    Dropped { was_live: bool, retry_after_ms: Option<u32> },
}

impl Outcome {
    fn dropped(was_live: bool) -> Self {
        Self::Dropped { was_live, retry_after_ms: None }
    }
}

async fn run<M: LiveMessage>(target: Target, on_message: impl Fn(M), on_link: impl Fn(LinkState), stop: oneshot::Receiver<()>) {
    let mut stop = stop.fuse();
    let mut attempt: i32 = 0;
    let mut left_off = None;
    on_link(LinkState::Connecting);
    loop {
        let suggested = match connect_once(&target, &mut left_off, &on_message, &on_link, &mut stop).await {
            Outcome::Stopped => return,
            Outcome::Refused => return on_link(LinkState::Refused),
            Outcome::Dropped { was_live, retry_after_ms } => {
                if was_live {
                    attempt = 0;
                }
                retry_after_ms
            }
        };
        on_link(LinkState::Reconnecting);
        let delay = suggested.unwrap_or_else(|| backoff_ms(attempt));
        attempt = attempt.saturating_add(1);
        select! {
            _ = TimeoutFuture::new(delay).fuse() => {},
            _ = stop => return,
        }
    }
}

/// Full jitter: a random delay up to the capped exponential bound, so a
/// thousand pages that lost the same server do not return in lockstep.
fn backoff_ms(attempt: i32) -> u32 {
    let bound = (BACKOFF_BASE_MS * 2f64.powi(attempt.min(16))).min(BACKOFF_CAP_MS);
    (bound * (0.5 + js_sys::Math::random() / 2.0)) as u32
}

/// The delay in a close reason such as "Server restarting; retry after
/// 1200 ms", capped.
fn retry_after_ms(reason: &str) -> Option<u32> {
    let (_, rest) = reason.split_once("retry after ")?;
    let ms: u32 = rest.strip_suffix(" ms")?.parse().ok()?;
    Some(ms.min(RETRY_AFTER_CAP_MS))
}

/// `url` with where the page left off in its query (for a socket that
/// subscribes by its URL).
fn url_resuming(url: &str, left_off: Option<&Resume>) -> String {
    match left_off {
        Some(r) => format!("{url}{}epoch={}&offset={}", if url.contains('?') { '&' } else { '?' }, r.epoch, r.offset),
        None => url.to_owned(),
    }
}

/// `greeting` (a JSON object) with where the page left off added.
fn greeting_resuming(greeting: &str, left_off: Option<&Resume>) -> String {
    let Some(resume) = left_off else { return greeting.to_owned() };
    match serde_json::from_str::<serde_json::Value>(greeting) {
        Ok(serde_json::Value::Object(mut fields)) => {
            fields.insert("resume".into(), serde_json::to_value(resume).expect("serialises"));
            serde_json::Value::Object(fields).to_string()
        }
        _ => greeting.to_owned(),
    }
}

/// Notes where a frame leaves the page: the first answer of a connection
/// sets epoch and offset (later answers on it do not: frames sent before
/// them may still be on the way), every other frame moves the offset on.
fn note_position(text: &str, left_off: &mut Option<Resume>, answered: &mut bool) {
    let position = Position::of(text);
    match (position.epoch, position.offset) {
        (Some(epoch), Some(offset)) if !*answered => {
            *answered = true;
            *left_off = Some(Resume { epoch, offset });
        }
        (None, Some(offset)) => {
            if let Some(resume) = left_off.as_mut() {
                resume.offset = resume.offset.max(offset);
            }
        }
        _ => {}
    }
}

async fn connect_once<M: LiveMessage>(
    target: &Target,
    left_off: &mut Option<Resume>,
    on_message: &impl Fn(M),
    on_link: &impl Fn(LinkState),
    mut stop: &mut Fuse<oneshot::Receiver<()>>,
) -> Outcome {
    let Ok(socket) = WebSocket::open(&url_resuming(&target.url, left_off.as_ref())) else {
        return Outcome::dropped(false);
    };
    let (mut tx, mut rx) = socket.split();
    for greeting in &target.greeting {
        if tx.send(Message::Text(greeting_resuming(greeting, left_off.as_ref()))).await.is_err() {
            return Outcome::dropped(false);
        }
    }
    let mut answered = false;
    let ping = serde_json::to_string(&ClientMessage::Ping).expect("ping serialises");
    let mut last_heard = js_sys::Date::now();
    let mut was_live = false;
    loop {
        let mut tick = TimeoutFuture::new(HEARTBEAT_MS).fuse();
        select! {
            msg = rx.next().fuse() => match msg {
                Some(Ok(Message::Text(text))) => {
                    last_heard = js_sys::Date::now();
                    note_position(&text, left_off, &mut answered);
                    match serde_json::from_str::<M>(&text) {
                        Ok(msg) => {
                            if msg.is_ready() {
                                was_live = true;
                                on_link(LinkState::Live);
                            }
                            on_message(msg);
                        }
                        Err(err) => leptos::logging::warn!("ignoring unreadable message: {err}"),
                    }
                }
                Some(Ok(Message::Bytes(_))) => last_heard = js_sys::Date::now(),
                Some(Err(WebSocketError::ConnectionClose(close))) if close.code == CLOSE_POLICY => {
                    return Outcome::Refused;
                }
                Some(Err(WebSocketError::ConnectionClose(close))) => {
                    return Outcome::Dropped { was_live, retry_after_ms: retry_after_ms(&close.reason) };
                }
                _ => return Outcome::dropped(was_live),
            },
            _ = tick => {
                if js_sys::Date::now() - last_heard > DEAD_AFTER_MS {
                    return Outcome::dropped(was_live);
                }
                if tx.send(Message::Text(ping.clone())).await.is_err() {
                    return Outcome::dropped(was_live);
                }
            },
            _ = stop => {
                let _ = tx.close().await;
                return Outcome::Stopped;
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_suggested_delay() {
        assert_eq!(retry_after_ms("Too slow; retry after 1200 ms"), Some(1200));
        assert_eq!(retry_after_ms("Server restarting; retry after 99999 ms"), Some(RETRY_AFTER_CAP_MS));
        assert_eq!(retry_after_ms("Too slow"), None);
        assert_eq!(retry_after_ms("retry after soon"), None);
    }

    #[test]
    fn resumes_from_the_first_answer_then_the_newest_frame() {
        let (mut left_off, mut answered) = (None, false);
        note_position(r#"{"type":"status_update","offset":3}"#, &mut left_off, &mut answered);
        assert_eq!(left_off, None, "nothing to resume before an answer");
        note_position(r#"{"type":"registered","epoch":"00000000000000e1","offset":10,"resumed":false}"#, &mut left_off, &mut answered);
        note_position(r#"{"type":"message_status_update","offset":12}"#, &mut left_off, &mut answered);
        note_position(r#"{"type":"joined","epoch":"00000000000000e1","offset":40}"#, &mut left_off, &mut answered);
        note_position(r#"{"type":"pong"}"#, &mut left_off, &mut answered);
        let resume = Resume { epoch: Epoch(0xe1), offset: 12 };
        assert_eq!(left_off.as_ref(), Some(&resume));
        assert_eq!(
            url_resuming("/ws/connections?sessionId=s", Some(&resume)),
            "/ws/connections?sessionId=s&epoch=00000000000000e1&offset=12"
        );
        assert_eq!(url_resuming("/ws/whatsapp", None), "/ws/whatsapp");
        let greeting = greeting_resuming(r#"{"type":"register","collegeId":"1"}"#, Some(&resume));
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&greeting).unwrap(),
            serde_json::json!({"type": "register", "collegeId": "1", "resume": {"epoch": "00000000000000e1", "offset": 12}})
        );
    }
}

//! The loop every live socket runs: forward queued frames, answer the
//! client's messages, ping, and notice a dead peer.
//!
//! The hub's heartbeat asks every socket to ping its peer each
//! [`PING_EVERY`]; a peer silent for [`DEAD_AFTER`] is dropped (browsers
//! answer pings on their own). When the hub closes the socket's queue, the
//! socket is closed with "going away" at shutdown, "policy" when its
//! credentials were revoked, or "try again" when it fell behind; its page
//! reconnects and resyncs. A peer that does not take a write within
//! [`WRITE_TIMEOUT`] is dropped, and a client sending more than a page ever
//! does is closed too.
//!
//! "Going away" and "try again" carry a suggested delay ("retry after N
//! ms"), random for each socket: pages dropped together (a restart, a hub
//! that fell behind) come back spread out, not all at once.

use crate::hub::{Delivery, Hub, Mailbox};
use axum::extract::ws::{close_code, CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use futures_util::{Sink, SinkExt};
use rand::Rng;
use serde::Serialize;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::Instant;

/// How often the hub asks every socket to ping its peer.
pub const PING_EVERY: Duration = Duration::from_secs(20);
const DEAD_AFTER: Duration = Duration::from_secs(60);
/// A peer that has not taken one write in this long does not read.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// The range of the reconnect delay a closed page is told to wait.
const RETRY_AFTER_MS: std::ops::RangeInclusive<u64> = 250..=5_000;
/// Clients only ever send small control messages.
pub const MAX_CLIENT_MESSAGE: usize = 4 * 1024;
/// Messages a client may send in a burst, and per second after it: a page
/// sends a few joins and a ping now and then.
const BURST: f32 = 20.0;
const PER_SECOND: f32 = 10.0;

/// Socket buffers sized for what a page does: small control messages in,
/// small JSON updates out. The library's defaults (128 KiB each way) would
/// make every idle socket cost a quarter of a megabyte; the read buffer is
/// allocated up front for every socket and grows only for a larger frame
/// (a connect page sends nothing but pongs). The write buffer is a
/// threshold, not an allocation: frames queued behind one another are
/// written together up to it (see [`send_queued`]).
const READ_BUFFER: usize = 128;
const WRITE_BUFFER: usize = 16 * 1024;
/// Frames written with one flush at most, when a socket has fallen behind.
const WRITE_BATCH: usize = 32;

/// Applies Tidings' limits and buffer sizes to an upgrade.
pub fn configure(ws: WebSocketUpgrade) -> WebSocketUpgrade {
    ws.max_message_size(MAX_CLIENT_MESSAGE).max_frame_size(MAX_CLIENT_MESSAGE).read_buffer_size(READ_BUFFER).write_buffer_size(WRITE_BUFFER)
}

/// A JSON text message.
pub fn text(message: &impl Serialize) -> Message {
    Message::Text(Utf8Bytes::from(serde_json::to_string(message).expect("messages serialise")))
}

/// A close frame, for a message handler that ends the socket.
pub fn close_frame(code: u16, reason: &'static str) -> Message {
    Message::Close(Some(CloseFrame { code, reason: Utf8Bytes::from_static(reason) }))
}

/// Sends a close frame; the socket ends when its owner drops it.
pub async fn close(socket: &mut WebSocket, code: u16, reason: &'static str) {
    send(socket, close_frame(code, reason)).await;
}

/// Closes with `code` and a random suggested reconnect delay.
async fn close_with_retry(socket: &mut WebSocket, code: u16, reason: &str) {
    let after = rand::thread_rng().gen_range(RETRY_AFTER_MS);
    let frame = CloseFrame { code, reason: Utf8Bytes::from(format!("{reason}; retry after {after} ms")) };
    send(socket, Message::Close(Some(frame))).await;
}

/// Sends `message`: whether the peer took it within [`WRITE_TIMEOUT`].
/// A write is usually done at the first poll (the kernel's buffer has
/// room), so it is started in place through the socket's `Sink`, keeping
/// only the message in every socket's task; one that has to wait goes on
/// in a boxed future with its timer. (Awaiting `socket.send` here kept
/// that future's state in every idle socket's task, about 115 bytes.)
// Not an `async fn`: that would keep `message` twice in the caller's state.
#[allow(clippy::manual_async_fn)]
pub fn send(socket: &mut WebSocket, message: Message) -> impl Future<Output = bool> + Send + '_ {
    async move {
        let mut message = Some(message);
        match poll_fn(|cx| Poll::Ready(write_now(socket, &mut message, cx))).await {
            Some(sent) => sent,
            None => Box::pin(finish_write(socket, message)).await,
        }
    }
}

/// Starts and flushes a write if the socket can take it now: whether it
/// went out, or `None` if it has to wait (with `message` still there if
/// the socket could not take it yet).
fn write_now(socket: &mut WebSocket, message: &mut Option<Message>, cx: &mut Context<'_>) -> Option<bool> {
    let mut socket = Pin::new(socket);
    if message.is_some() {
        match socket.as_mut().poll_ready(cx) {
            Poll::Ready(Ok(())) => {}
            Poll::Ready(Err(_)) => return Some(false),
            Poll::Pending => return None,
        }
        if socket.as_mut().start_send(message.take()?).is_err() {
            return Some(false);
        }
    }
    match socket.poll_flush(cx) {
        Poll::Ready(flushed) => Some(flushed.is_ok()),
        Poll::Pending => None,
    }
}

/// Sends `first` and the frames queued behind it with one flush, within
/// [`WRITE_TIMEOUT`]: a socket that fell behind (a burst, a busy machine)
/// catches up with one write instead of a write per frame.
async fn send_queued(socket: &mut WebSocket, queue: &mut Mailbox, first: Utf8Bytes) -> bool {
    let write = async {
        socket.feed(Message::Text(first)).await?;
        for _ in 1..WRITE_BATCH {
            let Some(frame) = queue.try_frame() else { break };
            socket.feed(Message::Text(frame)).await?;
        }
        socket.flush().await
    };
    within_write_timeout(write).await
}

/// The rest of a write that had to wait, within [`WRITE_TIMEOUT`].
async fn finish_write(socket: &mut WebSocket, message: Option<Message>) -> bool {
    let write = async {
        match message {
            Some(message) => socket.send(message).await,
            None => socket.flush().await,
        }
    };
    within_write_timeout(write).await
}

/// Whether `write` succeeded within [`WRITE_TIMEOUT`]: a peer that takes
/// nothing for that long does not read.
async fn within_write_timeout<E>(write: impl Future<Output = Result<(), E>>) -> bool {
    match tokio::time::timeout(WRITE_TIMEOUT, write).await {
        Ok(written) => written.is_ok(),
        Err(_) => {
            tracing::debug!("dropping a socket whose peer does not read");
            false
        }
    }
}

/// A token bucket of the messages a client may still send.
struct Budget {
    tokens: f32,
    at: Instant,
}

impl Budget {
    fn new() -> Self {
        Self { tokens: BURST, at: Instant::now() }
    }

    fn spend(&mut self) -> bool {
        let now = Instant::now();
        self.tokens = (self.tokens + now.duration_since(self.at).as_secs_f32() * PER_SECOND).min(BURST);
        self.at = now;
        if self.tokens < 1.0 {
            return false;
        }
        self.tokens -= 1.0;
        true
    }
}

/// Runs `socket` until either side ends it. `on_text` answers each text
/// message the client sends; answering with a close frame ends the socket.
///
/// The socket and its mailbox are borrowed, not moved: a future that takes
/// a value by move keeps its own copy of it, and every idle socket would pay
/// for each copy in its task's memory.
pub async fn pump(socket: &mut WebSocket, queue: &mut Mailbox, hub: &Hub, mut on_text: impl FnMut(&str) -> Message) {
    let mut last_heard = Instant::now();
    let mut budget = Budget::new();
    loop {
        tokio::select! {
            delivery = queue.recv() => match delivery {
                Some(Delivery::Frame(frame)) => {
                    // Boxed: only a socket with frames waiting takes it.
                    let sent = if queue.has_frame() {
                        Box::pin(send_queued(socket, queue, frame)).await
                    } else {
                        send(socket, Message::Text(frame)).await
                    };
                    if !sent {
                        return;
                    }
                }
                Some(Delivery::Ping) => {
                    if last_heard.elapsed() > DEAD_AFTER {
                        tracing::debug!("dropping a silent socket");
                        return;
                    }
                    if !send(socket, Message::Ping(Default::default())).await {
                        return;
                    }
                }
                // Boxed: rare, and an inline close would enlarge every
                // socket's task.
                Some(Delivery::Revoked) => return Box::pin(close(socket, close_code::POLICY, "Credentials revoked or expired")).await,
                None if hub.is_closing() => return Box::pin(close_with_retry(socket, close_code::AWAY, "Server restarting")).await,
                None => return Box::pin(close_with_retry(socket, close_code::AGAIN, "Too slow")).await,
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Text(body))) => {
                    last_heard = Instant::now();
                    if !budget.spend() {
                        tracing::debug!("closing a socket that sends too much");
                        return Box::pin(close(socket, close_code::POLICY, "Too many messages")).await;
                    }
                    let reply = on_text(body.as_str());
                    let closing = matches!(reply, Message::Close(_));
                    if !send(socket, reply).await || closing {
                        return;
                    }
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => last_heard = Instant::now(),
            },
        }
    }
}

//! The hub: which sockets watch which session, and the fan-out of bus events
//! to them.
//!
//! Sockets are indexed by session and, once a wallet has scanned, the
//! connection id is linked to its session (the seeds' dual key), so an event
//! can be routed by either. Each socket has a small bounded queue: a socket
//! that cannot keep up is disconnected rather than allowed to grow memory, and
//! its page reconnects and resynchronises from the `connected` message.

mod dispatch;

pub use dispatch::run as run_dispatch;

use app::protocol::{ConnectionId, SessionId};
use axum::extract::ws::Utf8Bytes;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

/// Frames a socket may have waiting before it counts as too slow.
const QUEUE_DEPTH: usize = 32;

/// A serialised message, shared by every receiver of one broadcast.
pub type Frame = Utf8Bytes;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SocketId(u64);

/// Cheap to clone: all clones share one index.
#[derive(Clone, Default)]
pub struct Hub {
    // A std mutex: it is never held across an `.await`, and every critical
    // section is a few map operations.
    inner: Arc<Mutex<Index>>,
    /// Set at shutdown, so sockets close with "going away" rather than
    /// "too slow".
    closing: Arc<AtomicBool>,
}

#[derive(Default)]
struct Index {
    next_id: u64,
    sessions: HashMap<SessionId, Vec<(SocketId, mpsc::Sender<Frame>)>>,
    links: HashMap<ConnectionId, SessionId>,
}

/// Removes its socket from the hub when dropped, however the socket ends.
pub struct Registration {
    hub: Hub,
    session: SessionId,
    id: SocketId,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.hub.unregister(&self.session, self.id);
    }
}

impl Hub {
    /// Adds a socket watching `session`; frames for it arrive on the receiver.
    pub fn register(&self, session: &SessionId) -> (Registration, mpsc::Receiver<Frame>) {
        let (tx, rx) = mpsc::channel(QUEUE_DEPTH);
        let mut index = self.inner.lock().expect("hub lock");
        index.next_id += 1;
        let id = SocketId(index.next_id);
        index.sessions.entry(session.clone()).or_default().push((id, tx));
        drop(index);
        (Registration { hub: self.clone(), session: session.clone(), id }, rx)
    }

    fn unregister(&self, session: &SessionId, id: SocketId) {
        let mut index = self.inner.lock().expect("hub lock");
        if let Some(sockets) = index.sessions.get_mut(session) {
            sockets.retain(|(sid, _)| *sid != id);
            if sockets.is_empty() {
                index.sessions.remove(session);
                index.links.retain(|_, s| s != session);
            }
        }
    }

    /// Records that `connection` belongs to `session`, so events carrying only
    /// the connection id still find the session's sockets.
    pub fn link(&self, session: &SessionId, connection: &ConnectionId) {
        let mut index = self.inner.lock().expect("hub lock");
        if index.sessions.contains_key(session) {
            index.links.insert(connection.clone(), session.clone());
        }
    }

    /// The session a connection is linked to, if any socket watches it.
    pub fn session_of(&self, connection: &ConnectionId) -> Option<SessionId> {
        self.inner.lock().expect("hub lock").links.get(connection).cloned()
    }

    /// Queues `frame` for every socket of `session`; returns how many got it.
    /// A socket whose queue is full is dropped from the hub: closing its
    /// queue tells its task to close the socket.
    pub fn send_to_session(&self, session: &SessionId, frame: &Frame) -> usize {
        let mut index = self.inner.lock().expect("hub lock");
        let Some(sockets) = index.sessions.get_mut(session) else { return 0 };
        let before = sockets.len();
        sockets.retain(|(_, tx)| tx.try_send(frame.clone()).is_ok());
        let sent = sockets.len();
        if sent < before {
            tracing::warn!(session_id = %session, dropped = before - sent, "disconnected slow sockets");
        }
        if sockets.is_empty() {
            index.sessions.remove(session);
        }
        sent
    }

    /// Closes every socket; each page reconnects and resynchronises. Used when
    /// the hub may have missed events.
    pub fn disconnect_all(&self) {
        let mut index = self.inner.lock().expect("hub lock");
        index.sessions.clear();
        index.links.clear();
    }

    /// Closes every socket because the server is stopping.
    pub fn shutdown(&self) {
        self.closing.store(true, Ordering::SeqCst);
        self.disconnect_all();
    }

    pub fn is_closing(&self) -> bool {
        self.closing.load(Ordering::SeqCst)
    }

    /// Sockets currently registered.
    pub fn socket_count(&self) -> usize {
        self.inner.lock().expect("hub lock").sessions.values().map(Vec::len).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivers_to_the_session_and_forgets_closed_sockets() {
        let hub = Hub::default();
        let a = SessionId::new("a");
        let (reg, mut rx) = hub.register(&a);
        assert_eq!(hub.send_to_session(&a, &Frame::from("one")), 1);
        assert_eq!(rx.try_recv().unwrap().as_str(), "one");
        assert_eq!(hub.send_to_session(&SessionId::new("b"), &Frame::from("x")), 0);
        drop(reg);
        assert_eq!(hub.socket_count(), 0);
    }

    #[test]
    fn drops_a_socket_that_cannot_keep_up() {
        let hub = Hub::default();
        let a = SessionId::new("a");
        let (_reg, mut rx) = hub.register(&a);
        for _ in 0..QUEUE_DEPTH {
            assert_eq!(hub.send_to_session(&a, &Frame::from("f")), 1);
        }
        assert_eq!(hub.send_to_session(&a, &Frame::from("overflow")), 0);
        for _ in 0..QUEUE_DEPTH {
            rx.try_recv().unwrap();
        }
        assert!(matches!(rx.try_recv(), Err(mpsc::error::TryRecvError::Disconnected)));
    }

    #[test]
    fn links_connections_to_watched_sessions() {
        let hub = Hub::default();
        let a = SessionId::new("a");
        let c = ConnectionId::new("c");
        let (reg, _rx) = hub.register(&a);
        hub.link(&a, &c);
        assert_eq!(hub.session_of(&c), Some(a.clone()));
        drop(reg);
        assert_eq!(hub.session_of(&c), None);
    }
}

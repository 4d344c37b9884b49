//! The hub: which sockets watch which channel, and the fan-out of bus events
//! to them.
//!
//! A channel is what a page shows: one connect session, or one college's
//! WhatsApp messages. A socket subscribes to one or more channels. Once a
//! wallet has scanned, its connection id is linked to its session (the
//! seeds' dual key), so an event can be routed by either. Each socket has a
//! small bounded queue: a socket that cannot keep up is disconnected rather
//! than allowed to grow memory, and its page reconnects and resynchronises.

mod dispatch;
mod grants;
mod history;
mod mailbox;

pub use dispatch::run as run_dispatch;
pub use grants::Grant;
pub use history::Limits as HistoryLimits;
pub use mailbox::{Delivery, Receiver as Mailbox};

use crate::events::Revocation;
use app::protocol::{CollegeId, ConnectionId, Resume, Room, SessionId, StreamStart, TenantId};
use axum::extract::ws::Utf8Bytes;
use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A serialised message, shared by every receiver of one broadcast.
pub type Frame = Utf8Bytes;

/// Something a page watches.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Channel {
    Session(SessionId),
    College(CollegeId),
    /// A tenant's notifications and dashboard, for sockets with a channel
    /// token (a back end, not a person).
    Tenant(TenantId),
    /// The same, as one staff member sees it (their own notifications too).
    TenantUser(TenantId, i64),
    /// One of a tenant's helpdesk rooms.
    Room(TenantId, Room),
    /// The inbound delivery log, for operators.
    DeliveryLog,
}

impl Channel {
    /// Whether frames for it are kept only while a log of it is open: a
    /// staff member's own view gets the tenant's frames only while the
    /// hub knows of it. Every other channel gets each of its frames kept.
    fn recorded_while_open(&self) -> bool {
        matches!(self, Channel::TenantUser(..))
    }

    /// Whether a page may resume it by offset. The delivery log's page
    /// reads the log again on every (re)connect: its frames are not kept.
    fn resumable(&self) -> bool {
        !matches!(self, Channel::DeliveryLog)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
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

struct Index {
    next_id: u64,
    sockets: HashMap<SocketId, Socket>,
    channels: HashMap<Channel, Vec<SocketId>>,
    links: HashMap<ConnectionId, SessionId>,
    /// Sockets whose credentials run out, by when (Unix seconds).
    expiring: BTreeSet<(i64, SocketId)>,
    history: history::History,
    /// Sockets closed for not keeping up, since start (for the metrics).
    slow_disconnects: u64,
}

impl Default for Index {
    fn default() -> Self {
        Self::new(HistoryLimits::default())
    }
}

struct Socket {
    queue: mailbox::Sender,
    channels: Vec<Channel>,
    /// What let it in (none for a connect page's socket).
    grants: Vec<Grant>,
}

impl Index {
    fn new(limits: HistoryLimits) -> Self {
        Self {
            next_id: 0,
            sockets: HashMap::new(),
            channels: HashMap::new(),
            links: HashMap::new(),
            expiring: BTreeSet::new(),
            history: history::History::new(limits),
            slow_disconnects: 0,
        }
    }

    /// See [`Hub::send`].
    fn send(&mut self, channel: &Channel, frame: &Frame) -> usize {
        let channels = &self.channels;
        let frame = if channel.resumable() { self.history.record(channel, frame, |c| channels.contains_key(c)) } else { frame.clone() };
        let Some(ids) = self.channels.get(channel) else { return 0 };
        let mut slow = Vec::new();
        let mut sent = 0;
        for id in ids {
            match self.sockets.get(id).map(|s| s.queue.try_send(frame.clone())) {
                Some(Ok(())) => sent += 1,
                _ => slow.push(*id),
            }
        }
        if !slow.is_empty() {
            tracing::warn!(?channel, dropped = slow.len(), "disconnected slow sockets");
            self.slow_disconnects += slow.len() as u64;
        }
        for id in slow {
            self.remove(id);
        }
        sent
    }

    fn remove(&mut self, id: SocketId) -> Option<mailbox::Sender> {
        let socket = self.sockets.remove(&id)?;
        for grant in &socket.grants {
            if let Grant::Until(at) = grant {
                self.expiring.remove(&(*at, id));
            }
        }
        for channel in &socket.channels {
            self.leave(id, channel);
        }
        Some(socket.queue)
    }

    /// Takes socket `id` off `channel`'s list, and forgets what only that
    /// list needed once it is empty.
    fn leave(&mut self, id: SocketId, channel: &Channel) {
        let Some(ids) = self.channels.get_mut(channel) else { return };
        ids.retain(|s| *s != id);
        if ids.is_empty() {
            self.channels.remove(channel);
            self.history.close_if_empty(channel);
            if let Channel::Session(session) = channel {
                self.links.retain(|_, s| s != session);
            }
        }
    }
}

/// A socket's place in the hub; dropping it removes the socket, however the
/// socket ends.
pub struct Registration {
    hub: Hub,
    id: SocketId,
}

impl Registration {
    /// Adds this socket to `channel` and queues the frames it missed since
    /// `resume`, when the hub still has every one of them. Where the socket
    /// starts, and whether it resumed (or must reload its snapshot), is in
    /// the answer.
    pub fn subscribe_from(&self, channel: Channel, resume: Option<&Resume>) -> StreamStart {
        let mut guard = self.hub.inner.lock().expect("hub lock");
        let index = &mut *guard;
        if let Some(socket) = index.sockets.get_mut(&self.id) {
            if !socket.channels.contains(&channel) {
                // Most sockets watch one channel: room for exactly what is needed.
                socket.channels.reserve_exact(1);
                socket.channels.push(channel.clone());
                index.channels.entry(channel.clone()).or_insert_with(|| Vec::with_capacity(1)).push(self.id);
            }
        }
        let channels = &index.channels;
        let (start, missed) = index.history.start(&channel, resume, |c| channels.contains_key(c));
        if let Some(socket) = index.sockets.get(&self.id) {
            socket.queue.replay(missed);
        }
        start
    }

    /// Stops sending this socket `channel`'s frames (a Socket.IO
    /// `leave-tenant`).
    pub fn unsubscribe(&self, channel: &Channel) {
        let mut index = self.hub.inner.lock().expect("hub lock");
        let Some(socket) = index.sockets.get_mut(&self.id) else { return };
        socket.channels.retain(|c| c != channel);
        index.leave(self.id, channel);
    }

    /// Records a credential this socket holds its channels by; revoking it
    /// (or, for [`Grant::Until`], reaching that time) closes the socket.
    pub fn grant(&self, grant: Grant) {
        let mut index = self.hub.inner.lock().expect("hub lock");
        let Some(socket) = index.sockets.get_mut(&self.id) else { return };
        if socket.grants.contains(&grant) {
            return;
        }
        socket.grants.push(grant.clone());
        if let Grant::Until(at) = grant {
            index.expiring.insert((at, self.id));
        }
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.hub.inner.lock().expect("hub lock").remove(self.id);
    }
}

impl Hub {
    /// A hub keeping `limits` of history for sockets that resume.
    pub fn new(limits: HistoryLimits) -> Self {
        Self { inner: Arc::new(Mutex::new(Index::new(limits))), closing: Arc::default() }
    }

    /// Sockets closed for not keeping up, since start.
    pub fn slow_disconnects(&self) -> u64 {
        self.inner.lock().expect("hub lock").slow_disconnects
    }

    /// Adds a socket; frames for its channels arrive in the mailbox.
    pub fn register(&self) -> (Registration, Mailbox) {
        let (queue, rx) = mailbox::mailbox();
        let mut index = self.inner.lock().expect("hub lock");
        index.next_id += 1;
        let id = SocketId(index.next_id);
        index.sockets.insert(id, Socket { queue, channels: Vec::new(), grants: Vec::new() });
        drop(index);
        (Registration { hub: self.clone(), id }, rx)
    }

    /// Records that `connection` belongs to `session`, so events carrying only
    /// the connection id still find the session's sockets.
    pub fn link(&self, session: &SessionId, connection: &ConnectionId) {
        let mut index = self.inner.lock().expect("hub lock");
        if index.channels.contains_key(&Channel::Session(session.clone())) {
            index.links.insert(connection.clone(), session.clone());
        }
    }

    /// The session a connection is linked to, if any socket watches it.
    pub fn session_of(&self, connection: &ConnectionId) -> Option<SessionId> {
        self.inner.lock().expect("hub lock").links.get(connection).cloned()
    }

    /// Numbers frames in the order every node shares, from `place` (where
    /// this node joined it) on.
    pub fn adopt(&self, place: crate::bus::Place) {
        self.inner.lock().expect("hub lock").history.adopt(place);
    }

    /// Says where the change whose frames follow stands in the order every
    /// node shares (`None`: this node numbers its frames itself).
    pub fn enter(&self, place: Option<crate::bus::Place>) {
        self.inner.lock().expect("hub lock").history.enter(place);
    }

    /// Gives `frame` its offset, keeps it for sockets that resume, and
    /// queues it for every socket of `channel`; returns how many got it. A
    /// socket whose queue is full is removed: closing its queue tells its
    /// task to close the socket.
    pub fn send(&self, channel: &Channel, frame: &Frame) -> usize {
        self.inner.lock().expect("hub lock").send(channel, frame)
    }

    /// Sends to a tenant's [`Channel::Tenant`] and every staff member's
    /// [`Channel::TenantUser`] the hub knows of (watched, or kept for a page
    /// that may resume); `frames` gives what each reader gets (`None`: the
    /// tenant channel). Under one lock: a view that subscribes meanwhile
    /// either gets these frames or subscribes after them, never in between.
    pub fn send_tenant(&self, tenant: TenantId, frames: impl Fn(Option<i64>) -> Vec<Frame>) -> usize {
        let mut index = self.inner.lock().expect("hub lock");
        let staff = |c: &&Channel| matches!(c, Channel::TenantUser(t, _) if *t == tenant);
        let mut readers: Vec<Channel> = index.channels.keys().filter(staff).cloned().collect();
        readers.extend(index.history.logged().filter(staff).filter(|c| !index.channels.contains_key(c)).cloned());
        readers.push(Channel::Tenant(tenant));
        let mut sent = 0;
        for channel in readers {
            let user = match channel {
                Channel::TenantUser(_, user) => Some(user),
                _ => None,
            };
            for frame in frames(user) {
                sent += index.send(&channel, &frame);
            }
        }
        sent
    }

    /// Closes every socket that holds a credential `revocation` covers;
    /// returns how many.
    pub fn revoke(&self, revocation: &Revocation) -> usize {
        let mut index = self.inner.lock().expect("hub lock");
        let ids: Vec<SocketId> =
            index.sockets.iter().filter(|(_, s)| s.grants.iter().any(|g| revocation.covers(g))).map(|(id, _)| *id).collect();
        for id in &ids {
            if let Some(queue) = index.remove(*id) {
                queue.revoke();
            }
        }
        ids.len()
    }

    /// Closes the sockets whose credentials ran out by `now` (Unix seconds).
    pub fn expire(&self, now: i64) -> usize {
        let mut index = self.inner.lock().expect("hub lock");
        let mut closed = 0;
        while let Some(&(at, id)) = index.expiring.first() {
            if at > now {
                break;
            }
            index.expiring.pop_first();
            if let Some(queue) = index.remove(id) {
                queue.revoke();
                closed += 1;
            }
        }
        closed
    }

    /// Closes expired sockets every `every`.
    pub async fn run_expiry(self, every: Duration) {
        let mut ticks = tokio::time::interval(every);
        loop {
            ticks.tick().await;
            let closed = self.expire(chrono::Utc::now().timestamp());
            if closed > 0 {
                tracing::info!(closed, "closed sockets whose credentials expired");
            }
        }
    }

    /// Asks every socket to ping its peer, every `every`: one timer for the
    /// whole hub rather than one per idle socket.
    pub async fn run_heartbeat(self, every: Duration) {
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        loop {
            ticks.tick().await;
            // Handles under the lock, pings after it: with many sockets the
            // pings take a while, and a publish must not wait them out. The
            // runtime thread is given back every so often, too.
            let pingers: Vec<_> = self.inner.lock().expect("hub lock").sockets.values().map(|s| s.queue.pinger()).collect();
            for (n, pinger) in pingers.iter().enumerate() {
                pinger.ping();
                if n % 1024 == 1023 {
                    tokio::task::yield_now().await;
                }
            }
        }
    }

    /// Closes every socket and forgets the history: each page reconnects and
    /// resynchronises. Used when the hub may have missed events.
    pub fn disconnect_all(&self) {
        let mut index = self.inner.lock().expect("hub lock");
        // Socket ids go on from where they were: a closed socket's
        // registration still removes its own id when it ends.
        let (limits, next_id) = (index.history.limits(), index.next_id);
        let history = index.history.renewed();
        *index = Index::new(limits);
        index.next_id = next_id;
        index.history = history;
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
        self.inner.lock().expect("hub lock").sockets.len()
    }
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;

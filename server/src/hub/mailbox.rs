//! A socket's queue of frames: bounded by count and bytes ([`DEPTH`],
//! [`QUEUE_BYTES`]), one producer side (the hub), one consumer (the
//! socket's task), and a few dozen bytes while idle.
//!
//! Why not `tokio::sync::mpsc`: a bounded channel allocates a 32-slot block
//! and cache-padded shared state up front, a large share of what an idle
//! socket may cost (BENCHMARKS.md). Here an idle socket costs one small
//! allocation, the queue's buffer exists only while frames wait in it,
//! and waiting needs no future state beyond a reference (the waker
//! lives in the shared state, under the same lock as the frames, so no
//! wake-up can be missed).
//!
//! The mailbox also carries the hub's heartbeat ([`Delivery::Ping`]), so a
//! socket needs no timer of its own.

use super::Frame;
use std::collections::VecDeque;
use std::future::poll_fn;
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};

/// Frames a socket may have waiting before it counts as too slow: a busy
/// channel's burst, or a pause of the machine, must not let go of sockets
/// that read as fast as they can (10,000 updates a second fill it in 25 ms).
pub const DEPTH: usize = 256;
/// Bytes of frames a socket may have waiting: what one that stopped
/// reading holds at most, for frames of its own (a user's notifications)
/// as for frames it shares with other sockets. One frame larger than this
/// is taken when nothing else waits.
pub const QUEUE_BYTES: usize = 1024 * 1024;

#[derive(Default)]
struct State {
    frames: VecDeque<Frame>,
    /// Frames queued beyond [`DEPTH`] for a socket that resumed: what it
    /// missed, which it must get whatever its depth. (A `u32` fits beside
    /// the flags: every idle socket has this state.)
    replayed: u32,
    /// Bytes of the queued frames, and of the replayed ones among them.
    /// (`u32`s fit beside the flags in the same allocation size.)
    bytes: u32,
    replayed_bytes: u32,
    /// The hub's heartbeat has come round since the task last looked.
    ping: bool,
    closed: bool,
    /// The credentials the socket was let in with are gone: it closes at
    /// once, whatever is queued.
    revoked: bool,
    waiting: Option<Waker>,
}

impl State {
    /// The first queued frame. Each pop counts off a replayed frame first,
    /// whichever it was: the replay's allowance only shrinks as the queue
    /// drains.
    fn pop(&mut self) -> Option<Frame> {
        let frame = self.frames.pop_front()?;
        let bytes = size(&frame);
        self.bytes = self.bytes.saturating_sub(bytes);
        if self.replayed > 0 {
            self.replayed -= 1;
            self.replayed_bytes = self.replayed_bytes.saturating_sub(bytes);
        }
        Some(frame)
    }

    fn wake(&mut self) {
        if let Some(waker) = self.waiting.take() {
            waker.wake();
        }
    }
}

fn size(frame: &Frame) -> u32 {
    u32::try_from(frame.len()).unwrap_or(u32::MAX)
}

// A std mutex: held only for a push, a pop or a flag, never across `.await`.
type Shared = Arc<Mutex<State>>;

/// The hub's end. Dropping it closes the mailbox: the socket's task then
/// takes what is queued and learns the socket is done.
pub struct Sender(Shared);

/// The socket task's end.
pub struct Receiver(Shared);

/// What the socket's task is asked to do next.
#[derive(Debug, PartialEq, Eq)]
pub enum Delivery {
    Frame(Frame),
    /// Ping the peer (and drop it if it has been silent too long).
    Ping,
    /// Close the socket: what let it in was revoked or expired.
    Revoked,
}

/// Why a frame was not queued.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// [`DEPTH`] frames are already waiting: the socket cannot keep up.
    Full,
    /// The socket's task has ended.
    Closed,
}

/// Why [`Receiver::try_recv`] returned nothing.
#[derive(Debug, PartialEq, Eq)]
pub enum Empty {
    /// Nothing waiting yet.
    Waiting,
    /// Nothing waiting, and nothing ever will.
    Closed,
}

pub fn mailbox() -> (Sender, Receiver) {
    let shared = Shared::default();
    (Sender(shared.clone()), Receiver(shared))
}

impl Sender {
    /// Queues `frame` without waiting.
    pub fn try_send(&self, frame: Frame) -> Result<(), Refused> {
        let mut state = self.0.lock().expect("mailbox lock");
        if state.closed {
            return Err(Refused::Closed);
        }
        let live = state.frames.len().saturating_sub(state.replayed as usize);
        let live_bytes = state.bytes.saturating_sub(state.replayed_bytes) as usize;
        if live >= DEPTH || (live > 0 && live_bytes + frame.len() > QUEUE_BYTES) {
            return Err(Refused::Full);
        }
        state.bytes = state.bytes.saturating_add(size(&frame));
        state.frames.push_back(frame);
        state.wake();
        Ok(())
    }

    /// Queues the frames a resuming socket missed, however many (the
    /// history bounds them); they do not count against its depth.
    pub fn replay(&self, frames: Vec<Frame>) {
        if frames.is_empty() {
            return;
        }
        let mut state = self.0.lock().expect("mailbox lock");
        if state.closed {
            return;
        }
        state.replayed = state.replayed.saturating_add(u32::try_from(frames.len()).unwrap_or(u32::MAX));
        let bytes = frames.iter().fold(0u32, |sum, frame| sum.saturating_add(size(frame)));
        state.bytes = state.bytes.saturating_add(bytes);
        state.replayed_bytes = state.replayed_bytes.saturating_add(bytes);
        state.frames.extend(frames);
        state.wake();
    }

    /// Ends the socket at once: its queued frames are dropped and its task
    /// is told why.
    pub fn revoke(self) {
        let mut state = self.0.lock().expect("mailbox lock");
        state.revoked = true;
        state.frames = VecDeque::new();
        // Dropping `self` then closes the mailbox.
    }

    /// A handle that can ask for a ping without holding the mailbox open.
    pub fn pinger(&self) -> Pinger {
        Pinger(self.0.clone())
    }
}

/// Asks a socket's task to ping its peer. Unlike a second [`Sender`], it
/// does not close the mailbox when dropped.
pub struct Pinger(Shared);

impl Pinger {
    /// Pings do not queue up; a closed mailbox ignores them.
    pub fn ping(&self) {
        let mut state = self.0.lock().expect("mailbox lock");
        state.ping = true;
        state.wake();
    }
}

impl Drop for Sender {
    fn drop(&mut self) {
        let mut state = self.0.lock().expect("mailbox lock");
        state.closed = true;
        state.wake();
    }
}

impl Receiver {
    /// The next thing to do; `None` once the hub has closed the mailbox and
    /// every queued frame was taken. Cancel-safe: nothing is taken until it
    /// is returned.
    pub async fn recv(&mut self) -> Option<Delivery> {
        poll_fn(|cx| {
            let mut state = self.0.lock().expect("mailbox lock");
            match take(&mut state) {
                Ok(delivery) => Poll::Ready(Some(delivery)),
                Err(Empty::Closed) => Poll::Ready(None),
                Err(Empty::Waiting) => {
                    // A socket waiting for frames keeps no buffer for
                    // them: what a burst grew is given back, so idle
                    // sockets cost the same whatever they once received.
                    if state.frames.capacity() > 0 {
                        state.frames = VecDeque::new();
                    }
                    if !state.waiting.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                        state.waiting = Some(cx.waker().clone());
                    }
                    Poll::Pending
                }
            }
        })
        .await
    }

    pub fn try_recv(&mut self) -> Result<Delivery, Empty> {
        take(&mut self.0.lock().expect("mailbox lock"))
    }

    /// Whether a frame is waiting now (and the socket was not revoked).
    pub fn has_frame(&self) -> bool {
        let state = self.0.lock().expect("mailbox lock");
        !state.revoked && !state.frames.is_empty()
    }

    /// The next frame, if one is waiting now; a revocation or a ping is
    /// left for [`Receiver::recv`].
    pub fn try_frame(&mut self) -> Option<Frame> {
        let mut state = self.0.lock().expect("mailbox lock");
        if state.revoked {
            return None;
        }
        state.pop()
    }
}

fn take(state: &mut State) -> Result<Delivery, Empty> {
    if std::mem::take(&mut state.revoked) {
        return Ok(Delivery::Revoked);
    }
    if let Some(frame) = state.pop() {
        return Ok(Delivery::Frame(frame));
    }
    if state.closed {
        return Err(Empty::Closed);
    }
    if std::mem::take(&mut state.ping) {
        return Ok(Delivery::Ping);
    }
    Err(Empty::Waiting)
}

impl Drop for Receiver {
    fn drop(&mut self) {
        // Frames still queued are of no use to anyone now.
        let mut state = self.0.lock().expect("mailbox lock");
        state.closed = true;
        state.frames = VecDeque::new();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(text: &'static str) -> Option<Delivery> {
        Some(Delivery::Frame(Frame::from(text)))
    }

    #[tokio::test]
    async fn delivers_in_order_then_reports_closed() {
        let (tx, mut rx) = mailbox();
        tx.try_send(Frame::from("a")).unwrap();
        tx.try_send(Frame::from("b")).unwrap();
        drop(tx);
        assert_eq!(rx.recv().await, frame("a"));
        assert_eq!(rx.recv().await, frame("b"));
        assert_eq!(rx.recv().await, None);
    }

    #[test]
    fn refuses_beyond_its_depth_and_after_the_socket_ends() {
        let (tx, rx) = mailbox();
        for _ in 0..DEPTH {
            tx.try_send(Frame::from("a")).unwrap();
        }
        assert_eq!(tx.try_send(Frame::from("c")), Err(Refused::Full));
        drop(rx);
        assert_eq!(tx.try_send(Frame::from("d")), Err(Refused::Closed));
    }

    #[test]
    fn refuses_beyond_its_bytes_but_takes_one_large_frame_alone() {
        let third = Frame::from("x".repeat(QUEUE_BYTES / 3));
        let (tx, mut rx) = mailbox();
        for _ in 0..3 {
            tx.try_send(third.clone()).unwrap();
        }
        assert_eq!(tx.try_send(third.clone()), Err(Refused::Full));
        for _ in 0..3 {
            assert!(rx.try_frame().is_some());
        }
        let huge = Frame::from("x".repeat(2 * QUEUE_BYTES));
        tx.try_send(huge.clone()).expect("one frame larger than the budget, alone");
        assert_eq!(tx.try_send(Frame::from("a")), Err(Refused::Full));
        assert_eq!(rx.try_frame(), Some(huge));
        // What a resuming socket missed does not count against it.
        tx.replay(vec![third.clone(), third.clone(), third.clone(), third.clone()]);
        for _ in 0..3 {
            tx.try_send(third.clone()).unwrap();
        }
        assert_eq!(tx.try_send(third), Err(Refused::Full));
    }

    #[test]
    fn replayed_frames_come_in_order_and_leave_the_depth_to_live_ones() {
        let (tx, mut rx) = mailbox();
        tx.try_send(Frame::from("live")).unwrap();
        tx.replay((0..2 * DEPTH).map(|_| Frame::from("missed")).collect());
        for _ in 0..DEPTH - 1 {
            tx.try_send(Frame::from("later")).unwrap();
        }
        assert_eq!(tx.try_send(Frame::from("too many")), Err(Refused::Full));
        assert_eq!(rx.try_recv(), Ok(Delivery::Frame(Frame::from("live"))));
        for _ in 0..2 * DEPTH {
            assert_eq!(rx.try_recv(), Ok(Delivery::Frame(Frame::from("missed"))));
        }
        assert_eq!(rx.try_recv(), Ok(Delivery::Frame(Frame::from("later"))));
    }

    #[tokio::test]
    async fn wakes_a_waiting_task() {
        let (tx, mut rx) = mailbox();
        let waiting = tokio::spawn(async move { rx.recv().await });
        tokio::task::yield_now().await;
        tx.try_send(Frame::from("late")).unwrap();
        assert_eq!(waiting.await.unwrap(), frame("late"));
    }

    #[test]
    fn pings_come_after_queued_frames_and_do_not_pile_up() {
        let (tx, mut rx) = mailbox();
        tx.pinger().ping();
        tx.try_send(Frame::from("a")).unwrap();
        tx.pinger().ping();
        assert_eq!(rx.try_recv(), Ok(Delivery::Frame(Frame::from("a"))));
        assert_eq!(rx.try_recv(), Ok(Delivery::Ping));
        assert_eq!(rx.try_recv(), Err(Empty::Waiting));
    }

    #[test]
    fn queued_frames_are_taken_in_order_leaving_pings_and_revocations_to_recv() {
        let (tx, mut rx) = mailbox();
        tx.pinger().ping();
        tx.try_send(Frame::from("a")).unwrap();
        tx.try_send(Frame::from("b")).unwrap();
        assert!(rx.has_frame());
        assert_eq!(rx.try_frame(), Some(Frame::from("a")));
        assert_eq!(rx.try_frame(), Some(Frame::from("b")));
        assert_eq!(rx.try_frame(), None);
        assert!(!rx.has_frame());
        assert_eq!(rx.try_recv(), Ok(Delivery::Ping));
        tx.try_send(Frame::from("c")).unwrap();
        tx.revoke();
        assert!(!rx.has_frame(), "a revoked socket takes no more frames");
        assert_eq!(rx.try_frame(), None);
        assert_eq!(rx.try_recv(), Ok(Delivery::Revoked));
    }

    #[test]
    fn a_revoked_mailbox_says_so_first_and_then_closes() {
        let (tx, mut rx) = mailbox();
        tx.try_send(Frame::from("a")).unwrap();
        tx.revoke();
        assert_eq!(rx.try_recv(), Ok(Delivery::Revoked));
        assert_eq!(rx.try_recv(), Err(Empty::Closed));
    }

    #[test]
    fn a_dropped_pinger_leaves_the_mailbox_open() {
        let (tx, mut rx) = mailbox();
        drop(tx.pinger());
        tx.try_send(Frame::from("a")).unwrap();
        assert_eq!(rx.try_recv(), Ok(Delivery::Frame(Frame::from("a"))));
        assert_eq!(rx.try_recv(), Err(Empty::Waiting));
        drop(tx);
        assert_eq!(rx.try_recv(), Err(Empty::Closed));
    }
}

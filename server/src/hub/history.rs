//! The hub's recent frames, so a page that reconnects resumes from the last
//! offset it saw instead of reloading what it shows.
//!
//! Every frame the hub sends gets the next offset of this hub (one counter
//! for all channels, so a socket's frames arrive in offset order whatever
//! channels it watches) and is kept for a while: at most
//! [`Limits::events`] in all, [`Limits::per_channel`] per channel, none
//! older than [`Limits::age`]. The epoch names this run of the hub: a page
//! that resumes with another epoch (the server restarted) must resync.
//!
//! A resume is honoured only when the history holds every frame of that
//! channel after the page's offset; otherwise the page reloads its snapshot,
//! as on a first visit.
//!
//! Behind a bus shared by several nodes, changes come with a place in an
//! order every node shares ([`Place`]): a frame's offset is then its
//! change's number times [`PER_CHANGE`] plus its index among that change's
//! frames for its channel, and the epoch is the bus's. Every node gives a
//! channel's frames the same offsets, so a page resumes on whichever node
//! it reconnects to, from that node's history.

use super::{Channel, Frame};
use crate::bus::Place;
use app::protocol::{Epoch, Resume, StreamStart};
use std::collections::{HashMap, VecDeque};
use std::fmt::Write;
use std::time::{Duration, Instant};

/// Offsets per shared change: room for its frames on one channel, small
/// enough that offsets stay exact as numbers in a browser (below 2^53).
const PER_CHANGE: u64 = 1024;

/// How much history is kept.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub events: usize,
    pub per_channel: usize,
    pub age: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self { events: 20_000, per_channel: 1_000, age: Duration::from_secs(120) }
    }
}

pub struct History {
    epoch: Epoch,
    limits: Limits,
    /// The last offset given out.
    head: u64,
    /// Every frame at or below this offset is gone, on every channel (a
    /// new log starts from here).
    floor: u64,
    /// Every kept frame in offset order, for eviction by count and age.
    order: VecDeque<(Instant, u64, Channel)>,
    logs: HashMap<Channel, Log>,
    /// The shared number of the change being sent, if it has one.
    current: Option<u64>,
    /// Whether offsets follow an order every node shares (then the epoch
    /// is the bus's, and outlives a reset of this history).
    shared: bool,
}

struct Log {
    /// This channel's frames at or below this offset are gone.
    floor: u64,
    /// The head when the log began: a channel recorded only while it has a
    /// log (a staff member's view) holds nothing from before.
    since: u64,
    frames: VecDeque<(u64, Frame)>,
}

impl History {
    pub fn new(limits: Limits) -> Self {
        let epoch = Epoch(rand::random());
        Self { epoch, limits, head: 0, floor: 0, order: VecDeque::new(), logs: HashMap::new(), current: None, shared: false }
    }

    /// Starts afresh in the shared order, after the change at `place`:
    /// the history knows nothing from before it.
    pub fn adopt(&mut self, place: Place) {
        *self = Self { epoch: place.epoch, shared: true, ..Self::new(self.limits) };
        self.head = ((place.seq + 1) * PER_CHANGE).saturating_sub(1);
        self.floor = self.head;
    }

    /// A fresh history like this one: in the same shared epoch (whose
    /// offsets stay valid), else in a new epoch of its own.
    pub fn renewed(&self) -> Self {
        let mut renewed = Self::new(self.limits);
        if self.shared {
            renewed.adopt(Place { epoch: self.epoch, seq: self.head / PER_CHANGE });
        }
        renewed
    }

    /// Notes the place of the change whose frames follow. A place of
    /// another epoch (the shared order began again) starts the history
    /// afresh just before it.
    pub fn enter(&mut self, place: Option<Place>) {
        if let Some(place) = place {
            if !self.shared || place.epoch != self.epoch {
                self.adopt(Place { epoch: place.epoch, seq: place.seq.saturating_sub(1) });
            }
        }
        self.current = place.map(|p| p.seq);
    }

    /// Gives `frame` (a JSON object) the next offset and keeps it.
    /// `watched` says whether a socket watches a channel: an emptied log of
    /// one stays.
    pub fn record(&mut self, channel: &Channel, frame: &Frame, watched: impl Fn(&Channel) -> bool) -> Frame {
        let offset = match self.current {
            // The change's first frame on this channel, or the next one.
            Some(seq) => {
                let first = seq * PER_CHANGE;
                let last = self.logs.get(channel).and_then(|log| log.frames.back()).map(|(o, _)| *o);
                last.filter(|last| *last >= first).map_or(first, |last| last + 1)
            }
            None => self.head + 1,
        };
        self.head = self.head.max(offset);
        let framed = with_offset(frame, offset);
        let floor = self.floor;
        let log = self.logs.entry(channel.clone()).or_insert_with(|| Log::new(offset - 1, floor));
        log.frames.push_back((offset, framed.clone()));
        if log.frames.len() > self.limits.per_channel {
            if let Some((gone, _)) = log.frames.pop_front() {
                log.floor = gone;
            }
        }
        self.order.push_back((Instant::now(), offset, channel.clone()));
        self.evict(watched);
        framed
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// The channels whose frames are being kept.
    pub fn logged(&self) -> impl Iterator<Item = &Channel> {
        self.logs.keys()
    }

    /// Forgets the log of a channel nobody watches any more, if it is
    /// empty; its frames are kept anyway. A staff member's view goes on
    /// recording for their page to resume (its log goes once its frames
    /// have aged out).
    pub fn close_if_empty(&mut self, channel: &Channel) {
        if !channel.recorded_while_open() && self.logs.get(channel).is_some_and(|log| log.frames.is_empty()) {
            self.logs.remove(channel);
        }
    }

    /// Where a subscription to `channel` starts, and the frames a page
    /// resuming at `resume` missed: all of them, or none and a resync.
    pub fn start(&mut self, channel: &Channel, resume: Option<&Resume>, watched: impl Fn(&Channel) -> bool) -> (StreamStart, Vec<Frame>) {
        self.evict(watched);
        let (head, floor) = (self.head, self.floor);
        // Only a staff view needs its log opened now (to be sent the
        // tenant's frames from here on); any other channel gets a log with
        // its first frame, so an idle socket costs the history nothing.
        let empty;
        let log = if channel.recorded_while_open() {
            &*self.logs.entry(channel.clone()).or_insert_with(|| Log::new(head, floor))
        } else if let Some(log) = self.logs.get(channel) {
            log
        } else {
            empty = Log::new(head, floor);
            &empty
        };
        let missed = resume.and_then(|r| missed(log, channel, r, self.epoch, head));
        let start = StreamStart { epoch: self.epoch, offset: head, resumed: missed.is_some() };
        (start, missed.unwrap_or_default())
    }

    /// Drops frames beyond the count or older than the age limit.
    fn evict(&mut self, watched: impl Fn(&Channel) -> bool) {
        let oldest = Instant::now().checked_sub(self.limits.age);
        while let Some((at, _, _)) = self.order.front() {
            let too_many = self.order.len() > self.limits.events;
            let too_old = oldest.is_some_and(|oldest| *at < oldest);
            if !too_many && !too_old {
                break;
            }
            let (_, offset, channel) = self.order.pop_front().expect("a front");
            self.floor = self.floor.max(offset);
            if let Some(log) = self.logs.get_mut(&channel) {
                if log.frames.front().is_some_and(|(o, _)| *o == offset) {
                    log.frames.pop_front();
                    log.floor = offset;
                }
                if log.frames.is_empty() && !watched(&channel) {
                    self.logs.remove(&channel);
                }
            }
        }
    }
}

impl Log {
    /// A log begun at `head`; every frame at or below `floor` is gone.
    fn new(head: u64, floor: u64) -> Self {
        Self { floor, since: head, frames: VecDeque::new() }
    }
}

/// The frames of `log` after `resume`, if it holds every one of them.
fn missed(log: &Log, channel: &Channel, resume: &Resume, epoch: Epoch, head: u64) -> Option<Vec<Frame>> {
    if resume.epoch != epoch || resume.offset > head {
        return None;
    }
    // Most channels get every frame meant for them recorded, log or not; a
    // staff member's own view only while its log lives.
    let since = if channel.recorded_while_open() { log.since } else { 0 };
    if resume.offset < log.floor.max(since) {
        return None;
    }
    Some(log.frames.iter().filter(|(offset, _)| *offset > resume.offset).map(|(_, frame)| frame.clone()).collect())
}

/// `frame` with `"offset":N` added as its last field.
fn with_offset(frame: &Frame, offset: u64) -> Frame {
    let text = frame.as_str();
    debug_assert!(text.ends_with('}'), "frames are JSON objects");
    let mut framed = String::with_capacity(text.len() + 24);
    framed.push_str(&text[..text.len() - 1]);
    let _ = write!(framed, ",\"offset\":{offset}}}");
    Frame::from(framed)
}

#[cfg(test)]
#[path = "history_tests.rs"]
mod tests;

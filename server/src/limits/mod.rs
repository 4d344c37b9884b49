//! What keeps one caller from slowing or flooding the others: socket caps
//! (global and per address), per-address rate limits, refusals logged in
//! aggregate rather than one row per attempt, and the client's address as
//! a trusted proxy reports it. All of it lives in memory bounded by size or
//! age; none of it touches the database on the hot path.

mod client_ip;
mod refusals;
mod sockets;

pub use client_ip::{client_ip, TrustedProxies};
pub use refusals::Refusals;
pub use sockets::{SlotRefused, SocketEndpoint, SocketSlot, SocketSlots};

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::IpAddr;
use std::num::NonZeroU32;

/// Per-address limits of calls anyone may make without signing in.
pub struct Limits {
    pub sockets: SocketSlots,
    pub refusals: Refusals,
    /// `POST /api/connections/session`, per address.
    pub new_sessions: DefaultKeyedRateLimiter<IpAddr>,
}

impl Limits {
    pub fn new(max_sockets: usize, max_sockets_per_ip: usize, sessions_per_minute: u32) -> Self {
        let per_minute = Quota::per_minute(NonZeroU32::new(sessions_per_minute.max(1)).expect("non-zero"));
        Self {
            sockets: SocketSlots::new(max_sockets, max_sockets_per_ip),
            refusals: Refusals::default(),
            new_sessions: RateLimiter::keyed(per_minute),
        }
    }

    /// Forgets what no longer limits anyone, so memory stays bounded.
    pub fn evict(&self) {
        self.new_sessions.retain_recent();
        self.new_sessions.shrink_to_fit();
        self.refusals.evict();
    }
}

//! One clock for every bench process. `CLOCK_MONOTONIC` is system-wide, so a
//! receipt time read in a socket-holding child process can be set against
//! the send time read in the parent. (`Instant` reads the same clock but
//! does not expose its value.)

use rustix::time::{clock_gettime, ClockId};

/// Nanoseconds on the system's monotonic clock.
pub fn now_ns() -> u64 {
    let t = clock_gettime(ClockId::Monotonic);
    t.tv_sec as u64 * 1_000_000_000 + t.tv_nsec as u64
}

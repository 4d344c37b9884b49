//! Each lane of the worker notes when it last finished a scan; `/readyz`
//! reads it, so a node whose worker is stuck or gone is taken out of the
//! load balancer instead of acknowledging webhooks it never applies.

use crate::events::Lane;
use chrono::Utc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

pub struct Heartbeat {
    /// Unix milliseconds of each lane's last scan, in [`Lane::ALL`]'s order.
    beats: [AtomicI64; 3],
}

impl Default for Heartbeat {
    fn default() -> Self {
        let now = Utc::now().timestamp_millis();
        Self { beats: [AtomicI64::new(now), AtomicI64::new(now), AtomicI64::new(now)] }
    }
}

impl Heartbeat {
    pub fn beat(&self, lane: Lane) {
        self.beats[lane as usize].store(Utc::now().timestamp_millis(), Ordering::Relaxed);
    }

    /// The lane that has gone longest without a scan, if longer than `limit`.
    pub fn stalled(&self, limit: Duration) -> Option<(Lane, Duration)> {
        let now = Utc::now().timestamp_millis();
        Lane::ALL
            .into_iter()
            .map(|lane| (lane, Duration::from_millis((now - self.beats[lane as usize].load(Ordering::Relaxed)).max(0) as u64)))
            .filter(|(_, quiet)| *quiet > limit)
            .max_by_key(|(_, quiet)| *quiet)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lane_without_a_recent_scan_is_named() {
        let heartbeat = Heartbeat::default();
        assert_eq!(heartbeat.stalled(Duration::from_secs(60)), None);
        heartbeat.beats[Lane::Tenant as usize].store(Utc::now().timestamp_millis() - 120_000, Ordering::Relaxed);
        let (lane, quiet) = heartbeat.stalled(Duration::from_secs(60)).unwrap();
        assert_eq!(lane, Lane::Tenant);
        assert!(quiet >= Duration::from_secs(120));
        heartbeat.beat(Lane::Tenant);
        assert_eq!(heartbeat.stalled(Duration::from_secs(60)), None);
    }
}

//! Refusals, logged without letting the refused set the pace: a rejected
//! webhook is logged at most once a minute per source, and refused socket
//! subscriptions are counted per tenant and written to its activity log as
//! one line a minute (by the housekeeping task), not one row per attempt.

use crate::events::Provider;
use app::protocol::TenantId;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long one logged refusal covers its source.
const QUIET: Duration = Duration::from_secs(60);
/// Sources remembered at most; past it, refusals go unlogged until the
/// oldest are forgotten.
const MAX_SOURCES: usize = 10_000;

#[derive(Default)]
pub struct Refusals {
    // A std mutex: a map operation, never held across `.await`.
    logged: Mutex<HashMap<(IpAddr, Provider), Instant>>,
    socket_refusals: Mutex<HashMap<TenantId, u64>>,
}

impl Refusals {
    /// Whether a refused `provider` webhook from `source` should be logged:
    /// the first in a minute is, the rest are not.
    pub fn webhook_refused(&self, source: IpAddr, provider: Provider) -> bool {
        let now = Instant::now();
        let mut logged = self.logged.lock().expect("refusals lock");
        if logged.len() >= MAX_SOURCES {
            logged.retain(|_, at| now.duration_since(*at) < QUIET);
        }
        match logged.get(&(source, provider)) {
            Some(at) if now.duration_since(*at) < QUIET => false,
            _ if logged.len() >= MAX_SOURCES => false,
            _ => {
                logged.insert((source, provider), now);
                true
            }
        }
    }

    /// Counts a refused socket subscription to `tenant`.
    pub fn socket_refused(&self, tenant: TenantId) {
        let mut counts = self.socket_refusals.lock().expect("refusals lock");
        if counts.len() < MAX_SOURCES || counts.contains_key(&tenant) {
            *counts.entry(tenant).or_default() += 1;
        }
    }

    /// The refused subscriptions counted since the last call, per tenant.
    pub fn take_socket_refusals(&self) -> Vec<(TenantId, u64)> {
        std::mem::take(&mut *self.socket_refusals.lock().expect("refusals lock")).into_iter().collect()
    }

    /// Forgets sources whose minute is over.
    pub fn evict(&self) {
        let now = Instant::now();
        let mut logged = self.logged.lock().expect("refusals lock");
        logged.retain(|_, at| now.duration_since(*at) < QUIET);
        logged.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logs_a_source_once_a_minute_and_counts_socket_refusals() {
        let refusals = Refusals::default();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        assert!(refusals.webhook_refused(a, Provider::WhatsApp));
        assert!(!refusals.webhook_refused(a, Provider::WhatsApp));
        assert!(refusals.webhook_refused(a, Provider::Tenant), "each provider on its own");
        assert!(refusals.webhook_refused("192.0.2.2".parse().unwrap(), Provider::WhatsApp));
        refusals.socket_refused(TenantId(2));
        refusals.socket_refused(TenantId(2));
        assert_eq!(refusals.take_socket_refusals(), vec![(TenantId(2), 2)]);
        assert!(refusals.take_socket_refusals().is_empty());
    }
}

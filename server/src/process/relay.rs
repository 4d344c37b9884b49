//! The outbox relay: publishes committed changes to the bus, in the order
//! they were handed over, and marks them published. At start-up it first
//! publishes what an earlier run committed but never published (it died in
//! between): a change is published at least once, and pages take a repeat
//! as the state they already show.

use crate::bus::Bus;
use crate::store::{OutboxEntry, Store};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// Entries read per page at start-up.
const PAGE: i64 = 1000;
/// Waits between attempts to publish to a bus that refused.
const RETRY_FIRST: Duration = Duration::from_millis(100);
const RETRY_MAX: Duration = Duration::from_secs(5);

/// The units' side: hands committed outbox entries to the relay.
#[derive(Clone)]
pub struct Relay(mpsc::UnboundedSender<Vec<OutboxEntry>>);

/// The relay's side.
pub struct Relayed(mpsc::UnboundedReceiver<Vec<OutboxEntry>>);

pub fn channel() -> (Relay, Relayed) {
    let (tx, rx) = mpsc::unbounded_channel();
    (Relay(tx), Relayed(rx))
}

impl Relay {
    /// Publishes `entries`, committed just now. A lost hand-off loses
    /// nothing: the entries are published at the next start.
    pub fn publish(&self, entries: Vec<OutboxEntry>) {
        if !entries.is_empty() {
            let _ = self.0.send(entries);
        }
    }
}

pub async fn run(store: Arc<dyn Store>, bus: Arc<dyn Bus>, Relayed(mut rx): Relayed) {
    let earlier = catch_up(store.as_ref(), bus.as_ref()).await;
    while let Some(first) = rx.recv().await {
        let mut entries = first;
        while let Ok(more) = rx.try_recv() {
            entries.extend(more);
        }
        // Those the catch-up already published were committed while it ran.
        entries.retain(|e| !earlier.contains(&e.id));
        publish(store.as_ref(), bus.as_ref(), entries).await;
    }
}

/// Publishes every entry left unpublished; returns their ids.
async fn catch_up(store: &dyn Store, bus: &dyn Bus) -> HashSet<i64> {
    let mut done = HashSet::new();
    loop {
        let page = match store.unpublished(PAGE).await {
            Ok(page) => page,
            Err(err) => {
                tracing::error!(error = %err, "could not read the outbox; its entries are published at the next start");
                return done;
            }
        };
        if page.is_empty() {
            return done;
        }
        tracing::info!(entries = page.len(), "publishing changes an earlier run committed");
        done.extend(page.iter().map(|e| e.id));
        if !publish(store, bus, page).await {
            return done;
        }
    }
}

/// Publishes `entries`, in order, each until the bus takes it (a bus
/// across nodes may be away for a while: what waits is in the store), and
/// marks them; `false` if marking failed.
async fn publish(store: &dyn Store, bus: &dyn Bus, entries: Vec<OutboxEntry>) -> bool {
    let ids: Vec<i64> = entries.iter().map(|e| e.id).collect();
    for entry in entries {
        let mut wait = RETRY_FIRST;
        while let Err(err) = bus.publish(&entry.change).await {
            tracing::warn!(error = %err, retry_in = ?wait, "could not publish a change; trying again");
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(RETRY_MAX);
        }
    }
    match store.mark_published(&ids).await {
        Ok(()) => true,
        Err(err) => {
            tracing::error!(error = %err, "could not mark changes published");
            false
        }
    }
}

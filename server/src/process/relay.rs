//! The outbox relay: publishes committed changes to the bus, in the order
//! they were handed over, and marks them published. A change whose node
//! died between its commit and its publishing is published by whichever
//! node's relay takes it first, once it has waited [`ORPHAN_AFTER`]: a
//! change is published at least once, and pages take a repeat as the state
//! they already show.

use crate::bus::Bus;
use crate::store::{OutboxEntry, Store};
use chrono::Utc;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// Entries taken per page when publishing another run's changes.
const PAGE: i64 = 1000;
/// Waits between attempts to publish to a bus that refused.
const RETRY_FIRST: Duration = Duration::from_millis(100);
const RETRY_MAX: Duration = Duration::from_secs(5);
/// How long a committed change waits for its own node to publish it
/// (normally a few milliseconds) before any node's relay may.
const ORPHAN_AFTER: chrono::TimeDelta = chrono::TimeDelta::seconds(10);
/// How often each relay looks for such changes.
const SWEEP_EVERY: Duration = Duration::from_secs(2);

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
    /// nothing: a relay publishes the entries once they have waited.
    pub fn publish(&self, entries: Vec<OutboxEntry>) {
        if !entries.is_empty() {
            let _ = self.0.send(entries);
        }
    }
}

pub async fn run(store: Arc<dyn Store>, bus: Arc<dyn Bus>, Relayed(mut rx): Relayed) {
    let mut sweep = tokio::time::interval(SWEEP_EVERY);
    loop {
        tokio::select! {
            handed = rx.recv() => {
                let Some(mut entries) = handed else { return };
                while let Ok(more) = rx.try_recv() {
                    entries.extend(more);
                }
                publish(store.as_ref(), bus.as_ref(), entries).await;
            }
            _ = sweep.tick() => publish_orphans(store.as_ref(), bus.as_ref()).await,
        }
    }
}

/// Takes and publishes the changes left unpublished by their node. Taking
/// marks them published, so no two relays publish one; a relay that dies
/// between taking and publishing leaves them to pages' next reload.
async fn publish_orphans(store: &dyn Store, bus: &dyn Bus) {
    loop {
        let page = match store.take_unpublished(Utc::now() - ORPHAN_AFTER, PAGE).await {
            Ok(page) => page,
            Err(err) => return tracing::error!(error = %err, "could not read the outbox; trying again later"),
        };
        if page.is_empty() {
            return;
        }
        tracing::info!(entries = page.len(), "publishing changes a node committed but never published");
        let more = page.len() as i64 == PAGE;
        for entry in page {
            publish_one(bus, &entry).await;
        }
        if !more {
            return;
        }
    }
}

/// Publishes `entry`, trying until the bus takes it (a bus across nodes
/// may be away for a while: what waits is in the store).
async fn publish_one(bus: &dyn Bus, entry: &OutboxEntry) {
    let mut wait = RETRY_FIRST;
    while let Err(err) = bus.publish(&entry.change, Some(entry.id)).await {
        tracing::warn!(error = %err, retry_in = ?wait, "could not publish a change; trying again");
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(RETRY_MAX);
    }
}

/// Publishes `entries`, in order, and marks them.
async fn publish(store: &dyn Store, bus: &dyn Bus, entries: Vec<OutboxEntry>) {
    let ids: Vec<i64> = entries.iter().map(|e| e.id).collect();
    for entry in &entries {
        publish_one(bus, entry).await;
    }
    if let Err(err) = store.mark_published(&ids).await {
        tracing::error!(error = %err, "could not mark changes published");
    }
}

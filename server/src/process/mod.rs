//! The delivery worker: applies stored webhooks to the state they concern.
//!
//! Intake wakes it with each new delivery id, in the delivery's
//! [`lanes::Lane`]; each lane also scans for its pending deliveries at
//! start-up and on every retry tick, so a delivery whose
//! processing failed (or whose wake-up was lost in a crash) is retried with
//! backoff until it succeeds. Nothing acknowledged is ever dropped.

mod connections;
pub mod lanes;
pub mod parsed;
pub mod sweeper;
pub mod tenant;
mod whatsapp;

use crate::bus::Bus;
use crate::store::{Finished, Store, StoredDelivery, FRESH_GRACE};
use app::protocol::{DeliveryStatus, SessionId};
use chrono::Utc;
use futures_util::StreamExt;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use lanes::{Lane, Wakeup, Woken};
use parsed::Parsed;
use tokio::sync::mpsc;

/// Deliveries read per scan.
const SCAN_BATCH: i64 = 100;
/// Woken deliveries applied together (their outcomes share a transaction).
const WAKE_BATCH: usize = 256;
/// Subjects of a batch applied at once. Each may be waiting on a read (the
/// store reads on four connections) or for its turn at the write lock;
/// more would only lengthen that queue, in which intake's commits, and so
/// the providers' acknowledgements, wait too.
const OVERLAP: usize = 4;

#[derive(Clone)]
pub struct Processor {
    pub store: Arc<dyn Store>,
    pub bus: Arc<dyn Bus>,
    /// Whether the seeds' guess-by-recency matching is allowed.
    pub legacy_matching: bool,
    /// The tenant whose outbound endpoints hear of connect flows
    /// (`connection.status`); connect sessions are anonymous.
    pub connect_tenant: Option<app::protocol::TenantId>,
}

/// What applying a delivery came to.
pub struct Outcome {
    pub status: DeliveryStatus,
    pub session: Option<SessionId>,
}

impl Processor {
    /// A processor for tenant and provider events (no connect-flow options).
    pub fn new(store: Arc<dyn Store>, bus: Arc<dyn Bus>) -> Self {
        Self { store, bus, legacy_matching: false, connect_tenant: None }
    }

    /// Runs every lane until its wake-up channel closes. The lanes share
    /// this one task, so stopping it stops them all; they overlap wherever
    /// one waits on the database.
    pub async fn run(self, woken: Woken, retry_interval: Duration) {
        let [connect, whatsapp, tenant] = woken;
        tokio::join!(
            self.run_lane(Lane::Connect, connect, retry_interval),
            self.run_lane(Lane::WhatsApp, whatsapp, retry_interval),
            self.run_lane(Lane::Tenant, tenant, retry_interval),
        );
    }

    /// One lane: each woken id, and every `retry_interval` the lane's
    /// pending deliveries that are due. Within a lane one thing at a time,
    /// so a session's or a message's events apply in order.
    async fn run_lane(&self, lane: Lane, mut wake: mpsc::UnboundedReceiver<Wakeup>, retry_interval: Duration) {
        let mut tick = tokio::time::interval(retry_interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                id = wake.recv() => match id {
                    Some(first) => {
                        // Whatever else is waiting goes in the same batch.
                        let mut woken = vec![first];
                        while woken.len() < WAKE_BATCH {
                            match wake.try_recv() {
                                Ok(next) => woken.push(next),
                                Err(_) => break,
                            }
                        }
                        self.process_woken(woken).await;
                    }
                    None => return,
                },
                _ = tick.tick() => self.process_due(lane).await,
            }
        }
    }

    async fn process_due(&self, lane: Lane) {
        let ids = match self.store.due_deliveries(Utc::now(), SCAN_BATCH).await {
            Ok(ids) => ids,
            Err(err) => return tracing::error!(error = %err, "could not scan pending deliveries"),
        };
        match self.store.pending_deliveries(&ids).await {
            Ok(mut deliveries) => {
                // Other lanes retry their own (and the first lane whatever
                // no lane claims, which `apply` then reports).
                deliveries.retain(|d| Lane::of(&d.provider).unwrap_or(Lane::Connect) == lane);
                self.apply_batch(deliveries.into_iter().map(|d| (d, None)).collect()).await;
            }
            Err(err) => tracing::error!(error = %err, "could not read pending deliveries"),
        }
    }

    /// Applies a batch of woken deliveries, in id order, and records the
    /// outcomes in one transaction. Fresh ones are applied as carried; the
    /// rest are read first, and skipped if no longer pending.
    async fn process_woken(&self, woken: Vec<Wakeup>) {
        let now = Utc::now();
        let (mut ready, mut ids) = (Vec::with_capacity(woken.len()), Vec::new());
        for wakeup in woken {
            match wakeup {
                // Scans run in this same loop, between batches: one that ran
                // before now took no delivery this young.
                Wakeup::Fresh { delivery, parsed, received_at } if now - received_at < FRESH_GRACE => {
                    ready.push((delivery, Some(parsed)))
                }
                Wakeup::Fresh { delivery, .. } => ids.push(delivery.id),
                Wakeup::Stored(id) => ids.push(id),
            }
        }
        if !ids.is_empty() {
            match self.store.pending_deliveries(&ids).await {
                Ok(found) => ready.extend(found.into_iter().map(|d| (d, None))),
                // They stay pending; the retry scan finds them.
                Err(err) => tracing::error!(error = %err, count = ids.len(), "could not read deliveries"),
            }
        }
        ready.sort_by_key(|(d, _)| d.id);
        self.apply_batch(ready).await;
    }

    /// Applies a batch and records the outcomes in one transaction. Each
    /// subject's deliveries go in id order; different subjects overlap, so
    /// their round trips to the database wait side by side rather than one
    /// behind another (fifty students scanning at once is one batch). A
    /// delivery comes with intake's parse of it, or is parsed here.
    async fn apply_batch(&self, deliveries: Vec<(StoredDelivery, Option<Parsed>)>) {
        let count = deliveries.len();
        let mut sequences: Vec<Vec<(StoredDelivery, anyhow::Result<Parsed>)>> = Vec::new();
        let mut by_subject: HashMap<Option<String>, usize> = HashMap::new();
        for (delivery, parsed) in deliveries {
            let parsed = parsed.map_or_else(|| Parsed::of(&delivery), Ok);
            let subject = parsed.as_ref().ok().and_then(Parsed::subject).map(str::to_owned);
            let index = *by_subject.entry(subject).or_insert_with(|| {
                sequences.push(Vec::new());
                sequences.len() - 1
            });
            sequences[index].push((delivery, parsed));
        }
        let sequences: Vec<_> = sequences.into_iter().map(|sequence| async move {
            let mut results = Vec::with_capacity(sequence.len());
            for (delivery, parsed) in sequence {
                let result = match parsed {
                    Ok(parsed) => self.apply(parsed).await,
                    Err(err) => Err(err),
                };
                results.push((delivery, result));
            }
            results
        }).collect();
        let applied: Vec<_> = futures_util::stream::iter(sequences).buffer_unordered(OVERLAP).collect().await;
        let mut finished = Vec::with_capacity(count);
        for (delivery, result) in applied.into_iter().flatten() {
            let id = delivery.id;
            match result {
                Ok(outcome) => finished.push(Finished { id, status: outcome.status, session: outcome.session }),
                Err(err) => {
                    let retry_at = Utc::now() + backoff(delivery.attempts);
                    tracing::warn!(delivery = id, attempts = delivery.attempts + 1, error = %err, %retry_at, "processing failed; will retry");
                    if let Err(err) = self.store.delay_delivery(id, &err.to_string(), retry_at).await {
                        tracing::error!(delivery = id, error = %err, "could not record the failure; will retry");
                    }
                }
            }
        }
        if finished.is_empty() {
            return;
        }
        if let Err(err) = self.store.finish_deliveries(&finished, Utc::now()).await {
            // They stay pending; the next scan applies them again, which
            // changes nothing the first pass already changed.
            tracing::error!(error = %err, count = finished.len(), "could not record processing outcomes; will retry");
        }
    }

    async fn apply(&self, parsed: Parsed) -> anyhow::Result<Outcome> {
        match parsed {
            Parsed::Connection(connection) => connections::apply(self, &connection).await,
            Parsed::Kept => Ok(Outcome { status: DeliveryStatus::Processed, session: None }),
            Parsed::WhatsApp(event) => whatsapp::apply(self, event).await,
            Parsed::Tenant(event) => Ok(tenant::apply(self, event).await?.0),
        }
    }
}

/// 1 s, 2 s, 4 s … capped at 5 minutes.
fn backoff(attempts: i64) -> chrono::Duration {
    chrono::Duration::seconds(1i64 << attempts.clamp(0, 8)).min(chrono::Duration::minutes(5))
}

//! The delivery worker: applies stored webhooks to the state they concern.
//!
//! One lane per provider ([`Lane`]), so a backlog of WhatsApp statuses never
//! delays a student's connect flow. A lane applies what intake hands it
//! (leased to this node when it was stored), and claims the rest from the
//! store: at start-up, every [`retry interval`](run) and whenever a record
//! makes unmatched deliveries applicable again. A claimed delivery is
//! leased, so no other node (or scan) applies it meanwhile; a node that
//! dies leaves its leases to run out, and another node takes over.
//!
//! Each delivery is applied as one unit of work ([`crate::store::Unit`]):
//! the state change, what it causes, and the delivery's mark commit
//! together, in the store. Within a lane units are applied in id order, so
//! a session's or a message's events apply in order. Committed changes go
//! to the [`relay`], which publishes them for the hub.

mod connections;
pub mod heartbeat;
#[cfg(test)]
mod lane_props;
pub mod log_feed;
pub mod notify;
pub mod relay;
pub mod sweeper;
mod tenant;
mod whatsapp;

use crate::events::tenant::Produced;
use crate::events::{Lane, Parsed, Provider, StoredDelivery, Wakeup, Woken};
use crate::store::{DeliveryWork, Done, Lease, Store, Unit};
use app::protocol::TenantId;
use chrono::Utc;
use relay::Relay;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// How long a lease lasts: far longer than applying a delivery takes, and
/// the wait before another node takes over a dead node's deliveries.
pub const LEASE: chrono::TimeDelta = chrono::TimeDelta::seconds(30);
/// Deliveries claimed per scan; a scan claims again until none are due.
const SCAN_BATCH: i64 = 1000;
/// Woken deliveries gathered into one batch at most.
const WAKE_BATCH: usize = 256;
/// Units handed to the store per job: jobs share the writer's commits with
/// intake's deliveries, so each is kept short.
const UNITS_PER_JOB: usize = 64;

/// What applying an event may depend on besides the store.
#[derive(Clone, Debug, Default)]
pub struct Context {
    /// Whether the seeds' guess-by-recency matching is allowed.
    pub legacy_matching: bool,
    /// The tenant whose outbound endpoints hear of connect flows
    /// (`connection.status`); connect sessions are anonymous.
    pub connect_tenant: Option<TenantId>,
}

#[derive(Clone)]
pub struct Processor {
    pub store: Arc<dyn Store>,
    pub relay: Relay,
    pub context: Context,
    /// This node, as lease holder.
    pub node: Arc<str>,
    pub metrics: Arc<crate::metrics::Metrics>,
    pub heartbeat: Arc<heartbeat::Heartbeat>,
    /// Marked after every batch, for operators' delivery-log pages.
    pub log: crate::events::LogFeed,
}

/// A delivery being applied, and who waits for what it produces.
type Waiting = (StoredDelivery, Option<oneshot::Sender<Produced>>);

/// A delivery ready to apply.
struct Ready {
    delivery: StoredDelivery,
    parsed: Option<Parsed>,
    reply: Option<oneshot::Sender<Produced>>,
}

/// A new lease for `node`.
pub fn lease(node: &Arc<str>) -> Lease {
    Lease { owner: node.clone(), until: Utc::now() + LEASE }
}

fn providers(lane: Lane) -> Vec<Provider> {
    Provider::ALL.into_iter().filter(|p| p.lane() == lane).collect()
}

impl Processor {
    /// Runs every lane until its wake-up channel closes.
    pub async fn run(self, woken: Woken, retry_interval: Duration) {
        let [connect, whatsapp, tenant] = woken;
        tokio::join!(
            self.run_lane(Lane::Connect, connect, retry_interval),
            self.run_lane(Lane::WhatsApp, whatsapp, retry_interval),
            self.run_lane(Lane::Tenant, tenant, retry_interval),
        );
    }

    async fn run_lane(&self, lane: Lane, mut wake: mpsc::UnboundedReceiver<Wakeup>, retry_interval: Duration) {
        // The first tick is at once: a backlog left by a restart is claimed
        // before anything else.
        let mut tick = tokio::time::interval(retry_interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                first = wake.recv() => match first {
                    Some(first) => {
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
                _ = tick.tick() => {
                    self.scan(lane).await;
                    self.heartbeat.beat(lane);
                }
            }
        }
    }

    /// Claims and applies the lane's due deliveries, oldest first, until
    /// none are left.
    async fn scan(&self, lane: Lane) {
        let providers = providers(lane);
        loop {
            let claimed = match self.store.claim_due(&providers, Utc::now(), &lease(&self.node), SCAN_BATCH).await {
                Ok(claimed) => claimed,
                Err(err) => return tracing::error!(error = %err, "could not claim pending deliveries"),
            };
            let full = claimed.len() as i64 >= SCAN_BATCH;
            if !claimed.is_empty() {
                tracing::debug!(?lane, claimed = claimed.len(), "claimed pending deliveries");
            }
            self.apply_batch(claimed.into_iter().map(|delivery| Ready { delivery, parsed: None, reply: None }).collect()).await;
            if !full {
                return;
            }
        }
    }

    async fn process_woken(&self, woken: Vec<Wakeup>) {
        let mut ready = Vec::with_capacity(woken.len());
        let mut claims = Vec::new();
        for wakeup in woken {
            match wakeup {
                Wakeup::Fresh { delivery, parsed, reply } => ready.push(Ready { delivery, parsed: Some(parsed), reply }),
                Wakeup::Claim(ids) => claims.extend(ids),
            }
        }
        if !claims.is_empty() {
            match self.store.claim(&claims, &lease(&self.node)).await {
                Ok(claimed) => ready.extend(claimed.into_iter().map(|delivery| Ready { delivery, parsed: None, reply: None })),
                // They stay pending; a scan claims them.
                Err(err) => tracing::error!(error = %err, "could not claim deliveries"),
            }
        }
        ready.sort_by_key(|r| r.delivery.id);
        self.apply_batch(ready).await;
    }

    /// Applies deliveries in id order, as units of work. Every job of the
    /// batch goes to the store at once, so its writer can commit them
    /// together (one job at a time would wait out a commit each); their
    /// outcomes are then taken in order.
    async fn apply_batch(&self, ready: Vec<Ready>) {
        if ready.is_empty() {
            return;
        }
        let mut jobs = Vec::new();
        let mut ready = ready.into_iter().peekable();
        while ready.peek().is_some() {
            let chunk: Vec<Ready> = ready.by_ref().take(UNITS_PER_JOB).collect();
            if let Some(job) = self.prepare(chunk).await {
                jobs.push(job);
            }
        }
        let (units, waiting): (Vec<_>, Vec<_>) = jobs.into_iter().unzip();
        let outcomes = futures_util::future::join_all(units.into_iter().map(|units| async move {
            let (count, started) = (units.len(), std::time::Instant::now());
            let outcome = self.store.apply(self.node.clone(), units).await;
            self.metrics.applied(count, started.elapsed());
            outcome
        }))
        .await;
        for (waiting, outcome) in waiting.into_iter().zip(outcomes) {
            match outcome {
                Ok(done) => self.finish(waiting, done).await,
                // They stay pending under this node's lease, which runs out.
                Err(err) => tracing::error!(error = %err, count = waiting.len(), "could not apply deliveries"),
            }
        }
        // Every status this batch set is in the log.
        self.log.mark();
    }

    /// The units of work of `chunk`, and who waits for each; a delivery
    /// that does not parse goes back to the retry schedule.
    async fn prepare(&self, chunk: Vec<Ready>) -> Option<(Vec<Unit>, Vec<Waiting>)> {
        let mut units = Vec::with_capacity(chunk.len());
        let mut waiting = Vec::with_capacity(chunk.len());
        for Ready { delivery, parsed, reply } in chunk {
            let parsed = match parsed.map_or_else(|| Parsed::of(delivery.provider, &delivery.topic, &delivery.body), Ok) {
                Ok(parsed) => parsed,
                Err(err) => {
                    self.retry(&delivery, &err.to_string()).await;
                    continue;
                }
            };
            units.push(self.unit(delivery.id, parsed));
            waiting.push((delivery, reply));
        }
        (!units.is_empty()).then_some((units, waiting))
    }

    /// Publishes what each applied unit committed and answers who waits.
    async fn finish(&self, waiting: Vec<Waiting>, done: Vec<Done>) {
        for ((delivery, reply), done) in waiting.into_iter().zip(done) {
            match done {
                Done::Applied { applied, outbox } => {
                    self.relay.publish(outbox);
                    if let Some(reply) = reply {
                        let _ = reply.send(applied.produced);
                    }
                }
                Done::Lost => tracing::debug!(delivery = delivery.id, "delivery applied elsewhere"),
                Done::Failed(reason) => self.retry(&delivery, &reason).await,
            }
        }
    }

    /// The unit of work that applies `parsed`, delivered as `delivery`.
    fn unit(&self, delivery: i64, parsed: Parsed) -> Unit {
        let context = self.context.clone();
        let work: Option<DeliveryWork> = match parsed {
            Parsed::Connection(event) => Some(Box::new(move |tx| connections::apply(tx, &context, &event, delivery))),
            Parsed::Kept => None,
            Parsed::WhatsApp(event) => Some(Box::new(move |tx| whatsapp::apply(tx, event.clone(), delivery))),
            Parsed::Tenant(event) => Some(Box::new(move |tx| tenant::apply(tx, event.clone(), delivery))),
        };
        Unit { delivery, work }
    }

    /// Gives a failed delivery back to the retry schedule.
    async fn retry(&self, delivery: &StoredDelivery, error: &str) {
        let retry_at = Utc::now() + backoff(delivery.attempts);
        tracing::warn!(delivery = delivery.id, attempts = delivery.attempts + 1, error, %retry_at, "processing failed; will retry");
        if let Err(err) = self.store.delay_delivery(delivery.id, &self.node, error, retry_at).await {
            tracing::error!(error = %err, "could not record a failed attempt");
        }
    }
}

/// 1 s, 2 s, 4 s … capped at 5 minutes.
fn backoff(attempts: i64) -> chrono::Duration {
    chrono::Duration::seconds(1i64 << attempts.clamp(0, 8)).min(chrono::Duration::minutes(5))
}

//! Outbound webhooks: Tidings forwards its events to tenants' own endpoints,
//! signed with Standard Webhooks headers (per-endpoint `whsec_` secret), sent
//! with a timeout, and retried on Svix's schedule ([`schedule`]) from a
//! durable queue in the store: a restart loses nothing (delivery is
//! at-least-once, with a stable `webhook-id` receivers can dedupe by).
//! `429` with `Retry-After` is honoured; `410` disables the endpoint; an
//! endpoint failing for days is disabled and its tenant told. Every attempt
//! is logged.
//!
//! A pass sends to many endpoints at once (at most [`IN_FLIGHT`]), but to
//! each endpoint one delivery at a time, in order: a slow tenant delays only
//! itself. One delivery's failure never stops the others.

pub mod events;
pub mod guard;
pub mod schedule;
pub mod signer;

use crate::metrics::Metrics;
use crate::process::notify::notify;
use crate::process::relay::Relay;
use crate::store::{self, Attempt, DueDelivery, NewNotification, Next, Store};
use app::protocol::{NotificationType, Priority};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use schedule::Answer;
use serde_json::{json, Value};
use signer::Signer;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Deliveries attempted per pass.
const BATCH: i64 = 200;
/// Endpoints sent to at once.
const IN_FLIGHT: usize = 16;
/// How much of an endpoint's answer the attempt log keeps.
const EXCERPT: usize = 500;

#[derive(Clone)]
pub struct Dispatcher {
    store: Arc<dyn Store>,
    relay: Relay,
    signer: Arc<Signer>,
    /// Whether internal addresses are allowed (local development, tests).
    allow_internal: bool,
    /// This run of this node, which the deliveries it sends are leased to.
    owner: Arc<str>,
    metrics: Arc<Metrics>,
}

impl Dispatcher {
    pub fn new(
        store: Arc<dyn Store>,
        relay: Relay,
        signer: Arc<Signer>,
        allow_internal: bool,
        owner: Arc<str>,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self { store, relay, signer, allow_internal, owner, metrics }
    }

    /// Attempts due deliveries every `every`, until the task is dropped.
    pub async fn run(self, every: Duration) {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(err) = self.run_once(Utc::now()).await {
                tracing::error!(error = %err, "outbound pass failed");
            }
        }
    }

    /// Attempts every delivery due at `now` (the schedule's clock; each is
    /// signed when sent); returns how many. Tests call this with the time
    /// they choose instead of waiting.
    pub async fn run_once(&self, now: DateTime<Utc>) -> anyhow::Result<usize> {
        let due = self.store.due_outbound(now, BATCH, &self.owner).await?;
        let count = due.len();
        // One queue per endpoint, in the order they were due.
        let mut queues: Vec<Vec<DueDelivery>> = Vec::new();
        for d in due {
            match queues.iter_mut().find(|q| q[0].endpoint_id == d.endpoint_id) {
                Some(queue) => queue.push(d),
                None => queues.push(vec![d]),
            }
        }
        futures_util::stream::iter(queues)
            .for_each_concurrent(IN_FLIGHT, |queue| async move {
                for d in queue {
                    if let Err(err) = self.attempt(&d, now).await {
                        tracing::error!(delivery = d.id, error = %err, "outbound attempt could not be recorded; it is tried again");
                    }
                }
            })
            .await;
        Ok(count)
    }

    async fn attempt(&self, d: &DueDelivery, now: DateTime<Utc>) -> anyhow::Result<()> {
        let made = d.attempts + 1;
        if !d.endpoint_enabled {
            let attempt = Attempt { at: now, status_code: None, duration_ms: 0, response: None, error: Some("endpoint disabled".into()) };
            self.metrics.outbound_attempt("endpoint_disabled");
            return Ok(self.store.record_attempt(d.id, &attempt, Next::Failed).await?);
        }
        let timeout = self.store.webhook_settings(d.tenant).await?.timeout_ms.clamp(1_000, 120_000) as u64;
        let started = Instant::now();
        let result = self.send(d, Duration::from_millis(timeout)).await;
        let duration_ms = started.elapsed().as_millis() as i64;
        let (attempt, (next, gone)) = match result {
            Ok(answered) => {
                let excerpt = String::from_utf8_lossy(&answered.body).chars().take(EXCERPT).collect();
                let (code, retry_after) = (answered.status, answered.retry_after);
                let attempt = Attempt { at: now, status_code: Some(code), duration_ms, response: Some(excerpt), error: None };
                (attempt, schedule::decide(made, Answer::Status { code, retry_after: retry_after.as_deref() }, now))
            }
            Err(err) => {
                let attempt = Attempt { at: now, status_code: None, duration_ms, response: None, error: Some(err) };
                (attempt, schedule::decide(made, Answer::NoAnswer, now))
            }
        };
        self.metrics.outbound_attempt(match attempt.status_code {
            Some(code) if (200..300).contains(&code) => "delivered",
            Some(_) => "refused",
            None => "no_answer",
        });
        self.store.record_attempt(d.id, &attempt, next).await?;
        tracing::info!(delivery = d.id, endpoint = d.endpoint_id, status = ?attempt.status_code, ?next, "outbound attempt");
        self.update_health(d, next, gone, now).await
    }

    /// Sends one delivery, as message `msg_<id>` (the same on every retry).
    async fn send(&self, d: &DueDelivery, timeout: Duration) -> Result<signer::Answered, String> {
        let url = guard::check_url(&d.url, self.allow_internal).map_err(|e| e.to_string())?;
        let body = json!({
            "type": d.event_type.name(),
            "timestamp": d.message_at,
            "data": serde_json::from_str::<Value>(&d.payload).unwrap_or(Value::Null),
        })
        .to_string();
        self.signer.send(url, &format!("msg_{}", d.message_id), &d.secret, body, timeout).await
    }

    /// Tracks how long an endpoint has been failing; disables it when it is
    /// gone (410) or has failed for [`schedule::DISABLE_AFTER`], and tells
    /// its tenant.
    async fn update_health(&self, d: &DueDelivery, next: Next, gone: bool, now: DateTime<Utc>) -> anyhow::Result<()> {
        if next == Next::Succeeded {
            if d.failing_since.is_some() {
                self.store.set_endpoint_health(d.endpoint_id, None, None).await?;
            }
            return Ok(());
        }
        let since = d.failing_since.unwrap_or(now);
        let reason = if gone {
            Some("the endpoint answered 410 Gone".to_owned())
        } else if now - since >= schedule::DISABLE_AFTER {
            Some(format!("failing since {}", since.format("%Y-%m-%d %H:%M UTC")))
        } else {
            None
        };
        let disabled_now = self.store.set_endpoint_health(d.endpoint_id, Some(since), reason.as_deref()).await?;
        if let Some(reason) = reason.filter(|_| disabled_now) {
            tracing::warn!(endpoint = d.endpoint_id, %reason, "outbound endpoint disabled");
            let note = NewNotification {
                tenant: d.tenant,
                user: None,
                title: "Webhook endpoint disabled".into(),
                message: format!("{} was disabled: {reason}.", d.url),
                kind: NotificationType::Error,
                priority: Priority::High,
                action_url: Some("/settings/webhooks".into()),
                action_text: Some("Review endpoints".into()),
                metadata: json!({ "endpointId": d.endpoint_id }),
                source: Some(format!("endpoint-disabled:{}:{}", d.endpoint_id, since.timestamp())),
            };
            let ((), outbox) = store::run(self.store.as_ref(), move |tx| notify(tx, &note).map(drop)).await?;
            self.relay.publish(outbox);
        }
        Ok(())
    }
}

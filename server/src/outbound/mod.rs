//! Outbound webhooks: Tidings forwards its events to tenants' own endpoints,
//! signed with Standard Webhooks headers (per-endpoint `whsec_` secret), sent
//! with a timeout, and retried on Svix's schedule ([`schedule`]) from a
//! durable queue in the store: a restart loses nothing (delivery is
//! at-least-once). `429` with `Retry-After` is honoured; `410` disables the
//! endpoint; an endpoint failing for days is disabled and its tenant told.
//! Every attempt is logged.

pub mod guard;
pub mod schedule;

use crate::bus::Bus;
use crate::process::{tenant::notify, Processor};
use crate::store::{Attempt, DueDelivery, NewNotification, Next, Store};
use app::protocol::{NotificationType, OutboundEventType, Priority, TenantId};
use chrono::{DateTime, Utc};
use schedule::Answer;
use serde_json::{json, Value};
use standardwebhooks::Webhook;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Deliveries attempted per pass.
const BATCH: i64 = 50;
/// How much of an endpoint's answer is read at most.
const MAX_ANSWER: usize = 64 * 1024;
/// How much of it the attempt log keeps.
const EXCERPT: usize = 500;

/// Queues `payload` as an `event_type` event for the tenant's endpoints.
pub async fn enqueue(store: &dyn Store, tenant: TenantId, event_type: OutboundEventType, payload: Value) -> anyhow::Result<()> {
    store.enqueue(tenant, event_type, &payload, None, Utc::now()).await?;
    Ok(())
}

#[derive(Clone)]
pub struct Dispatcher {
    store: Arc<dyn Store>,
    bus: Arc<dyn Bus>,
    http: reqwest::Client,
    /// Whether internal addresses are allowed (local development, tests).
    allow_internal: bool,
}

impl Dispatcher {
    pub fn new(store: Arc<dyn Store>, bus: Arc<dyn Bus>, allow_internal: bool) -> Self {
        Self::resolving_with(store, bus, allow_internal, Arc::new(guard::SystemLookup))
    }

    /// A dispatcher whose host names are resolved by `lookup` (tests).
    pub fn resolving_with(store: Arc<dyn Store>, bus: Arc<dyn Bus>, allow_internal: bool, lookup: Arc<dyn guard::Lookup>) -> Self {
        let http = reqwest::Client::builder()
            // A redirect could lead anywhere, past the address check.
            .redirect(reqwest::redirect::Policy::none())
            // Names resolve once, through the guard, and the client
            // connects to the very addresses it checked.
            .dns_resolver(Arc::new(guard::GuardedResolver { lookup, allow_internal }))
            .user_agent(concat!("Tidings-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("an HTTP client");
        Self { store, bus, http, allow_internal }
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

    /// Attempts every delivery due at `now`; returns how many. Tests call
    /// this with the time they choose instead of waiting.
    pub async fn run_once(&self, now: DateTime<Utc>) -> anyhow::Result<usize> {
        let due = self.store.due_outbound(now, BATCH).await?;
        for delivery in &due {
            self.attempt(delivery, now).await?;
        }
        Ok(due.len())
    }

    async fn attempt(&self, d: &DueDelivery, now: DateTime<Utc>) -> anyhow::Result<()> {
        let made = d.attempts + 1;
        if !d.endpoint_enabled {
            let attempt = Attempt { at: now, status_code: None, duration_ms: 0, response: None, error: Some("endpoint disabled".into()) };
            return Ok(self.store.record_attempt(d.id, &attempt, Next::Failed).await?);
        }
        let timeout = self.store.webhook_settings(d.tenant).await?.timeout_ms.clamp(1_000, 120_000) as u64;
        let started = Instant::now();
        let result = self.send(d, now, Duration::from_millis(timeout)).await;
        let duration_ms = started.elapsed().as_millis() as i64;
        let (attempt, (next, gone)) = match result {
            Ok((code, retry_after, body)) => {
                let attempt = Attempt { at: now, status_code: Some(code), duration_ms, response: Some(body), error: None };
                let decision = schedule::decide(made, Answer::Status { code, retry_after: retry_after.as_deref() }, now);
                (attempt, decision)
            }
            Err(err) => {
                let attempt = Attempt { at: now, status_code: None, duration_ms, response: None, error: Some(err) };
                (attempt, schedule::decide(made, Answer::NoAnswer, now))
            }
        };
        self.store.record_attempt(d.id, &attempt, next).await?;
        tracing::info!(delivery = d.id, endpoint = d.endpoint_id, status = ?attempt.status_code, ?next, "outbound attempt");
        self.update_health(d, next, gone, now).await
    }

    /// Sends one delivery; the answer's status, `Retry-After` and excerpt.
    async fn send(&self, d: &DueDelivery, now: DateTime<Utc>, timeout: Duration) -> Result<(u16, Option<String>, String), String> {
        let url = guard::check_url(&d.url, self.allow_internal).map_err(|e| e.to_string())?;
        let body = json!({
            "type": d.event_type.name(),
            "timestamp": d.message_at,
            "data": serde_json::from_str::<Value>(&d.payload).unwrap_or(Value::Null),
        })
        .to_string();
        let id = format!("msg_{}", d.message_id);
        let signature = Webhook::new(&d.secret).and_then(|w| w.sign(&id, now.timestamp(), body.as_bytes())).map_err(|e| e.to_string())?;
        let response = self
            .http
            .post(url)
            .timeout(timeout)
            .header("content-type", "application/json")
            .header("webhook-id", &id)
            .header("webhook-timestamp", now.timestamp().to_string())
            .header("webhook-signature", signature)
            .body(body)
            .send()
            .await
            .map_err(describe)?;
        let code = response.status().as_u16();
        let retry_after = response.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let answer = read_at_most(response, MAX_ANSWER).await;
        Ok((code, retry_after, String::from_utf8_lossy(&answer).chars().take(EXCERPT).collect()))
    }

}

/// A failed send in words, with the guard's refusal (found in the error's
/// sources) rather than the client's generic "error sending request".
fn describe(err: reqwest::Error) -> String {
    if err.is_timeout() {
        return "timed out".to_owned();
    }
    let mut source = std::error::Error::source(&err);
    while let Some(inner) = source {
        if let Some(refused) = inner.downcast_ref::<guard::UrlRefused>() {
            return refused.to_string();
        }
        source = inner.source();
    }
    err.to_string()
}

/// At most `limit` bytes of the answer's body: an endpoint cannot make the
/// dispatcher read (or the log keep) more.
async fn read_at_most(mut response: reqwest::Response, limit: usize) -> Vec<u8> {
    let mut body = Vec::new();
    while body.len() < limit {
        match response.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk[..chunk.len().min(limit - body.len())]),
            _ => break,
        }
    }
    body
}

impl Dispatcher {
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
            let processor = Processor::new(self.store.clone(), self.bus.clone());
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
            };
            notify(&processor, note).await?;
        }
        Ok(())
    }
}

//! Prometheus metrics, served at `GET /metrics` to holders of the operator
//! token (`METRICS_TOKEN`; without one the endpoint does not exist). One
//! registry per application, so servers sharing a process (the tests) each
//! count their own. Counters and histograms move where things happen; the
//! gauges (backlog, open sockets, slow-consumer disconnects) are read from
//! the application's state when scraped.

use crate::state::AppState;
use crate::store::WriteStats;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use prometheus::{Encoder, Histogram, HistogramOpts, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry, TextEncoder};
use std::time::Duration;

pub struct Metrics {
    registry: Registry,
    /// Webhooks answered, by provider and outcome (`acknowledged`, or the
    /// refusal: `unauthorized`, `bad_request`, `too_large`, `not_found`,
    /// `rate_limited`, `error`).
    webhooks: IntCounterVec,
    /// Seconds to apply one batch of deliveries (its commit included).
    apply_seconds: Histogram,
    /// Deliveries per applied batch.
    apply_batch: Histogram,
    /// Seconds from a connect session's change committing to its frame
    /// being queued on the sockets that show it.
    change_to_socket_seconds: Histogram,
    /// Outbound webhook attempts, by outcome.
    outbound_attempts: IntCounterVec,
    backlog: IntGauge,
    sockets_open: IntGaugeVec,
    slow_disconnects: IntGauge,
}

fn must<T>(made: prometheus::Result<T>) -> T {
    made.expect("a valid metric definition")
}

impl Default for Metrics {
    fn default() -> Self {
        let registry = Registry::new_custom(Some("tidings".into()), None).expect("a valid prefix");
        let latency = || vec![0.000_5, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5];
        let metrics = Self {
            webhooks: must(IntCounterVec::new(Opts::new("webhooks_total", "Webhooks answered"), &["provider", "outcome"])),
            apply_seconds: must(Histogram::with_opts(
                HistogramOpts::new("apply_seconds", "Time to apply a batch of deliveries, commit included").buckets(latency()),
            )),
            apply_batch: must(Histogram::with_opts(
                HistogramOpts::new("apply_batch_deliveries", "Deliveries per applied batch")
                    .buckets(vec![1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0]),
            )),
            change_to_socket_seconds: must(Histogram::with_opts(
                HistogramOpts::new("change_to_socket_seconds", "From a session change's commit to its frame queued on the sockets")
                    .buckets(latency()),
            )),
            outbound_attempts: must(IntCounterVec::new(Opts::new("outbound_attempts_total", "Outbound webhook attempts"), &["outcome"])),
            backlog: must(IntGauge::new("pending_deliveries", "Deliveries stored and not yet applied")),
            sockets_open: must(IntGaugeVec::new(Opts::new("sockets_open", "Open WebSockets"), &["endpoint"])),
            slow_disconnects: must(IntGauge::new("slow_consumer_disconnects", "Sockets closed for not keeping up, since start")),
            registry,
        };
        for metric in [
            Box::new(metrics.webhooks.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(metrics.apply_seconds.clone()),
            Box::new(metrics.apply_batch.clone()),
            Box::new(metrics.change_to_socket_seconds.clone()),
            Box::new(metrics.outbound_attempts.clone()),
            Box::new(metrics.backlog.clone()),
            Box::new(metrics.sockets_open.clone()),
            Box::new(metrics.slow_disconnects.clone()),
        ] {
            must(metrics.registry.register(metric));
        }
        metrics
    }
}

impl Metrics {
    /// Registers the store's writer histograms (jobs per transaction,
    /// commit time), which the store's writers move.
    pub fn watch_writes(&self, stats: &WriteStats) {
        for histogram in [&stats.batch_jobs, &stats.commit_seconds] {
            must(self.registry.register(Box::new(histogram.clone())));
        }
    }

    pub fn webhook(&self, provider: &str, status: StatusCode) {
        let outcome = match status.as_u16() {
            200..=299 => "acknowledged",
            401 | 403 => "unauthorized",
            400 | 422 => "bad_request",
            413 => "too_large",
            404 => "not_found",
            429 => "rate_limited",
            _ => "error",
        };
        self.webhooks.with_label_values(&[provider, outcome]).inc();
    }

    pub fn applied(&self, deliveries: usize, took: Duration) {
        self.apply_seconds.observe(took.as_secs_f64());
        self.apply_batch.observe(deliveries as f64);
    }

    pub fn dispatched(&self, since_commit: Duration) {
        self.change_to_socket_seconds.observe(since_commit.as_secs_f64());
    }

    pub fn outbound_attempt(&self, outcome: &str) {
        self.outbound_attempts.with_label_values(&[outcome]).inc();
    }

    /// The text exposition, with the gauges read from `state` now.
    async fn render(&self, state: &AppState) -> String {
        match state.store.pending_count().await {
            Ok(pending) => self.backlog.set(pending),
            Err(err) => tracing::warn!(error = %err, "could not count pending deliveries for /metrics"),
        }
        for (endpoint, open) in state.limits.sockets.open_by_endpoint() {
            self.sockets_open.with_label_values(&[endpoint.as_str()]).set(open as i64);
        }
        self.slow_disconnects.set(state.hub.slow_disconnects() as i64);
        let mut text = Vec::new();
        if let Err(err) = TextEncoder::new().encode(&self.registry.gather(), &mut text) {
            tracing::error!(error = %err, "could not encode metrics");
        }
        String::from_utf8(text).unwrap_or_default()
    }
}

/// `GET /metrics`, for a bearer of `METRICS_TOKEN`.
#[utoipa::path(
    get,
    path = "/metrics",
    operation_id = "metrics",
    tag = "Health",
    responses(
        (status = 200, description = "Prometheus text exposition", content_type = "text/plain", body = String),
        (status = 401, description = "No or a wrong token"),
        (status = 404, description = "No `METRICS_TOKEN` is configured: the endpoint does not exist"),
    ),
    security(("operator_token" = [])),
)]
pub async fn serve(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(token) = &state.settings.metrics_token else { return StatusCode::NOT_FOUND.into_response() };
    let presented = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    if !crate::intake::secret_matches(presented, token) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let text = state.metrics.render(&state).await;
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], text).into_response()
}

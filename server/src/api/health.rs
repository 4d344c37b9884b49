//! `GET /healthz` (the process answers) and `GET /readyz` (this node can do
//! its work: the store takes a write through the writer, every lane of the
//! worker scanned lately, the bus links it to the other nodes, and fewer
//! deliveries wait to be applied than `READY_MAX_BACKLOG`), for load
//! balancers and orchestrators. A failed check says why; nothing in them is
//! secret.

use crate::events::Provider;
use crate::state::AppState;
use crate::store;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use std::time::Duration;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    status: &'static str,
}

#[utoipa::path(
    get,
    path = "/healthz",
    operation_id = "healthz",
    tag = "Health",
    responses(
        (status = 200, description = "The process is up", body = Health),
    ),
)]
pub async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Check {
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

impl Check {
    fn of(result: Result<(), String>) -> Self {
        match result {
            Ok(()) => Self { ok: true, reason: None },
            Err(reason) => Self { ok: false, reason: Some(reason) },
        }
    }
}

/// How long the store's write probe may take before the node counts as
/// not ready.
const WRITE_PROBE: Duration = Duration::from_secs(2);

#[derive(Serialize, utoipa::ToSchema)]
pub struct Checks {
    store: Check,
    writer: Check,
    worker: Check,
    bus: Check,
    backlog: Check,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Readiness {
    ready: bool,
    checks: Checks,
}

#[utoipa::path(
    get,
    path = "/readyz",
    operation_id = "readyz",
    tag = "Health",
    responses(
        (status = 200, description = "Ready: the store, writer, worker, bus and backlog are fine", body = Readiness),
        (status = 503, description = "Not ready: `checks` says which part is not", body = Readiness),
    ),
)]
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Readiness>) {
    let limit = state.settings.ready_max_backlog;
    let pending = state.store.pending_count().await.map_err(|err| format!("the store did not answer: {err}"));
    let backlog = match &pending {
        Ok(waiting) if *waiting > limit => Err(format!("{waiting} deliveries wait to be applied (more than {limit})")),
        Ok(_) => Ok(()),
        Err(_) => Err("unknown: the store did not answer".to_owned()),
    };
    let checks = Checks {
        store: Check::of(pending.map(drop)),
        writer: Check::of(write_probe(&state).await),
        worker: Check::of(worker_alive(&state)),
        bus: Check::of(state.bus.link()),
        backlog: Check::of(backlog),
    };
    let ready = checks.store.ok && checks.writer.ok && checks.worker.ok && checks.bus.ok && checks.backlog.ok;
    let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(Readiness { ready, checks }))
}

/// A unit of work through the writer that writes (an update that matches
/// nothing still needs the write lock): the writer is alive and the store
/// takes writes.
async fn write_probe(state: &AppState) -> Result<(), String> {
    let probe = store::run(state.store.as_ref(), |tx| Ok(tx.requeue_unmatched(Provider::Tenant, "readiness-probe")?.len()));
    match tokio::time::timeout(WRITE_PROBE, probe).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(err)) => Err(format!("the store refused a write: {err}")),
        Err(_) => Err(format!("the store took no write within {} s", WRITE_PROBE.as_secs())),
    }
}

/// Every lane of the worker scanned lately (each does every
/// `RETRY_INTERVAL_SECS`); a paused worker is paused on purpose.
fn worker_alive(state: &AppState) -> Result<(), String> {
    if state.settings.process_paused {
        return Ok(());
    }
    let limit = (state.settings.retry_interval * 3).max(Duration::from_secs(10));
    match state.heartbeat.stalled(limit) {
        None => Ok(()),
        Some((lane, quiet)) => Err(format!("the {lane:?} lane has not scanned for {} s", quiet.as_secs())),
    }
}

//! drain: a server restarted on a backlog of stored, unapplied deliveries
//! (built by an `ingest` run with `PROCESS_PAUSED=true`); how long until
//! the worker has applied every one, from the first time the bench sees
//! the backlog. Reads the delivery stats as the first admin
//! (`TIDINGS_ADMIN_EMAIL`, `TIDINGS_ADMIN_PASSWORD`).

use crate::client::Target;
use crate::report::Report;
use std::time::{Duration, Instant};

/// How often the stats are read: fine enough for a drain of seconds, and
/// rare enough not to slow it (each read counts every delivery; read every
/// 20 ms, they took a third off the drain rate of a 100,000 backlog).
const POLL: Duration = Duration::from_millis(100);
const PATIENCE: Duration = Duration::from_secs(600);

pub async fn run(target: &Target) -> anyhow::Result<Report> {
    let admin = target.admin().await?;
    let pending = || admin.pending();
    let started = Instant::now();
    let first = pending().await?;
    let mut tick = tokio::time::interval(POLL);
    loop {
        tick.tick().await;
        if pending().await? == 0 {
            break;
        }
        anyhow::ensure!(started.elapsed() < PATIENCE, "the backlog did not drain in {PATIENCE:?}");
    }
    let secs = started.elapsed().as_secs_f64();
    let mut report = Report::new("drain");
    report.add("pending_at_first_look", first).add("drained_ms", (secs * 1000.0) as u64).add("applied_per_s", (first as f64 / secs) as u64);
    Ok(report)
}

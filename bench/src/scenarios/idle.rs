//! idle: N sockets held open for a while; how many stayed up, and the
//! server's resident memory per socket (from /proc of its pid). Connect
//! page sockets, or (`--via tenant`, `--via socketio`) `/ws/tenant` or
//! Socket.IO sockets joined to a tenant.

use crate::client::Target;
use crate::fleet::{Fleet, Subscribe, Via};
use crate::report::Report;
use std::time::Duration;

/// Resident set size of `pid`, in KiB.
pub fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).ok_or_else(|| anyhow::anyhow!("no VmRSS"))?;
    Ok(line.split_whitespace().nth(1).unwrap_or("0").parse()?)
}

pub async fn run(target: &Target, sockets: usize, processes: usize, hold: Duration, server_pid: u32, via: Via) -> anyhow::Result<Report> {
    let subscribe = match via.tenant_subscription(target).await? {
        Some(tenant) => tenant,
        None => Subscribe::Session(target.create_session().await?.0),
    };
    let before = rss_kib(server_pid)?;
    let fleet = Fleet::start(target, &subscribe, sockets, processes, &[]).await?;
    let failed = fleet.failed;
    tokio::time::sleep(hold).await;
    let after = rss_kib(server_pid)?;
    let held = fleet.finish().await?;
    let mut report = Report::new("idle");
    report
        .add("via", via.name())
        .add("sockets", sockets as u64)
        .add("client_processes", processes as u64)
        .add("connect_failures", failed as u64)
        .add("held_secs", hold.as_secs())
        .add("still_up", held.still_up as u64)
        .add("server_rss_before_kib", before)
        .add("server_rss_after_kib", after)
        .add("rss_per_socket_bytes", after.saturating_sub(before) * 1024 / sockets.max(1) as u64);
    Ok(report)
}

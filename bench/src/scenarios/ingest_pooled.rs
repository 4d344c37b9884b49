//! ingest-pooled: M signed webhooks through one pooled general-purpose HTTP
//! client (reqwest, as a shop's back end or a provider would use), driven
//! by one thread with C requests in flight: acked/s, ack latency, and the
//! server's CPU per webhook. Where `ingest` measures the server with lean
//! senders, this measures it under the senders it will meet. The share of
//! the delivery writer's thread (SQLite's statements and commits) is
//! reported apart; `floor-pooled` measures the same client against an
//! HTTP server with nothing behind it.

use super::{cpu_secs, thread_cpu_secs, us_each};
use crate::client::Target;
use crate::report::Report;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

pub async fn run(target: &Target, count: usize, connections: usize, server_pid: Option<u32>) -> anyhow::Result<Report> {
    let run_id = format!("{:x}", std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_nanos());
    let (url, key) = (format!("{}/api/webhooks/confirmd", target.base), target.webhook_secret.clone());
    let cpu = |pid| anyhow::Ok((cpu_secs(pid)?, thread_cpu_secs(pid, WRITER)?));
    let cpu_before = server_pid.map(cpu).transpose()?;
    let (mut latencies, failures, elapsed) = send(url, key, run_id, count, connections).await?;
    let per_webhook = |secs: f64| us_each(secs, count);
    let (cpu_us, writer_us) = match (server_pid, cpu_before) {
        (Some(pid), Some((before, writer_before))) => {
            let (after, writer_after) = cpu(pid)?;
            (Some(per_webhook(after - before)), writer_after.zip(writer_before).map(|(a, b)| per_webhook(a - b)))
        }
        _ => (None, None),
    };
    let mut report = Report::new("ingest-pooled");
    report
        .add("webhooks", count as u64)
        .add("connections", connections as u64)
        .add("acked_per_s", (latencies.len() as f64 / elapsed).round())
        .add("non_2xx", failures as u64)
        .add("server_cpu_us_per_webhook", cpu_us.map_or(serde_json::Value::Null, Into::into))
        .add("writer_cpu_us_per_webhook", writer_us.map_or(serde_json::Value::Null, Into::into))
        .latency("ack", &mut latencies);
    Ok(report)
}

/// The SQLite backend's delivery writer thread.
const WRITER: &str = "tidings-writer";

/// What [`send_all`] measured: each acknowledgement's latency, the
/// failures, and the seconds it took.
pub(super) type Sent = (Vec<Duration>, usize, f64);

/// Runs [`send_all`] on a thread of its own (a runtime of its own cannot
/// start on one of this runtime's threads).
pub(super) async fn send(url: String, key: String, run_id: String, count: usize, connections: usize) -> anyhow::Result<Sent> {
    let sending = std::thread::spawn(move || send_all(&url, &key, &run_id, count, connections));
    tokio::task::spawn_blocking(move || sending.join()).await?.map_err(|_| anyhow::anyhow!("the client thread panicked"))?
}

/// Posts every webhook from this thread: one current-thread runtime, one
/// client, `connections` requests in flight.
fn send_all(url: &str, key: &str, run_id: &str, count: usize, connections: usize) -> anyhow::Result<Sent> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let client = reqwest::Client::builder().pool_max_idle_per_host(connections).timeout(Duration::from_secs(30)).build()?;
        let next = AtomicUsize::new(0);
        let start = Instant::now();
        let senders = (0..connections).map(|_| async {
            let (mut latencies, mut failures) = (Vec::new(), 0usize);
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    break;
                }
                let body = format!(
                    r#"{{"id":"pooled-{run_id}-{i}","type":"Credential","state":"offer-sent","orgId":"bench","timestamp":"2026-01-01T00:00:00Z"}}"#
                );
                let sent = Instant::now();
                let answer = client.post(url).header("x-api-key", key).header("content-type", "application/json").body(body).send().await;
                match answer {
                    Ok(response) if response.status().is_success() => {
                        // Read to the end, so the connection goes back to the pool.
                        let _ = response.bytes().await;
                        latencies.push(sent.elapsed());
                    }
                    _ => failures += 1,
                }
            }
            (latencies, failures)
        });
        let results = futures_util::future::join_all(senders).await;
        let elapsed = start.elapsed().as_secs_f64();
        let failures = results.iter().map(|(_, f)| f).sum();
        Ok((results.into_iter().flat_map(|(l, _)| l).collect(), failures, elapsed))
    })
}

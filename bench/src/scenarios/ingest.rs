//! ingest: M signed webhooks with unique ids from C concurrent senders, at
//! full speed or at a fixed rate: acked/s, ack latency, non-2xx count. Each
//! sender keeps one connection of its own ([`crate::poster::Poster`]).
//! Optionally a flood of refused socket subscriptions runs meanwhile.

use crate::client::Target;
use crate::poster::Poster;
use crate::report::Report;
use http::HeaderValue;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub async fn run(target: &Target, count: usize, concurrency: usize, rate: Option<u64>, refused_joins: usize) -> anyhow::Result<Report> {
    let run_id = format!("{:x}", std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_nanos());
    let start = Instant::now();
    let interval = rate.map(|r| Duration::from_secs_f64(1.0 / r as f64));
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (target, next, run_id) = (target.clone(), next.clone(), run_id.clone());
        tasks.push(tokio::spawn(async move {
            let key = HeaderValue::from_str(&target.webhook_secret)?;
            let mut poster = Poster::connect(&target.base, "/api/webhooks/confirmd", vec![("x-api-key", key)]).await?;
            let mut latencies = Vec::new();
            let mut failures = 0usize;
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= count {
                    break;
                }
                if let Some(every) = interval {
                    // Open-loop pacing: webhook i is due at i × interval.
                    let due = start + every * i as u32;
                    tokio::time::sleep_until(due.into()).await;
                }
                let body = format!(
                    r#"{{"id":"bench-{run_id}-{i}","type":"Credential","state":"offer-sent","orgId":"bench","timestamp":"2026-01-01T00:00:00Z"}}"#
                );
                let sent = Instant::now();
                match poster.post(body.into()).await {
                    Ok(200..=299) => latencies.push(sent.elapsed()),
                    Ok(_) => failures += 1,
                    // The connection is gone: start another.
                    Err(_) => {
                        failures += 1;
                        let key = HeaderValue::from_str(&target.webhook_secret)?;
                        poster = Poster::connect(&target.base, "/api/webhooks/confirmd", vec![("x-api-key", key)]).await?;
                    }
                }
            }
            anyhow::Ok((latencies, failures))
        }));
    }
    let flood = (refused_joins > 0).then(|| {
        let target = target.clone();
        tokio::spawn(async move { super::refusals::flood(&target, refused_joins).await })
    });
    let mut latencies = Vec::with_capacity(count);
    let mut failures = 0;
    for task in tasks {
        let (l, f) = task.await??;
        latencies.extend(l);
        failures += f;
    }
    let elapsed = start.elapsed().as_secs_f64();
    let refused = match flood {
        Some(flood) => Some(flood.await??),
        None => None,
    };
    let mut report = Report::new("ingest");
    if let Some((refused, secs)) = refused {
        report.add("refused_joins", refused as u64).add("refused_joins_secs", (secs * 100.0).round() / 100.0);
    }
    report
        .add("webhooks", count as u64)
        .add("concurrency", concurrency as u64)
        .add("target_rate", rate.map_or(serde_json::Value::Null, Into::into))
        .add("acked_per_s", (latencies.len() as f64 / elapsed).round())
        .add("non_2xx", failures as u64)
        .latency("ack", &mut latencies);
    Ok(report)
}

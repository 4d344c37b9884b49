//! sustained: WhatsApp statuses for distinct registered messages, sent at a
//! fixed rate for a while by concurrent senders, while sockets watch the
//! college. Whether applying and delivering keep up with acknowledging:
//! acked/s, applied/s (acknowledged within the window minus the backlog
//! left at its end), delivered/s (updates one timed watcher got within the
//! window), the backlog at the end, and webhook→socket latency.

use crate::client::{next_text, whatsapp_status, Target, WaUpdate};
use crate::poster::Poster;
use crate::report::Report;
use http::HeaderValue;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Messages registered at once before the run.
const REGISTERING: usize = 32;
/// How long the timed watcher waits for stragglers after the window.
const GRACE: Duration = Duration::from_secs(10);

pub async fn run(target: &Target, rate: u64, secs: u64, watchers: usize, senders: usize) -> anyhow::Result<Report> {
    let count = (rate * secs) as usize;
    let run = format!("{:x}", std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_millis());
    let wamids: Arc<Vec<String>> = Arc::new((0..count).map(|k| format!("wamid.sustained-{run}-{k}")).collect());
    register(target, &wamids).await?;
    let admin = target.admin().await?;
    let token = target.channel_token().await?;
    let mut watcher = target.college_socket(&token).await?;
    // The others read everything too (a socket that stops reading is let
    // go as too slow); only one is timed.
    let closed = Arc::new(AtomicUsize::new(0));
    let mut others = Vec::new();
    for _ in 1..watchers {
        let (mut socket, closed) = (target.college_socket(&token).await?, closed.clone());
        others.push(tokio::spawn(async move {
            while next_text(&mut socket, Duration::from_secs(30)).await.is_ok() {}
            closed.fetch_add(1, Ordering::Relaxed);
        }));
    }

    let start = Instant::now();
    let window = Duration::from_secs(secs);
    let every = Duration::from_secs_f64(1.0 / rate as f64);
    let next = Arc::new(AtomicUsize::new(0));
    let mut sending = Vec::new();
    for _ in 0..senders {
        let (target, wamids, next) = (target.clone(), wamids.clone(), next.clone());
        sending.push(tokio::spawn(async move {
            let mut poster = Poster::connect(&target.base, "/api/webhooks/whatsapp", Vec::new()).await?;
            let (mut sent, mut failures) = (Vec::new(), 0usize);
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= wamids.len() {
                    break;
                }
                // Open loop: status i is due at i × interval, late or not.
                tokio::time::sleep_until((start + every * i as u32).into()).await;
                let body = serde_json::to_vec(&whatsapp_status(&wamids[i], "sent", 1_700_000_000))?;
                let signature = HeaderValue::from_str(&target.whatsapp_signature(&body)?)?;
                let at = Instant::now();
                match poster.post_with(body.into(), Some(("x-hub-signature-256", signature))).await {
                    Ok(200..=299) => sent.push((i, at, Instant::now())),
                    Ok(_) => failures += 1,
                    Err(_) => {
                        failures += 1;
                        poster = Poster::connect(&target.base, "/api/webhooks/whatsapp", Vec::new()).await?;
                    }
                }
            }
            anyhow::Ok((sent, failures))
        }));
    }

    let index: HashMap<&str, usize> = wamids.iter().enumerate().map(|(i, w)| (w.as_str(), i)).collect();
    let mut received: Vec<Option<Instant>> = vec![None; count];
    let (mut delivered, mut in_window, mut watcher_closed) = (0usize, 0usize, false);
    let mut backlog = None;
    let deadline = start + window + GRACE;
    while delivered < count {
        // Wake when the window closes (the backlog is read once, then),
        // and give up at the deadline.
        let until = if backlog.is_none() { start + window } else { deadline };
        let wait = until.saturating_duration_since(Instant::now()).max(Duration::from_millis(1));
        match next_text(&mut watcher, wait).await {
            Ok(text) => {
                if let Some(&i) = WaUpdate::sent(text.as_str()).and_then(|w| index.get(w)) {
                    if received[i].is_none() {
                        received[i] = Some(Instant::now());
                        delivered += 1;
                        if start.elapsed() <= window {
                            in_window += 1;
                        }
                    }
                }
            }
            Err(err) if !err.is::<tokio::time::error::Elapsed>() => {
                watcher_closed = true;
                break;
            }
            Err(_) if Instant::now() >= deadline => break,
            Err(_) => {}
        }
        if backlog.is_none() && start.elapsed() >= window {
            backlog = Some(admin.pending().await?);
        }
    }
    let backlog = match backlog {
        Some(b) => b,
        None => {
            tokio::time::sleep_until((start + window).into()).await;
            admin.pending().await?
        }
    };

    let (mut sent, mut failures) = (Vec::with_capacity(count), 0);
    for task in sending {
        let (s, f) = task.await??;
        sent.extend(s);
        failures += f;
    }
    let sending_secs = sent.iter().map(|(_, _, acked)| acked.duration_since(start)).max().unwrap_or_default().as_secs_f64().max(1e-3);
    let acked_in_window = sent.iter().filter(|(_, _, acked)| acked.duration_since(start) <= window).count();
    for other in others {
        other.abort();
    }
    let mut latencies: Vec<Duration> = sent.iter().filter_map(|&(i, at, _)| received[i].map(|r| r.duration_since(at))).collect();
    let per_window = |n: f64| (n / window.as_secs_f64()).round();
    let mut report = Report::new("sustained");
    report
        .add("rate_per_s", rate)
        .add("secs", secs)
        .add("watchers", watchers as u64)
        .add("senders", senders as u64)
        .add("acked_per_s", (sent.len() as f64 / sending_secs).round())
        .add("non_2xx", failures as u64)
        .add("backlog_at_end", backlog)
        .add("applied_per_s", per_window(acked_in_window.saturating_sub(backlog as usize) as f64))
        .add("delivered_per_s", per_window(in_window as f64))
        .add("missed", (count - delivered) as u64)
        // Sockets the server let go of as too slow (or that failed).
        .add("timed_watcher_closed", watcher_closed)
        .add("other_watchers_closed", closed.load(Ordering::Relaxed) as u64)
        .latency("webhook_to_socket", &mut latencies);
    Ok(report)
}

/// Registers every message with the tenant, a few at a time.
async fn register(target: &Target, wamids: &Arc<Vec<String>>) -> anyhow::Result<()> {
    let next = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..REGISTERING)
        .map(|_| {
            let (target, wamids, next) = (target.clone(), wamids.clone(), next.clone());
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(wamid) = wamids.get(i) else { return anyhow::Ok(()) };
                    target.register_message(wamid).await?;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await??;
    }
    Ok(())
}

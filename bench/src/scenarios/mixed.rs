//! mixed: a steady rate of status webhooks to one college while other
//! sockets connect and disconnect: p99 delivery latency and server CPU.

use super::cpu_secs;
use crate::client::{next_text, whatsapp_status, Target, WaUpdate};
use crate::report::Report;
use std::time::{Duration, Instant};

pub async fn run(target: &Target, rate: u64, secs: u64, watchers: usize, churn: usize, server_pid: Option<u32>) -> anyhow::Result<Report> {
    let token = target.channel_token().await?;
    let count = (rate * secs) as usize;
    let run = format!("{:x}", std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_millis());
    let wamids: Vec<String> = (0..count).map(|k| format!("wamid.mixed-{run}-{k}")).collect();
    for wamid in &wamids {
        target.register_message(wamid).await?;
    }
    let mut watcher = target.college_socket(&token).await?;
    // The other watchers read everything too (a socket that does not read
    // is dropped by the server as too slow), but only one is timed.
    let mut extra = Vec::new();
    for _ in 1..watchers {
        let mut socket = target.college_socket(&token).await?;
        extra.push(tokio::spawn(async move { while next_text(&mut socket, Duration::from_secs(30)).await.is_ok() {} }));
    }
    // Churn: sockets that keep connecting and leaving during the run.
    let stop = Instant::now() + Duration::from_secs(secs);
    let churners: Vec<_> = (0..churn)
        .map(|_| {
            let (target, token) = (target.clone(), token.clone());
            tokio::spawn(async move {
                let mut cycles = 0u64;
                // Ten arrivals a second per churner: pages coming and going,
                // not a flood.
                let mut pace = tokio::time::interval(Duration::from_millis(100));
                while Instant::now() < stop {
                    pace.tick().await;
                    if let Ok(socket) = target.college_socket(&token).await {
                        drop(socket);
                        cycles += 1;
                    }
                }
                cycles
            })
        })
        .collect();
    let cpu_before = server_pid.map(cpu_secs).transpose()?;
    let start = Instant::now();
    let sender = {
        let (target, wamids) = (target.clone(), wamids.clone());
        tokio::spawn(async move {
            let every = Duration::from_secs_f64(1.0 / rate as f64);
            let mut sent = Vec::with_capacity(wamids.len());
            for (i, wamid) in wamids.iter().enumerate() {
                tokio::time::sleep_until((start + every * i as u32).into()).await;
                sent.push(Instant::now());
                let _ = target.post_whatsapp(&whatsapp_status(wamid, "sent", 1_700_000_000)).await;
            }
            sent
        })
    };
    let mut received = std::collections::HashMap::new();
    while received.len() < count {
        match next_text(&mut watcher, Duration::from_secs(5)).await {
            Ok(text) => {
                if let Some(wamid) = WaUpdate::sent(text.as_str()) {
                    let at = Instant::now();
                    received.insert(wamid.to_owned(), at);
                }
            }
            Err(_) => break,
        }
    }
    let sent = sender.await?;
    let elapsed = start.elapsed().as_secs_f64();
    let cpu = match (server_pid, cpu_before) {
        (Some(pid), Some(before)) => Some((cpu_secs(pid)? - before) / elapsed * 100.0),
        _ => None,
    };
    let mut latencies: Vec<Duration> =
        wamids.iter().zip(&sent).filter_map(|(w, at)| received.get(w).map(|r| r.duration_since(*at))).collect();
    let mut cycles = 0;
    for c in churners {
        cycles += c.await?;
    }
    for socket in extra {
        socket.abort();
    }
    let mut report = Report::new("mixed");
    report
        .add("rate_per_s", rate)
        .add("secs", secs)
        .add("watchers", watchers as u64)
        .add("churn_cycles", cycles)
        .add("missed", (count - latencies.len()) as u64)
        .add("server_cpu_percent", cpu.map_or(serde_json::Value::Null, |c| ((c * 10.0).round() / 10.0).into()))
        .latency("delivery", &mut latencies);
    Ok(report)
}

//! connect-flow: N sessions, each created, watched, and scanned (three
//! webhooks); the latency from each POST to its `status_update` on the
//! session's socket, and mismatches (an update for another session, or none).

use crate::client::{next_json, Target};
use crate::report::Report;
use futures_util::StreamExt;
use serde_json::json;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

const STEPS: [(&str, &str); 3] = [("request-received", "request"), ("response-sent", "response"), ("completed", "active")];

async fn one(target: Target, n: usize) -> anyhow::Result<(Vec<Duration>, usize)> {
    let (session, oob) = target.create_session().await?;
    let (mut socket, _) = tokio_tungstenite::connect_async(target.ws(&format!("/ws/connections?sessionId={session}"))).await?;
    let hello = next_json(&mut socket, Duration::from_secs(5)).await?;
    anyhow::ensure!(hello["type"] == "connected", "expected connected");
    let mut latencies = Vec::new();
    let mut mismatches = 0;
    for (i, (state, status)) in STEPS.iter().enumerate() {
        let body = json!({"id": format!("cf-{session}-{i}"), "type": "Connection", "connectionId": format!("conn-{n}"),
            "state": state, "theirLabel": "Bench Wallet", "outOfBandId": oob});
        let sent = Instant::now();
        target.post_platform(&body).await?;
        match next_json(&mut socket, Duration::from_secs(2)).await {
            Ok(update) if update["sessionId"] == session.as_str() && update["status"] == *status => latencies.push(sent.elapsed()),
            _ => mismatches += 1,
        }
    }
    let _ = socket.close(None).await;
    drop(socket.next());
    Ok((latencies, mismatches))
}

pub async fn run(target: &Target, sessions: usize, concurrency: usize) -> anyhow::Result<Report> {
    let permits = std::sync::Arc::new(Semaphore::new(concurrency));
    let mut tasks = Vec::new();
    for n in 0..sessions {
        let permit = permits.clone().acquire_owned().await?;
        let target = target.clone();
        tasks.push(tokio::spawn(async move {
            let result = one(target, n).await;
            drop(permit);
            result
        }));
    }
    let (mut latencies, mut mismatches, mut errors) = (Vec::new(), 0, 0);
    for task in tasks {
        match task.await? {
            Ok((l, m)) => {
                latencies.extend(l);
                mismatches += m;
            }
            Err(_) => errors += 1,
        }
    }
    let mut report = Report::new("connect-flow");
    report
        .add("sessions", sessions as u64)
        .add("concurrency", concurrency as u64)
        .add("mismatches", mismatches as u64)
        .add("errors", errors as u64)
        .latency("post_to_socket", &mut latencies);
    Ok(report)
}

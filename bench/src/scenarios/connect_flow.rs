//! connect-flow: N sessions, each created, watched, and scanned (three
//! webhooks); the latency from each POST to its `status_update` on the
//! session's socket, and mismatches (an update for another session, or none).

use crate::client::{next_json, open, whatsapp_status, Target};
use crate::report::Report;
use futures_util::StreamExt;
use serde_json::json;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

const STEPS: [(&str, &str); 3] = [("request-received", "request"), ("response-sent", "response"), ("completed", "active")];

/// What one session's flow measured.
struct Flow {
    /// POST → the update read from the session's socket.
    latencies: Vec<Duration>,
    /// POST → its acknowledgement.
    acks: Vec<Duration>,
    mismatches: usize,
}

async fn one(target: Target, n: usize) -> anyhow::Result<Flow> {
    let (session, oob) = target.create_session().await?;
    let mut socket = open(&target.ws(&format!("/ws/connections?sessionId={session}"))).await?;
    let hello = next_json(&mut socket, Duration::from_secs(5)).await?;
    anyhow::ensure!(hello["type"] == "connected", "expected connected");
    let (mut latencies, mut acks, mut mismatches) = (Vec::new(), Vec::new(), 0);
    for (i, (state, status)) in STEPS.iter().enumerate() {
        // The connection id is the session's own, so runs against one
        // database (a cluster's) never match an earlier run's sessions.
        let body = json!({"id": format!("cf-{session}-{i}"), "type": "Connection", "connectionId": format!("conn-{session}-{n}"),
            "state": state, "theirLabel": "Bench Wallet", "outOfBandId": oob});
        // The update may reach the socket before the acknowledgement
        // reaches the sender: both are read at once, each timed on arrival.
        let sent = Instant::now();
        let (posted, update) = tokio::join!(async { (target.post_platform(&body).await, sent.elapsed()) }, async {
            (next_json(&mut socket, Duration::from_secs(2)).await, sent.elapsed())
        },);
        let (status_code, acked_in) = (posted.0?, posted.1);
        anyhow::ensure!(status_code == 200, "webhook answered {status_code}");
        acks.push(acked_in);
        match update {
            (Ok(update), at) if update["sessionId"] == session.as_str() && update["status"] == *status => latencies.push(at),
            _ => mismatches += 1,
        }
    }
    let _ = socket.close(None).await;
    drop(socket.next());
    Ok(Flow { latencies, acks, mismatches })
}

/// Other traffic while the flows run: `rate` WhatsApp statuses a second
/// (for messages nobody registered, so each is stored, looked up and kept
/// aside), sent without waiting for each other, until `stop` is set.
fn background(target: &Target, rate: u64, stop: Arc<AtomicBool>) -> tokio::task::JoinHandle<u64> {
    let target = target.clone();
    tokio::spawn(async move {
        let in_flight = Arc::new(Semaphore::new(256));
        let mut pace = tokio::time::interval(Duration::from_secs_f64(1.0 / rate as f64));
        pace.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
        let mut sent = 0u64;
        while !stop.load(Ordering::Relaxed) {
            pace.tick().await;
            let Ok(permit) = in_flight.clone().acquire_owned().await else { break };
            let (target, wamid) = (target.clone(), format!("wamid.background-{sent}"));
            tokio::spawn(async move {
                let _ = target.post_whatsapp(&whatsapp_status(&wamid, "sent", 1_700_000_000)).await;
                drop(permit);
            });
            sent += 1;
        }
        sent
    })
}

pub async fn run(target: &Target, sessions: usize, concurrency: usize, background_rate: Option<u64>) -> anyhow::Result<Report> {
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let load = background_rate.map(|rate| background(target, rate, stop.clone()));
    let permits = Arc::new(Semaphore::new(concurrency));
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
    let (mut latencies, mut acks, mut mismatches, mut errors) = (Vec::new(), Vec::new(), 0, 0);
    for task in tasks {
        match task.await? {
            Ok(flow) => {
                latencies.extend(flow.latencies);
                acks.extend(flow.acks);
                mismatches += flow.mismatches;
            }
            Err(_) => errors += 1,
        }
    }
    stop.store(true, Ordering::Relaxed);
    let background_per_s = match load {
        Some(load) => serde_json::Value::from((load.await? as f64 / started.elapsed().as_secs_f64()).round()),
        None => serde_json::Value::Null,
    };
    let mut report = Report::new("connect-flow");
    report
        .add("sessions", sessions as u64)
        .add("concurrency", concurrency as u64)
        .add("background_per_s", background_per_s)
        .add("mismatches", mismatches as u64)
        .add("errors", errors as u64)
        .latency("post_to_socket", &mut latencies)
        .latency("post_to_ack", &mut acks);
    Ok(report)
}

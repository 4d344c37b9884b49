//! fanout: S sockets subscribed to one college; K status webhooks; the time
//! until every socket got each update, per-socket latency, and misses.
//! `stalled` more sockets subscribe beside them and never read. Via
//! `tenant` or `socketio`, `/ws/tenant` or Socket.IO sockets joined to the
//! tenant get notifications raised through the API instead (the watched
//! key is their title).

use crate::client::{whatsapp_status, Target};
use crate::clock::now_ns;
use crate::fleet::{Fleet, Subscribe, Via};
use crate::report::Report;
use std::time::{Duration, Instant};

/// How long an update may take to reach every socket before the next is
/// sent anyway (the sockets that miss it are counted).
const PATIENCE: Duration = Duration::from_secs(10);

pub async fn run(target: &Target, sockets: usize, processes: usize, messages: usize, stalled: usize, via: Via) -> anyhow::Result<Report> {
    let tenant = via.tenant_subscription(target).await?;
    let run = format!("{:x}", std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_millis());
    let wamids: Vec<String> = (0..messages).map(|k| format!("wamid.bench-{run}-{k}")).collect();
    if tenant.is_none() {
        for wamid in &wamids {
            target.register_message(wamid).await?;
        }
    }
    let token = target.channel_token().await?;
    let mut never_read = Vec::with_capacity(stalled);
    for _ in 0..stalled {
        never_read.push(target.stalled_socket(&token).await?);
    }
    let subscribe = tenant.clone().unwrap_or(Subscribe::College(token));
    let start_line = Instant::now();
    let mut fleet = Fleet::start(target, &subscribe, sockets, processes, &wamids).await?;
    anyhow::ensure!(fleet.failed == 0, "{} of {sockets} sockets did not open", fleet.failed);
    let connected_in = start_line.elapsed();
    let mut sent_at = Vec::with_capacity(messages);
    for (k, wamid) in wamids.iter().enumerate() {
        sent_at.push(now_ns());
        if tenant.is_some() {
            target.post_notification(wamid).await?;
        } else {
            target.post_whatsapp(&whatsapp_status(wamid, "sent", 1_700_000_000)).await?;
        }
        // One update at a time, so each is measured on its own: the next
        // goes once every socket has this one. Sent at a fixed pace
        // instead, updates to 10,000 sockets queued behind each other, and
        // the figures measured the queue.
        fleet.complete(k, PATIENCE).await?;
    }
    let held = fleet.finish().await?;
    drop(never_read);
    let (mut per_socket, mut slowest, mut missed) = (Vec::new(), vec![None::<Duration>; messages], 0usize);
    missed += (sockets - held.seen.len()) * messages;
    for seen in &held.seen {
        for (k, &at) in seen.iter().enumerate() {
            if at == 0 {
                missed += 1;
                continue;
            }
            let latency = Duration::from_nanos(at.saturating_sub(sent_at[k]));
            per_socket.push(latency);
            slowest[k] = Some(slowest[k].map_or(latency, |s| s.max(latency)));
        }
    }
    let mut all: Vec<Duration> = slowest.into_iter().flatten().collect();
    let mut report = Report::new("fanout");
    report
        .add("via", via.name())
        .add("sockets", sockets as u64)
        .add("client_processes", processes as u64)
        .add("messages", messages as u64)
        .add("stalled", stalled as u64)
        .add("connect_all_ms", connected_in.as_millis() as u64)
        .add("missed", missed as u64)
        .latency("all_sockets", &mut all)
        .latency("per_socket", &mut per_socket);
    Ok(report)
}

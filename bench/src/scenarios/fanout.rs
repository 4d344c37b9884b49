//! fanout: S sockets subscribed to one college; K status webhooks; the time
//! until every socket got each update, per-socket latency, and misses.

use crate::client::{next_text, whatsapp_status, Target, WaUpdate};
use crate::report::Report;
use std::collections::HashMap;
use std::time::{Duration, Instant};

pub async fn run(target: &Target, sockets: usize, messages: usize) -> anyhow::Result<Report> {
    let run = format!("{:x}", std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_millis());
    let wamids: Vec<String> = (0..messages).map(|k| format!("wamid.bench-{run}-{k}")).collect();
    for wamid in &wamids {
        target.register_message(wamid).await?;
    }
    let token = target.channel_token().await?;
    let mut receivers = Vec::new();
    let start_line = Instant::now();
    for _ in 0..sockets {
        let mut socket = target.college_socket(&token).await?;
        let wanted = wamids.clone();
        receivers.push(tokio::spawn(async move {
            let mut seen: HashMap<String, Instant> = HashMap::new();
            while seen.len() < wanted.len() {
                match next_text(&mut socket, Duration::from_secs(10)).await {
                    Ok(text) => {
                        if let Some(wamid) = WaUpdate::sent(text.as_str()) {
                            let at = Instant::now();
                            seen.entry(wamid.to_owned()).or_insert(at);
                        }
                    }
                    Err(_) => break,
                }
            }
            seen
        }));
    }
    let connected_in = start_line.elapsed();
    let mut sent_at = HashMap::new();
    for wamid in &wamids {
        sent_at.insert(wamid.clone(), Instant::now());
        target.post_whatsapp(&whatsapp_status(wamid, "sent", 1_700_000_000)).await?;
        // One update at a time, so each is measured on its own.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (mut per_socket, mut all_got_it, mut missed) = (Vec::new(), HashMap::<String, Duration>::new(), 0usize);
    for r in receivers {
        let seen = r.await?;
        missed += wamids.len() - seen.len();
        for (wamid, at) in seen {
            let latency = at.duration_since(sent_at[&wamid]);
            per_socket.push(latency);
            let slowest = all_got_it.entry(wamid).or_default();
            *slowest = (*slowest).max(latency);
        }
    }
    let mut all: Vec<Duration> = all_got_it.into_values().collect();
    let mut report = Report::new("fanout");
    report
        .add("sockets", sockets as u64)
        .add("messages", messages as u64)
        .add("connect_all_ms", connected_in.as_millis() as u64)
        .add("missed", missed as u64)
        .latency("all_sockets", &mut all)
        .latency("per_socket", &mut per_socket);
    Ok(report)
}

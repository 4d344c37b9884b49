//! resume: a page that was away while M updates reached its college comes
//! back with the offset it left off at; the time from its `register` to the
//! last missed update, per round. A second socket stays connected, so the
//! page comes back only once the hub has sent all M.

use crate::client::{next_json, next_text, open, Target};
use crate::report::Report;
use futures_util::SinkExt;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

const PATIENCE: Duration = Duration::from_secs(30);

/// A socket registered for the tenant's college (resuming at `resume`), and
/// the server's answer.
async fn register(target: &Target, token: &str, resume: Option<&Value>) -> anyhow::Result<(crate::client::Socket, Value)> {
    let mut socket = open(&target.ws("/ws/whatsapp")).await?;
    let register = json!({"type": "register", "collegeId": target.tenant, "token": token, "resume": resume});
    socket.send(Message::Text(register.to_string().into())).await?;
    let answer = next_json(&mut socket, PATIENCE).await?;
    anyhow::ensure!(answer["type"] == "registered", "not registered: {answer}");
    Ok((socket, answer))
}

/// Reads `count` status updates from `socket`.
async fn updates(socket: &mut crate::client::Socket, count: usize) -> anyhow::Result<()> {
    let mut seen = 0;
    while seen < count {
        let text = next_text(socket, PATIENCE).await?;
        if text.contains("\"message_status_update\"") {
            seen += 1;
        }
    }
    Ok(())
}

pub async fn run(target: &Target, missed: usize, rounds: usize) -> anyhow::Result<Report> {
    let token = target.channel_token().await?;
    let (mut witness, _) = register(target, &token, None).await?;
    let run = format!("{:x}", std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_millis());
    let mut catch_up = Vec::with_capacity(rounds);
    for round in 0..rounds {
        let (page, answer) = register(target, &token, None).await?;
        let left_off = json!({"epoch": answer["epoch"], "offset": answer["offset"]});
        drop(page);
        // Each new message is one update for the college.
        for k in 0..missed {
            target.register_message(&format!("wamid.resume-{run}-{round}-{k}")).await?;
        }
        updates(&mut witness, missed).await?;

        let started = Instant::now();
        let (mut page, answer) = register(target, &token, Some(&left_off)).await?;
        anyhow::ensure!(answer["resumed"] == true, "round {round} did not resume: {answer}");
        updates(&mut page, missed).await?;
        catch_up.push(started.elapsed());
    }
    let mut report = Report::new("resume");
    report.add("missed", missed as u64).add("rounds", rounds as u64).latency("catch_up", &mut catch_up);
    Ok(report)
}

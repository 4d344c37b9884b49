//! A flood of refused socket subscriptions, run beside another scenario:
//! sockets that each ask to join a tenant they may not, until the server
//! closes them, `total` refusals in all. It shows that refusals cost the
//! webhook path nothing (they are counted in memory, not written).

use crate::client::{open, Target};
use futures_util::{SinkExt, StreamExt};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio_tungstenite::tungstenite::Message;

/// Sockets flooding at once.
const FLOODERS: usize = 8;

/// Sends `total` refused joins; returns how many the server refused, and
/// in how many seconds.
pub async fn flood(target: &Target, total: usize) -> anyhow::Result<(usize, f64)> {
    let start = std::time::Instant::now();
    let sent = Arc::new(AtomicUsize::new(0));
    let refused = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..FLOODERS {
        let (url, sent, refused) = (target.ws("/ws/tenant"), sent.clone(), refused.clone());
        let tenant = target.tenant;
        tasks.push(tokio::spawn(async move {
            while sent.load(Ordering::Relaxed) < total {
                let mut socket = open(&url).await?;
                // Joins until the server closes the socket (after a few).
                loop {
                    if sent.fetch_add(1, Ordering::Relaxed) >= total {
                        break;
                    }
                    let join = format!(r#"{{"type":"join-tenant","tenantId":{tenant}}}"#);
                    if socket.send(Message::Text(join.into())).await.is_err() {
                        break;
                    }
                    match socket.next().await {
                        Some(Ok(Message::Text(text))) if text.contains("\"error\"") => {
                            refused.fetch_add(1, Ordering::Relaxed);
                        }
                        Some(Ok(Message::Close(_))) => {
                            refused.fetch_add(1, Ordering::Relaxed);
                            break;
                        }
                        _ => break,
                    }
                }
            }
            anyhow::Ok(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    Ok((refused.load(Ordering::Relaxed), start.elapsed().as_secs_f64()))
}

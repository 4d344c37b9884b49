//! The least of a Socket.IO v4 client the benchmarks need, over Engine.IO's
//! WebSocket transport: open, connect to the main namespace with a channel
//! token, read events, answer pings. (The protocol is two digits before
//! each message: Engine.IO's packet type, then Socket.IO's.)

use crate::client::{next_text, open, Socket, Target};
use futures_util::SinkExt;
use serde::Deserialize;
use serde_json::json;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

/// Engine.IO's ping, and the pong that answers it.
pub const PING: &str = "2";
pub const PONG: &str = "3";

impl Target {
    /// A Socket.IO socket joined to the tenant with `token` (for `tenant:K`:
    /// the handshake joins it).
    pub async fn socketio_socket(&self, token: &str) -> anyhow::Result<Socket> {
        let mut socket = open(&self.ws("/socket.io/?EIO=4&transport=websocket")).await?;
        let patience = Duration::from_secs(10);
        let opened = next_text(&mut socket, patience).await?;
        anyhow::ensure!(opened.as_str().starts_with('0'), "no Engine.IO open packet: {opened}");
        socket.send(Message::Text(format!("40{}", json!({ "token": token })).into())).await?;
        // Engine.IO may ping before the namespace answers.
        loop {
            let next = next_text(&mut socket, patience).await?;
            match next.as_str() {
                PING => socket.send(Message::Text(PONG.into())).await?,
                connected if connected.starts_with("40") => return Ok(socket),
                other => anyhow::bail!("not connected: {other}"),
            }
        }
    }

    /// Raises a notification for the tenant through the API (seed 004's
    /// `POST /api/notifications`): every Socket.IO socket of the tenant
    /// gets it as `new-notification`.
    pub async fn post_notification(&self, title: &str) -> anyhow::Result<()> {
        let body = json!({ "tenantId": self.tenant, "title": title, "message": "bench" });
        let url = format!("{}/api/notifications", self.base);
        self.http.post(url).bearer_auth(self.key()?).json(&body).send().await?.error_for_status()?;
        Ok(())
    }
}

/// The title of a `new-notification` event, borrowed from the frame (the
/// fan-out's watched key).
pub fn notification_title(text: &str) -> Option<&str> {
    #[derive(Deserialize)]
    struct Titled<'a> {
        title: &'a str,
    }
    let event = text.strip_prefix("42[\"new-notification\",")?;
    let mut values = serde_json::Deserializer::from_str(event).into_iter::<Titled>();
    Some(values.next()?.ok()?.title)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_title_of_new_notification_only() {
        let frame = r#"42["new-notification",{"id":3,"title":"bench-1","message":"m"},{"offset":9}]"#;
        assert_eq!(notification_title(frame), Some("bench-1"));
        assert_eq!(notification_title(r#"42["dashboard-refresh",{"reason":"order"},{"offset":9}]"#), None);
        assert_eq!(notification_title("2"), None);
    }
}

//! Helpers for the WhatsApp tests: signed notifications and college sockets.

use crate::helpers::*;
use app::protocol::{OutgoingMessage, WaServerMessage};
use futures_util::{SinkExt, StreamExt};
use secrecy::SecretString;
use serde_json::{json, Value};
use tidings::graph::notifications;
use tidings::intake::whatsapp::sign;
use tokio_tungstenite::tungstenite::Message;

impl TestApp {
    /// Posts a WhatsApp notification, signed with the app secret.
    pub async fn post_whatsapp(&self, notification: &Value) -> reqwest::Response {
        let body = serde_json::to_vec(notification).unwrap();
        let signature = sign(&body, &SecretString::from(APP_SECRET));
        self.post_whatsapp_raw(body, Some(&signature)).await
    }

    pub async fn post_whatsapp_raw(&self, body: Vec<u8>, signature: Option<&str>) -> reqwest::Response {
        let mut request = self.http.post(self.url("/api/webhooks/whatsapp")).header("content-type", "application/json");
        if let Some(signature) = signature {
            request = request.header("x-hub-signature-256", signature);
        }
        request.body(body).send().await.unwrap()
    }

    /// Reports `status` for `wamid` as Meta would.
    pub async fn report(&self, wamid: &str, status: &str, at_secs: i64) {
        let at = chrono::DateTime::from_timestamp(at_secs, 0).unwrap();
        let error = (status == "failed").then(|| notifications::known_error(131047)).flatten();
        let n = notifications::status("106540352242922", wamid, "15551234567", status, at, error);
        assert_eq!(self.post_whatsapp(&n).await.status(), 200, "{status}");
    }

    /// Registers a message sent elsewhere (seed 003's clients do this).
    pub async fn register_message(&self, college: &str, wamid: &str) -> OutgoingMessage {
        let body = json!({"collegeId": college, "to": "15551234567", "whatsappMessageId": wamid, "template": "hello_world"});
        let response = self.http.post(self.url("/api/whatsapp/messages")).json(&body).send().await.unwrap();
        assert_eq!(response.status(), 200);
        serde_json::from_value(response.json::<Value>().await.unwrap()["data"].clone()).unwrap()
    }

    pub async fn messages(&self, college: &str) -> Vec<OutgoingMessage> {
        let body: Value =
            self.http.get(self.url("/api/whatsapp/messages")).query(&[("collegeId", college)]).send().await.unwrap().json().await.unwrap();
        serde_json::from_value(body["data"].clone()).unwrap()
    }

    /// A `/ws/whatsapp` socket registered for `college`.
    pub async fn college_socket(&self, college: &str) -> Socket {
        let mut socket = self.socket_at("/ws/whatsapp").await;
        let register = json!({"type": "register", "collegeId": college}).to_string();
        socket.send(Message::Text(register.into())).await.unwrap();
        match next_wa(&mut socket).await {
            WaServerMessage::Registered { college_id, .. } => assert_eq!(college_id.as_str(), college),
            other => panic!("expected registered, got {other:?}"),
        }
        socket
    }
}

pub async fn next_wa(socket: &mut Socket) -> WaServerMessage {
    loop {
        let frame = tokio::time::timeout(PATIENCE, socket.next()).await.expect("a message in time");
        match frame.expect("socket open").expect("socket ok") {
            Message::Text(text) => return serde_json::from_str(text.as_str()).expect("a WhatsApp server message"),
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("unexpected frame {other:?}"),
        }
    }
}

/// The next status update's (wamid, status).
pub async fn next_update(socket: &mut Socket) -> (String, app::protocol::MessageStatus) {
    match next_wa(socket).await {
        WaServerMessage::MessageStatusUpdate { whatsapp_message_id, status, .. } => (whatsapp_message_id, status),
        other => panic!("expected a status update, got {other:?}"),
    }
}

/// Nothing else is queued: a ping is answered by the very next message.
pub async fn assert_wa_quiet(socket: &mut Socket) {
    socket.send(Message::Text(r#"{"type":"ping"}"#.into())).await.unwrap();
    match next_wa(socket).await {
        WaServerMessage::Pong { .. } => {}
        other => panic!("expected no more updates, got {other:?}"),
    }
}

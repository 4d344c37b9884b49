//! Helpers for the WhatsApp tests: signed notifications and college sockets.

use crate::helpers::*;
use app::protocol::{OutgoingMessage, WaServerMessage};
use futures_util::{SinkExt, StreamExt};
use secrecy::SecretString;
use serde_json::{json, Value};
use tidings::graph::notifications;
use tidings::intake::whatsapp::sign;
use tokio_tungstenite::tungstenite::Message;

/// A tenant (college) and an API key of its back end.
#[derive(Clone, Debug)]
pub struct Tenant {
    pub id: i64,
    pub key: String,
}

impl Tenant {
    pub fn college(&self) -> String {
        self.id.to_string()
    }
}

impl Api {
    /// The first tenant, with a fresh API key.
    pub async fn first_tenant(&self) -> Tenant {
        self.tenant_with_key(1).await
    }

    /// A new tenant administered by the first admin, with an API key.
    pub async fn new_tenant(&self, name: &str) -> Tenant {
        let response = self.as_admin(reqwest::Method::POST, "/api/tenants").json(&json!({"name": name})).send().await.unwrap();
        assert_eq!(response.status(), 200, "create tenant");
        let id = response.json::<Value>().await.unwrap()["data"]["tenantId"].as_i64().unwrap();
        self.tenant_with_key(id).await
    }

    async fn tenant_with_key(&self, id: i64) -> Tenant {
        let path = format!("/api/tenants/{id}/api-keys");
        let response = self.as_admin(reqwest::Method::POST, &path).json(&json!({"name": "test back end"})).send().await.unwrap();
        assert_eq!(response.status(), 200, "create API key");
        let key = response.json::<Value>().await.unwrap()["data"]["secret"].as_str().unwrap().to_owned();
        Tenant { id, key }
    }

    /// Posts a WhatsApp notification, signed with the app secret.
    pub async fn post_whatsapp(&self, notification: &Value) -> reqwest::Response {
        self.whatsapp_request(notification).send().await.unwrap()
    }

    /// A WhatsApp notification signed with the app secret.
    pub fn whatsapp_request(&self, notification: &Value) -> reqwest::RequestBuilder {
        let body = serde_json::to_vec(notification).unwrap();
        let signature = sign(&body, &SecretString::from(APP_SECRET));
        self.whatsapp_raw_request(body, Some(&signature))
    }

    pub async fn post_whatsapp_raw(&self, body: Vec<u8>, signature: Option<&str>) -> reqwest::Response {
        self.whatsapp_raw_request(body, signature).send().await.unwrap()
    }

    fn whatsapp_raw_request(&self, body: Vec<u8>, signature: Option<&str>) -> reqwest::RequestBuilder {
        let request = self.http.post(self.url("/api/webhooks/whatsapp")).header("content-type", "application/json");
        match signature {
            Some(signature) => request.header("x-hub-signature-256", signature),
            None => request,
        }
        .body(body)
    }

    /// Reports `status` for `wamid` as Meta would.
    pub async fn report(&self, wamid: &str, status: &str, at_secs: i64) {
        let at = chrono::DateTime::from_timestamp(at_secs, 0).unwrap();
        let error = (status == "failed").then(|| notifications::known_error(131047)).flatten();
        let n = notifications::status(PHONE_NUMBER_ID, wamid, "15551234567", status, at, error);
        assert_eq!(self.post_whatsapp(&n).await.status(), 200, "{status}");
    }

    /// Registers a message sent elsewhere (seed 003's clients do this,
    /// with their API key).
    pub async fn register_message(&self, tenant: &Tenant, wamid: &str) -> OutgoingMessage {
        let body = json!({"collegeId": tenant.id, "to": "15551234567", "whatsappMessageId": wamid, "template": "hello_world"});
        let response = self.http.post(self.url("/api/whatsapp/messages")).bearer_auth(&tenant.key).json(&body).send().await.unwrap();
        assert_eq!(response.status(), 200);
        serde_json::from_value(response.json::<Value>().await.unwrap()["data"].clone()).unwrap()
    }

    pub async fn messages(&self, tenant: &Tenant) -> Vec<OutgoingMessage> {
        let response = self
            .http
            .get(self.url("/api/whatsapp/messages"))
            .bearer_auth(&tenant.key)
            .query(&[("collegeId", tenant.college())])
            .send()
            .await
            .unwrap();
        serde_json::from_value(response.json::<Value>().await.unwrap()["data"].clone()).unwrap()
    }

    /// A channel token for `tenant`'s college, issued to its back end.
    pub async fn channel_token(&self, tenant: &Tenant) -> String {
        let body = json!({"channel": format!("college:{}", tenant.id)});
        let response = self.http.post(self.url("/api/realtime/token")).bearer_auth(&tenant.key).json(&body).send().await.unwrap();
        assert_eq!(response.status(), 200, "channel token");
        response.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned()
    }

    /// A `/ws/whatsapp` socket registered for `tenant`'s college with a
    /// channel token.
    pub async fn college_socket(&self, tenant: &Tenant) -> Socket {
        let token = self.channel_token(tenant).await;
        let mut socket = self.socket_at("/ws/whatsapp").await;
        let register = json!({"type": "register", "collegeId": tenant.id, "token": token}).to_string();
        socket.send(Message::Text(register.into())).await.unwrap();
        match next_wa(&mut socket).await {
            WaServerMessage::Registered { college_id, .. } => assert_eq!(college_id.as_str(), tenant.college()),
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

//! Helpers for the tenant-event tests: signed tenant webhooks and
//! `/ws/tenant` sockets.

use crate::helpers::*;
use app::protocol::TenantServerMessage;
use futures_util::{SinkExt, StreamExt};
use reqwest::Method;
use serde_json::{json, Value};
use standardwebhooks::Webhook;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

impl Api {
    /// Generates tenant 1's signing secret (as its admin).
    pub async fn tenant_secret(&self) -> String {
        let response = self.as_admin(Method::POST, "/api/webhooks/settings/generate-secret?tenantId=1").send().await.unwrap();
        response.json::<Value>().await.unwrap()["data"]["secret"].as_str().unwrap().to_owned()
    }

    /// Posts a tenant webhook signed with Standard Webhooks as message `id`.
    pub async fn post_tenant(&self, secret: &str, kind: &str, id: &str, body: &Value) -> reqwest::Response {
        self.tenant_request(secret, kind, id, body).send().await.unwrap()
    }

    /// A tenant webhook signed with Standard Webhooks as message `id`, now.
    pub fn tenant_request(&self, secret: &str, kind: &str, id: &str, body: &Value) -> reqwest::RequestBuilder {
        let body = body.to_string();
        let ts = chrono::Utc::now().timestamp();
        let signature = Webhook::new(secret).unwrap().sign(id, ts, body.as_bytes()).unwrap();
        self.http
            .post(self.url(&format!("/api/webhooks/{kind}")))
            .header("content-type", "application/json")
            .header("webhook-id", id)
            .header("webhook-timestamp", ts.to_string())
            .header("webhook-signature", signature)
            .body(body)
    }

    /// A `/ws/tenant` socket signed in as `session`, joined to `tenant`.
    pub async fn tenant_socket(&self, session: &Session, tenant: i64) -> Socket {
        let url = format!("{}/ws/tenant", self.base.replacen("http", "ws", 1));
        let mut request = url.into_client_request().unwrap();
        request.headers_mut().insert("cookie", session.cookie.parse().unwrap());
        let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
        send(&mut socket, json!({"type": "join-tenant", "tenantId": tenant})).await;
        match next_tenant(&mut socket).await {
            TenantServerMessage::Joined { .. } => socket,
            other => panic!("expected joined, got {other:?}"),
        }
    }
}

pub async fn send(socket: &mut Socket, message: Value) {
    socket.send(Message::Text(message.to_string().into())).await.unwrap();
}

pub async fn next_tenant(socket: &mut Socket) -> TenantServerMessage {
    loop {
        let frame = tokio::time::timeout(PATIENCE, socket.next()).await.expect("a message in time");
        match frame.expect("socket open").expect("socket ok") {
            Message::Text(text) => return serde_json::from_str(text.as_str()).expect("a tenant server message"),
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("unexpected frame {other:?}"),
        }
    }
}

/// Nothing else is queued: a ping is answered by the very next message.
pub async fn assert_tenant_quiet(socket: &mut Socket) {
    send(socket, json!({"type": "ping"})).await;
    match next_tenant(socket).await {
        TenantServerMessage::Pong { .. } => {}
        other => panic!("expected no more messages, got {other:?}"),
    }
}

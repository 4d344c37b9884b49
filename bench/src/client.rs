//! The bench's side of Tidings' API: webhooks signed as the providers sign
//! them, sessions, sockets.

use futures_util::{SinkExt, StreamExt};
use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::{json, Value};
use sha2::Sha256;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// What the bench needs to talk to a server.
#[derive(Clone)]
pub struct Target {
    pub base: String,
    /// Where sockets open: `base`, or another node of its cluster.
    pub sockets_base: String,
    pub http: reqwest::Client,
    /// `X-API-Key` of platform webhooks.
    pub webhook_secret: String,
    /// Signs WhatsApp webhooks.
    pub app_secret: String,
    /// A tenant API key, for the scenarios that need a college.
    pub api_key: Option<String>,
    pub tenant: i64,
}

impl Target {
    pub fn ws(&self, path: &str) -> String {
        format!("{}{path}", self.sockets_base.replacen("http", "ws", 1))
    }

    pub async fn post_platform(&self, body: &Value) -> anyhow::Result<u16> {
        let response = self
            .http
            .post(format!("{}/api/webhooks/confirmd", self.base))
            .header("x-api-key", &self.webhook_secret)
            .json(body)
            .send()
            .await?;
        Ok(response.status().as_u16())
    }

    /// `X-Hub-Signature-256` of a WhatsApp webhook's body, as Meta signs it.
    pub fn whatsapp_signature(&self, body: &[u8]) -> anyhow::Result<String> {
        let mut mac = Hmac::<Sha256>::new_from_slice(self.app_secret.as_bytes())?;
        mac.update(body);
        Ok(format!("sha256={}", hex::encode(mac.finalize().into_bytes())))
    }

    pub async fn post_whatsapp(&self, body: &Value) -> anyhow::Result<u16> {
        let bytes = serde_json::to_vec(body)?;
        let signature = self.whatsapp_signature(&bytes)?;
        let response = self
            .http
            .post(format!("{}/api/webhooks/whatsapp", self.base))
            .header("content-type", "application/json")
            .header("x-hub-signature-256", signature)
            .body(bytes)
            .send()
            .await?;
        Ok(response.status().as_u16())
    }

    /// Creates a connect session; returns (sessionId, outOfBandId).
    pub async fn create_session(&self) -> anyhow::Result<(String, String)> {
        let body: Value = self
            .http
            .post(format!("{}/api/connections/session", self.base))
            .json(&json!({"requestType": "registration"}))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let text = |k: &str| body["data"][k].as_str().unwrap_or_default().to_owned();
        Ok((text("sessionId"), text("outOfBandId")))
    }

    pub fn key(&self) -> anyhow::Result<&str> {
        self.api_key.as_deref().ok_or_else(|| anyhow::anyhow!("this scenario needs --api-key (tidings admin create-api-key)"))
    }

    /// Registers an outgoing WhatsApp message for the tenant.
    pub async fn register_message(&self, wamid: &str) -> anyhow::Result<()> {
        let body = json!({"collegeId": self.tenant, "to": "15551234567", "whatsappMessageId": wamid});
        self.http
            .post(format!("{}/api/whatsapp/messages", self.base))
            .bearer_auth(self.key()?)
            .json(&body)
            .send()
            .await?
            .error_for_status()?;
        Ok(())
    }

    /// Signs in as the first admin (`TIDINGS_ADMIN_EMAIL`,
    /// `TIDINGS_ADMIN_PASSWORD`), for the delivery stats.
    pub async fn admin(&self) -> anyhow::Result<Admin> {
        let email = std::env::var("TIDINGS_ADMIN_EMAIL")?;
        let password = std::env::var("TIDINGS_ADMIN_PASSWORD")?;
        let signed_in =
            self.http.post(format!("{}/api/auth/login", self.base)).json(&json!({"email": email, "password": password})).send().await?;
        let cookie = signed_in
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|v| v.split(';').next().filter(|c| c.starts_with("tidings_session=")))
            .ok_or_else(|| anyhow::anyhow!("the admin could not sign in"))?
            .to_owned();
        Ok(Admin { target: self.clone(), cookie })
    }

    pub async fn channel_token(&self) -> anyhow::Result<String> {
        self.token_for(&format!("college:{}", self.tenant)).await
    }

    /// A channel token for `channel` (`college:7`, `tenant:7`).
    pub async fn token_for(&self, channel: &str) -> anyhow::Result<String> {
        let body: Value = self
            .http
            .post(format!("{}/api/realtime/token", self.base))
            .bearer_auth(self.key()?)
            .json(&json!({ "channel": channel }))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        Ok(body["token"].as_str().unwrap_or_default().to_owned())
    }

    /// A `/ws/whatsapp` socket registered for the tenant's college.
    pub async fn college_socket(&self, token: &str) -> anyhow::Result<Socket> {
        let register = json!({"type": "register", "collegeId": self.tenant, "token": token});
        subscribed(open(&self.ws("/ws/whatsapp")).await?, &register, "registered").await
    }

    /// A `/ws/tenant` socket joined to the tenant with `token`.
    pub async fn tenant_socket(&self, token: &str) -> anyhow::Result<Socket> {
        let join = json!({"type": "join-tenant", "tenantId": self.tenant, "token": token});
        subscribed(open(&self.ws("/ws/tenant")).await?, &join, "joined").await
    }
}

/// The first admin, signed in.
pub struct Admin {
    target: Target,
    cookie: String,
}

impl Admin {
    /// Deliveries stored and not yet applied. Each read counts them all:
    /// read rarely while measuring.
    pub async fn pending(&self) -> anyhow::Result<u64> {
        let stats: Value = self
            .target
            .http
            .get(format!("{}/api/admin/webhook-stats", self.target.base))
            .header("cookie", &self.cookie)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        Ok(stats["pending"].as_u64().unwrap_or(0))
    }
}

/// `socket` once it has sent `subscribe` and been answered with `answer`.
async fn subscribed(mut socket: Socket, subscribe: &Value, answer: &str) -> anyhow::Result<Socket> {
    socket.send(Message::Text(subscribe.to_string().into())).await?;
    let first = next_json(&mut socket, Duration::from_secs(10)).await?;
    anyhow::ensure!(first["type"] == answer, "no `{answer}`: {first}");
    Ok(socket)
}

impl Target {
    /// A `/ws/whatsapp` socket registered for the tenant's college that is
    /// then never read: its receive buffer is as small as the kernel
    /// allows, so the server's writes to it back up at once.
    pub async fn stalled_socket(&self, token: &str) -> anyhow::Result<Socket> {
        let addr: std::net::SocketAddr = self.sockets_base.trim_start_matches("http://").trim_end_matches('/').parse()?;
        let tcp = tokio::net::TcpSocket::new_v4()?;
        tcp.set_recv_buffer_size(1024)?;
        let stream = tcp.connect(addr).await?;
        let (socket, _) = tokio_tungstenite::client_async(self.ws("/ws/whatsapp"), MaybeTlsStream::Plain(stream)).await?;
        let register = json!({"type": "register", "collegeId": self.tenant, "token": token});
        subscribed(socket, &register, "registered").await
    }
}

/// Opens a WebSocket the way a lean client would. The library's default
/// 128 KiB read buffer is zeroed on every read: a profile of the fan-out
/// scenario showed the bench spending an eighth of both cores in `memset`
/// for it, time taken from the server it measures.
pub async fn open(url: &str) -> anyhow::Result<Socket> {
    let config = WebSocketConfig::default().read_buffer_size(4 * 1024);
    let (socket, _) = tokio_tungstenite::connect_async_with_config(url, Some(config), true).await?;
    Ok(socket)
}

/// The next text message, within `patience`.
pub async fn next_text(socket: &mut Socket, patience: Duration) -> anyhow::Result<Utf8Bytes> {
    loop {
        match tokio::time::timeout(patience, socket.next()).await? {
            Some(Ok(Message::Text(text))) => return Ok(text),
            Some(Ok(Message::Close(_))) | None => anyhow::bail!("socket closed"),
            Some(Ok(_)) => continue,
            Some(Err(err)) => return Err(err.into()),
        }
    }
}

/// The next JSON text message, within `patience`.
pub async fn next_json(socket: &mut Socket, patience: Duration) -> anyhow::Result<Value> {
    Ok(serde_json::from_str(next_text(socket, patience).await?.as_str())?)
}

/// What the fan-out scenarios read of a WhatsApp update, borrowed from the
/// frame: thousands of sockets read every update, and building a whole
/// `Value` for each would spend the cores the server is measured on.
#[derive(Deserialize)]
pub struct WaUpdate<'a> {
    #[serde(rename = "type")]
    pub kind: &'a str,
    pub status: Option<&'a str>,
    #[serde(rename = "whatsappMessageId")]
    pub wamid: Option<&'a str>,
}

impl<'a> WaUpdate<'a> {
    /// The message id, if this is a `sent` status update.
    pub fn sent(text: &'a str) -> Option<&'a str> {
        let update: WaUpdate = serde_json::from_str(text).ok()?;
        (update.kind == "message_status_update" && update.status == Some("sent")).then_some(update.wamid).flatten()
    }
}

/// The title of a `/ws/tenant` `new-notification` frame (the fan-out's
/// watched key), borrowed from the frame.
pub fn tenant_notification_title(text: &str) -> Option<&str> {
    #[derive(Deserialize)]
    struct Titled<'a> {
        title: &'a str,
    }
    #[derive(Deserialize)]
    struct Frame<'a> {
        #[serde(rename = "type", borrow)]
        kind: &'a str,
        #[serde(borrow)]
        notification: Option<Titled<'a>>,
    }
    let frame: Frame = serde_json::from_str(text).ok()?;
    (frame.kind == "new-notification").then_some(frame.notification?.title)
}

/// A WhatsApp status notification for `wamid`.
pub fn whatsapp_status(wamid: &str, status: &str, unix: i64) -> Value {
    json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp", "metadata": {"phone_number_id": "100000000000001"},
        "statuses": [{"id": wamid, "status": status, "timestamp": unix.to_string(), "recipient_id": "15551234567"}]}}]}]})
}

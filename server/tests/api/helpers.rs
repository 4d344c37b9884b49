//! `spawn_app()` and typed helpers for talking to it.

use app::protocol::{CreatedSession, Envelope, ServerMessage, SessionId, SessionView};
use futures_util::{SinkExt, StreamExt};
use leptos::prelude::LeptosOptions;
use secrecy::SecretString;
use serde_json::Value;
use std::collections::HashMap;
use std::time::Duration;
use tidings::cli::simulate::{self, ScanArgs, Shape, Step};
use tidings::config::Settings;
use tidings::Application;
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub const SECRET: &str = "test-webhook-secret";
pub const APP_SECRET: &str = "test-app-secret";
pub const ADMIN_EMAIL: &str = "admin@test.local";
pub const ADMIN_PASSWORD: &str = "admin-password-1";
/// What invited staff choose as their password in tests.
pub const STAFF_PASSWORD: &str = "staff-password-1";
pub const VERIFY_TOKEN: &str = "test-verify-token";
/// The first tenant's WhatsApp business number (the fixtures' number).
pub const PHONE_NUMBER_ID: &str = "106540352242922";
/// Upper bound on waiting for something that should happen; not a delay.
pub const PATIENCE: Duration = Duration::from_secs(10);

pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A running server as its clients see it: its address, an HTTP client and
/// the first admin's session. Every helper that only talks HTTP and
/// WebSocket lives here, so a server in another process has them too.
#[derive(Clone)]
pub struct Api {
    pub base: String,
    pub http: reqwest::Client,
    /// The first admin's session.
    pub admin: Option<Session>,
}

/// A server running in this test's process.
pub struct TestApp {
    pub api: Api,
    pub dir: tempfile::TempDir,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    /// The settings the server runs with (for the `admin` command).
    pub settings: Settings,
    /// The outbound queue, driven by the tests with their own clock when
    /// `OUTBOUND_POLL_MS=0`.
    pub dispatcher: tidings::outbound::Dispatcher,
    /// The same, resolving host names with [`TEST_DNS`] instead of the
    /// system's resolver.
    pub dispatcher_with_test_dns: tidings::outbound::Dispatcher,
}

/// The names [`TestApp::dispatcher_with_test_dns`] knows: one that resolves
/// to loopback (as a rebinding attacker's would).
pub const TEST_DNS: [(&str, &str); 1] = [("rebind.test", "127.0.0.1")];

/// Starts a server with a fresh database and the given extra settings.
pub async fn spawn_app(extra: &[(&str, &str)]) -> TestApp {
    spawn_in(tempfile::tempdir().unwrap(), extra).await
}

/// Starts a server on the database in `dir` (to restart over the same file).
pub async fn spawn_in(dir: tempfile::TempDir, extra: &[(&str, &str)]) -> TestApp {
    let mut vars: HashMap<String, String> = HashMap::from([
        ("TIDINGS_DATA_DIR".into(), dir.path().display().to_string()),
        ("WEBHOOK_SECRET".into(), SECRET.into()),
        ("RETRY_INTERVAL_SECS".into(), "0.2".into()),
        ("WHATSAPP_APP_SECRET".into(), APP_SECRET.into()),
        ("WHATSAPP_WEBHOOK_VERIFY_TOKEN".into(), VERIFY_TOKEN.into()),
        // Statuses come only from the test unless a test turns this on.
        ("WHATSAPP_SIMULATOR_AUTO".into(), "false".into()),
        ("TIDINGS_ADMIN_EMAIL".into(), ADMIN_EMAIL.into()),
        ("TIDINGS_ADMIN_PASSWORD".into(), ADMIN_PASSWORD.into()),
        // The first tenant's business number, as the fixtures report it.
        ("WHATSAPP_PHONE_NUMBER_ID".into(), PHONE_NUMBER_ID.into()),
        // Tests start many sessions from one address.
        ("SESSIONS_PER_MINUTE_PER_IP".into(), "100000".into()),
        // Refusal counts reach the activity log while a test waits.
        ("HOUSEKEEPING_INTERVAL_SECS".into(), "0.1".into()),
    ]);
    vars.extend(crate::backend::vars(dir.path()).await);
    for (k, v) in extra {
        vars.insert(k.to_string(), v.to_string());
    }
    let settings = Settings::from_lookup(&move |k| vars.get(k).cloned()).expect("settings");
    let admin_settings = settings.clone();
    let options = LeptosOptions::builder().output_name("tidings").site_addr("127.0.0.1:0".parse::<std::net::SocketAddr>().unwrap()).build();
    let app = Application::build(settings, options).await.expect("app builds");
    let dispatcher = app.dispatcher();
    let answers = TEST_DNS.iter().map(|(name, ip)| (name.to_string(), vec![ip.parse().unwrap()])).collect();
    let dispatcher_with_test_dns = app.dispatcher_resolving_with(std::sync::Arc::new(tidings::outbound::guard::StaticLookup(answers)));
    let base = format!("http://{}", app.local_addr());
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(app.run_until_stopped(async move {
        let _ = stopped.await;
    }));
    let mut app = TestApp {
        api: Api { base, http: reqwest::Client::new(), admin: None },
        dir,
        stop,
        task,
        settings: admin_settings,
        dispatcher,
        dispatcher_with_test_dns,
    };
    app.admin = Some(app.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await.expect("the first admin signs in"));
    app
}

impl std::ops::Deref for TestApp {
    type Target = Api;
    fn deref(&self) -> &Api {
        &self.api
    }
}

impl std::ops::DerefMut for TestApp {
    fn deref_mut(&mut self) -> &mut Api {
        &mut self.api
    }
}

/// A signed-in browser: its session cookie and CSRF token.
#[derive(Clone, Debug)]
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

impl TestApp {
    /// Stops the server and waits until it has let go of everything.
    pub async fn stop(self) -> tempfile::TempDir {
        let TestApp { dir, stop, task, .. } = self;
        let _ = stop.send(());
        task.await.unwrap().unwrap();
        dir
    }
}

impl Api {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Signs in; `None` if refused.
    pub async fn sign_in(&self, email: &str, password: &str) -> Option<Session> {
        let response = self
            .http
            .post(self.url("/api/auth/login"))
            .json(&serde_json::json!({"email": email, "password": password}))
            .send()
            .await
            .unwrap();
        if response.status() != 200 {
            return None;
        }
        let cookie = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("tidings_session="))
            .and_then(|v| v.split(';').next())
            .expect("a session cookie")
            .to_owned();
        let body: Value = response.json().await.unwrap();
        Some(Session { cookie, csrf: body["data"]["csrfToken"].as_str().unwrap().to_owned() })
    }

    /// A request as `session` (cookie and CSRF token).
    pub fn as_user(&self, session: &Session, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http.request(method, self.url(path)).header("cookie", &session.cookie).header("x-csrf-token", &session.csrf)
    }

    /// Invites a new staff member to `tenant` as the first admin would; they
    /// open the link, choose a password and are signed in. Returns
    /// (session, user id).
    pub async fn add_staff(&self, tenant: i64, email: &str, role: &str) -> (Session, i64) {
        let token = self.invite(tenant, email, role).await;
        let accepted = self
            .http
            .post(self.url(&format!("/api/invitations/{token}/accept")))
            .json(&serde_json::json!({"password": STAFF_PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(accepted.status(), 200, "the invitation is accepted");
        let session = self.sign_in(&email.to_lowercase(), STAFF_PASSWORD).await.expect("the new staff member signs in");
        let me = json_of(self.as_user(&session, reqwest::Method::GET, "/api/auth/me")).await;
        (session, me["data"]["userId"].as_i64().unwrap())
    }

    /// Invites `email` to `tenant` as the first admin; the link's token.
    pub async fn invite(&self, tenant: i64, email: &str, role: &str) -> String {
        let invited = json_of(
            self.as_admin(reqwest::Method::POST, &format!("/api/tenants/{tenant}/members"))
                .json(&serde_json::json!({"email": email, "role": role})),
        )
        .await;
        let url = invited["data"]["url"].as_str().expect("an invitation link, shown once");
        url.strip_prefix("/invite?token=").expect("a link to the invitation page").to_owned()
    }

    /// A request as the first admin.
    pub fn as_admin(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.as_user(self.admin.as_ref().expect("signed in"), method, path)
    }

    pub async fn create_session(&self) -> CreatedSession {
        let response = self
            .http
            .post(self.url("/api/connections/session"))
            .json(&serde_json::json!({"requestType": "registration"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "create session");
        response.json::<Envelope<CreatedSession>>().await.unwrap().data
    }

    pub async fn session(&self, id: &SessionId) -> SessionView {
        let response = self.http.get(self.url("/api/connections/session")).query(&[("sessionId", id.as_str())]).send().await.unwrap();
        assert_eq!(response.status(), 200, "get session");
        response.json::<Envelope<SessionView>>().await.unwrap().data
    }

    pub async fn post_webhook(&self, body: impl Into<reqwest::Body>, key: Option<&str>) -> reqwest::Response {
        let mut request = self.http.post(self.url("/api/webhooks/confirmd")).header("content-type", "application/json");
        if let Some(key) = key {
            request = request.header("x-api-key", key);
        }
        request.body(body).send().await.unwrap()
    }

    pub async fn stats(&self) -> Value {
        self.as_admin(reqwest::Method::GET, "/api/admin/webhook-stats").send().await.unwrap().json().await.unwrap()
    }

    /// Stats once the worker has processed every stored delivery.
    pub async fn settled_stats(&self) -> Value {
        tokio::time::timeout(PATIENCE, async {
            loop {
                let stats = self.stats().await;
                if stats["pending"] == 0 {
                    return stats;
                }
                tokio::task::yield_now().await;
            }
        })
        .await
        .expect("the worker drains the queue")
    }

    /// Plays a wallet scanning `id`'s code, through the `simulate` command.
    pub async fn scan(&self, id: &SessionId, shape: Shape, label: &str, steps: usize) {
        let steps = Step::ALL[..steps].to_vec();
        let args = ScanArgs { session: id.to_string(), server: self.base.clone(), shape, label: label.into(), steps, connection_id: None };
        simulate::scan(&args, &SecretString::from(SECRET)).await.expect("scan");
    }

    pub async fn socket(&self, query: &str) -> Socket {
        self.socket_at(&format!("/ws/connections{query}")).await
    }

    pub async fn socket_at(&self, path: &str) -> Socket {
        let url = format!("{}{path}", self.base.replacen("http", "ws", 1));
        tokio_tungstenite::connect_async(url).await.expect("socket opens").0
    }

    pub async fn watch(&self, id: &SessionId) -> Socket {
        self.socket(&format!("?sessionId={id}")).await
    }
}

/// The next application message on `socket`.
/// Sends `request` and reads its answer as JSON, whatever its status.
pub async fn json_of(request: reqwest::RequestBuilder) -> Value {
    request.send().await.unwrap().json().await.unwrap()
}

pub async fn next_message(socket: &mut Socket) -> ServerMessage {
    loop {
        let frame = tokio::time::timeout(PATIENCE, socket.next()).await.expect("a message in time");
        match frame.expect("socket open").expect("socket ok") {
            Message::Text(text) => return serde_json::from_str(text.as_str()).expect("a server message"),
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("unexpected frame {other:?}"),
        }
    }
}

/// The close code the server ends `socket` with.
pub async fn close_code(socket: &mut Socket) -> CloseCode {
    loop {
        match tokio::time::timeout(PATIENCE, socket.next()).await.expect("a frame in time") {
            Some(Ok(Message::Close(Some(frame)))) => return frame.code,
            Some(Ok(_)) => continue,
            other => panic!("expected a close frame, got {other:?}"),
        }
    }
}

/// Proves nothing else is queued for `socket`: a ping is answered by the very
/// next message. Messages arrive in order, so any pending update would come
/// first.
pub async fn assert_quiet(socket: &mut Socket) {
    socket.send(Message::Text(r#"{"type":"ping"}"#.into())).await.unwrap();
    match next_message(socket).await {
        ServerMessage::Pong { .. } => {}
        other => panic!("expected no more updates, got {other:?}"),
    }
}

/// The status of the next message, which must be a status update.
pub async fn next_status(socket: &mut Socket) -> (app::protocol::ConnectionStatus, Option<String>, Option<String>) {
    match next_message(socket).await {
        ServerMessage::StatusUpdate { status, their_label, connection_id, .. } => {
            (status, their_label, connection_id.map(|c| c.to_string()))
        }
        other => panic!("expected a status update, got {other:?}"),
    }
}

impl Api {
    /// A socket at `path` opened by the browser signed in as `session`.
    pub async fn socket_at_with_cookie(&self, path: &str, session: &Session) -> Socket {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let mut request = format!("{}{path}", self.base.replacen("http", "ws", 1)).into_client_request().unwrap();
        request.headers_mut().insert("cookie", session.cookie.parse().unwrap());
        tokio_tungstenite::connect_async(request).await.expect("socket opens").0
    }
}

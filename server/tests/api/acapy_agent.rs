//! Real Hyperledger ACA-Py agents for a test: `aca-py` from the virtual
//! environment the test command makes (`TIDINGS_TEST_ACAPY` names the
//! executable), on free loopback ports, without a ledger, each with its
//! wallet in a private temporary home; killed when the test drops them.

use crate::helpers::PATIENCE;
use serde_json::Value;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

/// ACA-Py needs a moment to provision its wallet; a loaded machine more.
const START_PATIENCE: Duration = Duration::from_secs(90);

/// The `aca-py` executable, when the test command provides one; the tests
/// that need real agents say they were skipped otherwise.
pub fn executable() -> Option<PathBuf> {
    let path = std::env::var_os("TIDINGS_TEST_ACAPY").map(PathBuf::from);
    if path.is_none() {
        eprintln!("skipped: TIDINGS_TEST_ACAPY is not set (./scripts/test installs ACA-Py and sets it)");
    }
    path
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub enum Role<'a> {
    /// The university's agent: accepts DID Exchange requests, posts its
    /// webhooks to `webhook_url` (with the `#key` suffix ACA-Py reads), and
    /// guards its admin API with `api_key`.
    University { webhook_url: &'a str, api_key: &'a str },
    /// A student's wallet: accepts every invitation it is given.
    Wallet,
}

pub struct Agent {
    pub label: String,
    /// The admin API's base URL.
    pub admin: String,
    api_key: Option<String>,
    http: reqwest::Client,
    child: Child,
    home: tempfile::TempDir,
}

impl Agent {
    /// Starts an agent whose admin API listens on `admin_port`, and waits
    /// until it says it is ready.
    pub async fn start(executable: &PathBuf, label: &str, admin_port: u16, role: Role<'_>) -> Self {
        let home = tempfile::tempdir().unwrap();
        let inbound = free_port().to_string();
        let mut command = Command::new(executable);
        command
            .arg("start")
            .args(["--label", label, "--inbound-transport", "http", "127.0.0.1", &inbound, "--outbound-transport", "http"])
            .args(["--endpoint", &format!("http://127.0.0.1:{inbound}"), "--admin", "127.0.0.1", &admin_port.to_string()])
            .args(["--wallet-type", "askar", "--wallet-name", "test", "--wallet-key", "test-wallet-key"])
            // Lighter than the default key derivation, in memory and time.
            .args(["--wallet-key-derivation-method", "kdf:argon2i:int", "--auto-provision", "--no-ledger"]);
        let api_key = match role {
            Role::University { webhook_url, api_key } => {
                command.args(["--auto-accept-requests", "--webhook-url", webhook_url, "--admin-api-key", api_key]);
                Some(api_key.to_owned())
            }
            Role::Wallet => {
                command.args(["--auto-accept-invites", "--admin-insecure-mode"]);
                None
            }
        };
        let log = std::fs::File::create(home.path().join("agent.log")).unwrap();
        let child = command
            // ACA-Py adds `WEBHOOK_URL` as one more webhook target.
            .env_remove("WEBHOOK_URL")
            .env("HOME", home.path())
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .expect("aca-py starts");
        let http = reqwest::Client::builder().timeout(PATIENCE).build().unwrap();
        let mut agent = Self { label: label.to_owned(), admin: format!("http://127.0.0.1:{admin_port}"), api_key, http, child, home };
        agent.wait_until_ready().await;
        agent
    }

    async fn wait_until_ready(&mut self) {
        let deadline = Instant::now() + START_PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("aca-py {} exited ({status}) before it was ready:\n{}", self.label, self.log());
            }
            let ready = self.get("/status/ready").send().await;
            if ready.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            assert!(Instant::now() < deadline, "aca-py {} not ready in time:\n{}", self.label, self.log());
            // Polling a process that gives no other signal of readiness.
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.home.path().join("agent.log")).unwrap_or_default()
    }

    fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.with_key(self.http.get(format!("{}{path}", self.admin)))
    }

    fn with_key(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.api_key {
            Some(key) => request.header("x-api-key", key),
            None => request,
        }
    }

    /// Receives the out-of-band invitation in `invitation_url` (what a
    /// student's phone does on scanning the QR code); the wallet then runs
    /// DID Exchange with the inviter on its own.
    pub async fn receive(&self, invitation_url: &str) {
        let invitation = tidings::platform::invitation::decode(invitation_url).expect("an out-of-band invitation URL");
        let request = self.http.post(format!("{}/out-of-band/receive-invitation", self.admin)).query(&[("auto_accept", "true")]);
        let response = self.with_key(request).json(&invitation).send().await.unwrap();
        assert!(response.status().is_success(), "receive-invitation: {}", response.text().await.unwrap());
    }

    /// The agent's connection records for an invitation message id.
    pub async fn connections_of(&self, invitation_id: &str) -> Vec<Value> {
        let response = self.get("/connections").query(&[("invitation_msg_id", invitation_id)]).send().await.unwrap();
        let body: Value = response.json().await.unwrap();
        body["results"].as_array().cloned().unwrap_or_default()
    }

    /// Waits until the agent holds the invitation's connection as `active`.
    pub async fn wait_until_active(&self, invitation_id: &str) -> Value {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(record) = self.connections_of(invitation_id).await.into_iter().find(|r| r["state"] == "active") {
                return record;
            }
            assert!(Instant::now() < deadline, "{}: the connection never became active", self.label);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

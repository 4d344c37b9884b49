//! `tidings simulate scan --session <id>`: plays the wallet and the platform
//! against a running server. It reads the session's invitation as a wallet
//! would, then posts the webhooks a real connection produces, in order,
//! authenticated with the configured webhook secret.

use crate::platform::invitation;
use anyhow::Context;
use app::protocol::{Envelope, SessionView};
use clap::{Subcommand, ValueEnum};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};

#[derive(Subcommand, Debug)]
pub enum Simulate {
    /// Scan a session's QR code with a simulated wallet.
    Scan(ScanArgs),
    /// Play WhatsApp's Cloud API: statuses and replies.
    #[command(subcommand)]
    Whatsapp(super::simulate_whatsapp::WhatsApp),
}

#[derive(clap::Args, Debug)]
pub struct ScanArgs {
    /// The session to connect (the `sessionId` of `/register/connect?session=…`).
    #[arg(long)]
    pub session: String,
    /// The server's base URL.
    #[arg(long, env = "TIDINGS_URL", default_value = "http://127.0.0.1:3000")]
    pub server: String,
    /// The payload shape to send, as different platforms do.
    #[arg(long, value_enum, default_value_t = Shape::Flat)]
    pub shape: Shape,
    /// The wallet's label, shown on the success panel.
    #[arg(long, default_value = "Simulated Wallet")]
    pub label: String,
    /// The steps to play, in order (default: all three). Repeat the flag,
    /// or call the command once per step with the same `--connection-id`.
    #[arg(long = "step", value_enum)]
    pub steps: Vec<Step>,
    /// The connection id the platform reports (default: a fresh one).
    #[arg(long)]
    pub connection_id: Option<String>,
}

/// The steps of a DID exchange as the inviter's agent reports them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Step {
    /// The wallet's request arrived (`request-received`).
    Request,
    /// The agent answered (`response-sent`).
    Response,
    /// The exchange completed: the connection is active (`completed`).
    Active,
}

impl Step {
    pub const ALL: [Step; 3] = [Step::Request, Step::Response, Step::Active];

    /// The RFC 0023 state name an inviter's agent sends for this step.
    fn state(self) -> &'static str {
        match self {
            Step::Request => "request-received",
            Step::Response => "response-sent",
            Step::Active => "completed",
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Shape {
    /// ConfirmD's flat payload.
    Flat,
    /// The nested `webhookId`/`topic`/`data` payload.
    Nested,
    /// ACA-Py's connection record, posted to `…/topic/connections/`.
    Acapy,
}

pub async fn run(command: Simulate, settings: &crate::config::Settings) -> anyhow::Result<()> {
    match command {
        Simulate::Scan(args) => scan(&args, &settings.webhook_secret).await,
        Simulate::Whatsapp(command) => super::simulate_whatsapp::run(command, &settings.whatsapp.app_secret).await,
    }
}

pub async fn scan(args: &ScanArgs, secret: &SecretString) -> anyhow::Result<()> {
    let http = reqwest::Client::new();
    let base = args.server.trim_end_matches('/');
    let session: Envelope<SessionView> = http
        .get(format!("{base}/api/connections/session"))
        .query(&[("sessionId", &args.session)])
        .send()
        .await?
        .error_for_status()
        .context("the server does not know this session")?
        .json()
        .await?;
    let session = session.data;
    let invitation_id = invitation::invitation_id_from_url(&session.invitation_url);
    let connection_id = args.connection_id.clone().unwrap_or_else(crate::random_uuid);
    let their_did = format!("did:peer:1zQm{}", hex_of(&connection_id));
    let steps = if args.steps.is_empty() { &Step::ALL[..] } else { &args.steps[..] };
    for state in steps.iter().map(|s| s.state()) {
        let step = Delivery {
            state,
            connection_id: &connection_id,
            out_of_band_id: session.out_of_band_id.as_str(),
            invitation_id: invitation_id.as_deref(),
            label: &args.label,
            their_did: &their_did,
        };
        let (path, body) = step.payload(args.shape);
        let response = http.post(format!("{base}{path}")).header("x-api-key", secret.expose_secret()).json(&body).send().await?;
        let status = response.status();
        anyhow::ensure!(status.is_success(), "the server answered {status} to `{state}`: {}", response.text().await?);
        println!("{state:>17} → {status}");
    }
    Ok(())
}

/// A stable DID per connection, so repeated calls describe the same wallet.
fn hex_of(connection_id: &str) -> String {
    use sha2::Digest;
    hex::encode(&sha2::Sha256::digest(connection_id.as_bytes())[..16])
}

/// One webhook of the exchange.
struct Delivery<'a> {
    state: &'a str,
    connection_id: &'a str,
    out_of_band_id: &'a str,
    invitation_id: Option<&'a str>,
    label: &'a str,
    their_did: &'a str,
}

impl Delivery<'_> {
    fn payload(&self, shape: Shape) -> (&'static str, Value) {
        let now = chrono::Utc::now().to_rfc3339();
        match shape {
            Shape::Flat => (
                "/api/webhooks/confirmd",
                json!({
                    "id": crate::random_uuid(),
                    "type": "Connection",
                    "connectionId": self.connection_id,
                    "state": self.state,
                    "theirLabel": self.label,
                    "theirDid": self.their_did,
                    "orgId": "simulated-organization",
                    "outOfBandId": self.out_of_band_id,
                    "timestamp": now,
                }),
            ),
            Shape::Nested => (
                "/api/webhooks/confirmd",
                json!({
                    "webhookId": format!("wh_{}", crate::random_token(8)),
                    "topic": format!("connections.{}", self.state),
                    "timestamp": now,
                    "organizationId": "simulated-organization",
                    "agentId": "simulated-agent",
                    "data": {
                        "connectionId": self.connection_id,
                        "state": self.state,
                        "invitationId": self.invitation_id.unwrap_or(self.out_of_band_id),
                        "outOfBandId": self.out_of_band_id,
                        "theirDid": self.their_did,
                        "theirLabel": self.label,
                    },
                }),
            ),
            Shape::Acapy => (
                "/api/webhooks/confirmd/topic/connections/",
                json!({
                    "connection_id": self.connection_id,
                    "rfc23_state": self.state,
                    "their_label": self.label,
                    "their_did": self.their_did,
                    "their_role": "invitee",
                    "invitation_msg_id": self.invitation_id.unwrap_or(self.out_of_band_id),
                    "connection_protocol": "didexchange/1.1",
                    "updated_at": now,
                }),
            ),
        }
    }
}

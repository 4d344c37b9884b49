//! `tidings simulate whatsapp …`: plays Meta against a running server,
//! posting Cloud API notifications signed with the app secret.

use crate::graph::notifications::{self, known_error};
use crate::graph::simulator::PHONE_NUMBER_ID;
use crate::intake::whatsapp::sign;
use clap::{Subcommand, ValueEnum};
use secrecy::SecretString;
use serde_json::Value;

#[derive(Subcommand, Debug)]
pub enum WhatsApp {
    /// Report a status of an outgoing message.
    Status(StatusArgs),
    /// A customer replies.
    Reply(ReplyArgs),
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Status {
    Sent,
    Delivered,
    Read,
    Failed,
}

#[derive(clap::Args, Debug)]
pub struct StatusArgs {
    /// The message's `wamid`.
    #[arg(long)]
    pub wamid: String,
    #[arg(long, value_enum)]
    pub status: Status,
    /// The recipient's number.
    #[arg(long, default_value = "15551234567")]
    pub to: String,
    /// With `failed`: the Cloud API error code (131047, 131049, 131026).
    #[arg(long, default_value_t = 131047)]
    pub error_code: i64,
    /// The business number Meta reports it on.
    #[arg(long, env = "WHATSAPP_PHONE_NUMBER_ID", default_value = PHONE_NUMBER_ID)]
    pub phone_number_id: String,
    #[arg(long, env = "TIDINGS_URL", default_value = "http://127.0.0.1:3000")]
    pub server: String,
}

#[derive(clap::Args, Debug)]
pub struct ReplyArgs {
    /// The customer's number.
    #[arg(long)]
    pub from: String,
    #[arg(long)]
    pub text: String,
    #[arg(long, default_value = "Customer")]
    pub name: String,
    /// The business number the customer writes to.
    #[arg(long, env = "WHATSAPP_PHONE_NUMBER_ID", default_value = PHONE_NUMBER_ID)]
    pub phone_number_id: String,
    /// The `wamid` of the message this replies to.
    #[arg(long)]
    pub context: Option<String>,
    #[arg(long, env = "TIDINGS_URL", default_value = "http://127.0.0.1:3000")]
    pub server: String,
}

pub async fn run(command: WhatsApp, app_secret: &SecretString) -> anyhow::Result<()> {
    let now = chrono::Utc::now();
    let (server, notification) = match command {
        WhatsApp::Status(a) => {
            let (name, error) = match a.status {
                Status::Sent => ("sent", None),
                Status::Delivered => ("delivered", None),
                Status::Read => ("read", None),
                Status::Failed => {
                    ("failed", Some(known_error(a.error_code).ok_or_else(|| anyhow::anyhow!("unknown error code {}", a.error_code))?))
                }
            };
            (a.server, notifications::status(&a.phone_number_id, &a.wamid, &a.to, name, now, error))
        }
        WhatsApp::Reply(a) => {
            let wamid = notifications::new_wamid();
            (a.server, notifications::text(&a.phone_number_id, &wamid, &a.from, &a.name, &a.text, now, a.context.as_deref()))
        }
    };
    post(&server, &notification, app_secret).await
}

async fn post(server: &str, notification: &Value, app_secret: &SecretString) -> anyhow::Result<()> {
    let body = serde_json::to_vec(notification)?;
    let response = reqwest::Client::new()
        .post(format!("{}/api/webhooks/whatsapp", server.trim_end_matches('/')))
        .header("content-type", "application/json")
        .header("x-hub-signature-256", sign(&body, app_secret))
        .body(body)
        .send()
        .await?;
    let status = response.status();
    let text = response.text().await?;
    anyhow::ensure!(status.is_success(), "the server answered {status}: {text}");
    println!("{status} {text}");
    Ok(())
}

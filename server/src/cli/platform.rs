//! `tidings platform …`: wires the wallet platform's webhooks to this
//! server. On the seeds' platform (or the simulator a running server
//! hosts) it drives the webhook-app API: register, test, rotate the secret.
//! For ACA-Py, whose webhook target is a start-up flag, it prints the
//! `--webhook-url` to start the agent with.

use crate::config::{local_secret, PlatformSettings, RemotePlatform, Settings};
use crate::intake::platform_keys::{key_hash, REFRESH};
use crate::platform::simulator;
use crate::platform::PlatformClient;
use crate::store::{self, Store};
use anyhow::Context;
use chrono::Utc;
use clap::{Args, Subcommand};
use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;

/// Where the platform's webhooks go on this server.
const WEBHOOK_PATH: &str = "/api/webhooks/confirmd";

#[derive(Args, Debug, Clone)]
pub struct Target {
    /// The running server (it hosts the simulated platform when none is
    /// configured).
    #[arg(long, env = "TIDINGS_URL", default_value = "http://127.0.0.1:3000")]
    pub server: String,
}

#[derive(Subcommand, Debug)]
pub enum Platform {
    /// Register this server's webhook URL with the platform as a webhook
    /// app, with the current key (prints the app's id); for ACA-Py, print
    /// the `--webhook-url` to start the agent with.
    RegisterWebhook {
        #[command(flatten)]
        target: Target,
        /// The address the platform reaches this server at (default: --server).
        #[arg(long, env = "TIDINGS_PUBLIC_URL")]
        public_url: Option<String>,
        #[arg(long, default_value = "Tidings")]
        name: String,
    },
    /// Ask the platform to send a registered app a test webhook.
    TestWebhook {
        #[command(flatten)]
        target: Target,
        /// The app (default: every app registered from here).
        #[arg(long)]
        app: Option<String>,
        #[arg(long, default_value = "Connection")]
        event_type: String,
    },
    /// Make a new webhook key: accepted at once, then given to the platform;
    /// the old key keeps working for the grace period, so no delivery is
    /// refused in between.
    RotateSecret {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        app: Option<String>,
        #[arg(long, default_value_t = 3600)]
        grace_secs: u64,
        #[arg(long, env = "TIDINGS_PUBLIC_URL")]
        public_url: Option<String>,
    },
}

pub async fn run(command: Platform, settings: &Settings) -> anyhow::Result<()> {
    let store = store::connect(&settings.database_url).await?;
    match command {
        Platform::RegisterWebhook { target, public_url, name } => {
            let url = webhook_url(public_url.as_deref().unwrap_or(&target.server));
            match client(settings, &target)? {
                None => println!("Start the ACA-Py agent with:\n  --webhook-url '{url}#{}'", settings.webhook_secret.expose_secret()),
                Some(client) => {
                    let app = register(store.as_ref(), &client, &name, &url, &settings.webhook_secret).await?;
                    println!("Registered webhook app {app} for {url}");
                }
            }
        }
        Platform::TestWebhook { target, app, event_type } => {
            let client = client(settings, &target)?.context("ACA-Py has no test webhook; use its own admin API")?;
            for app in apps(store.as_ref(), app).await? {
                let attempt = client.test_app(&app, &event_type).await?;
                println!("{app}: {attempt}");
            }
        }
        Platform::RotateSecret { target, app, grace_secs, public_url } => {
            let grace = Duration::from_secs(grace_secs);
            let key = rotate(store.as_ref(), settings, client(settings, &target)?.as_ref(), app, grace).await?;
            let url = webhook_url(public_url.as_deref().unwrap_or(&target.server));
            println!("New webhook key: {}", key.expose_secret());
            if matches!(settings.platform, PlatformSettings::AcaPy(_)) {
                println!("Restart the ACA-Py agent with:\n  --webhook-url '{url}#{}'", key.expose_secret());
            }
            println!("The previous key works for {grace_secs} s more. Set WEBHOOK_SECRET to the new key at the next restart.");
        }
    }
    Ok(())
}

fn webhook_url(base: &str) -> String {
    format!("{}{WEBHOOK_PATH}", base.trim_end_matches('/'))
}

/// The platform's client: the configured platform, or the simulator the
/// server at `target` hosts; none for ACA-Py.
pub fn client(settings: &Settings, target: &Target) -> anyhow::Result<Option<PlatformClient>> {
    let remote: RemotePlatform = match &settings.platform {
        PlatformSettings::AcaPy(_) => return Ok(None),
        PlatformSettings::Remote(remote) => remote.clone(),
        PlatformSettings::Simulator => {
            let base_url = format!("{}{}", target.server.trim_end_matches('/'), simulator::MOUNT);
            simulator::client_settings(&base_url, local_secret(&settings.data_dir, simulator::SECRET_FILE)?)
        }
    };
    Ok(Some(PlatformClient::new(&remote)))
}

/// Registers `url` as a webhook app with `key`, and remembers the app for
/// reconciliation. Returns its id.
pub async fn register(store: &dyn Store, client: &PlatformClient, name: &str, url: &str, key: &SecretString) -> anyhow::Result<String> {
    let app = client.create_app(name, url, key.expose_secret()).await?;
    store.add_platform_app(&app, url, Utc::now()).await?;
    Ok(app)
}

async fn apps(store: &dyn Store, app: Option<String>) -> anyhow::Result<Vec<String>> {
    let apps = match app {
        Some(app) => vec![app],
        None => store.platform_apps().await?,
    };
    anyhow::ensure!(!apps.is_empty(), "no webhook app is registered: run `tidings platform register-webhook` first");
    Ok(apps)
}

/// Stores a new key (the current ones then work until `grace` from now),
/// waits until every node has read it, then gives it to the platform's
/// apps (none for ACA-Py: its operator restarts the agent with it).
pub async fn rotate(
    store: &dyn Store,
    settings: &Settings,
    client: Option<&PlatformClient>,
    app: Option<String>,
    grace: Duration,
) -> anyhow::Result<SecretString> {
    let key = SecretString::from(crate::random_token(24));
    let apps = match client {
        Some(_) => apps(store, app).await?,
        None => Vec::new(),
    };
    let now = Utc::now();
    let retire_at = now + chrono::Duration::from_std(grace)?;
    let configured = key_hash(settings.webhook_secret.expose_secret());
    store.rotate_platform_key(&key_hash(key.expose_secret()), &configured, now, retire_at).await?;
    if let Some(client) = client {
        // Every node reads the keys every REFRESH: after that (and a
        // margin), none refuses the new key.
        tokio::time::sleep(REFRESH + Duration::from_secs(1)).await;
        for app in &apps {
            client.rotate_app_secret(app, key.expose_secret()).await?;
        }
    }
    Ok(key)
}

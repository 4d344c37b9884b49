//! Sending WhatsApp messages through Meta's Graph API, at a configurable
//! base URL. With no access token configured, [`simulator`] stands in for
//! the Graph API, served by this very process: it accepts sends and reports
//! statuses back through correctly signed webhooks, as Meta does.

mod client;
pub mod notifications;
pub mod simulator;

pub use client::GraphClient;

use crate::config::WhatsAppSettings;
use crate::store::{SendingNumber, Store};
use async_trait::async_trait;

#[derive(Debug, thiserror::Error)]
pub enum SendFailure {
    #[error("Graph API request failed: {0}")]
    Http(#[from] reqwest::Error),
    /// The Graph API refused the message (bad number, unknown template, …).
    #[error("WhatsApp refused the message ({code}): {message}")]
    Rejected { code: i64, message: String },
    #[error("Graph API answer not understood: {0}")]
    Shape(String),
}

#[async_trait]
pub trait MessageSender: Send + Sync + 'static {
    /// Sends template `template` in `language` from `from` to `to`; returns
    /// the `wamid`.
    async fn send_template(&self, from: &SendingNumber, to: &str, template: &str, language: &str) -> Result<String, SendFailure>;
}

/// Records the environment's number as the default tenant's, so inbound
/// webhooks on it are routed like any tenant's number. With the simulator
/// and no number configured, the simulator's number is the default.
pub async fn sync_environment_number(store: &dyn Store, settings: &WhatsAppSettings) {
    let number = settings.phone_number_id.clone().or_else(|| settings.graph.is_none().then(|| simulator::PHONE_NUMBER_ID.to_owned()));
    let display = settings.display_number.clone().or_else(|| number.clone()).unwrap_or_default();
    let entry = number.as_deref().map(|n| (n, display.as_str()));
    if let Err(err) = store.sync_environment_number(settings.tenant, entry, chrono::Utc::now()).await {
        tracing::warn!(tenant = %settings.tenant, error = %err, "could not record the environment's WhatsApp number (does WHATSAPP_TENANT_ID exist?)");
    }
}

//! Sending WhatsApp messages through Meta's Graph API, at a configurable
//! base URL. With no access token configured, [`simulator`] stands in for
//! the Graph API, served by this very process: it accepts sends and reports
//! statuses back through correctly signed webhooks, as Meta does.

mod client;
pub mod notifications;
pub mod simulator;

pub use client::GraphClient;

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
    /// Sends template `template` in `language` to `to`; returns the `wamid`.
    async fn send_template(&self, to: &str, template: &str, language: &str) -> Result<String, SendFailure>;
}

//! The wallet platform: where each session's single-use out-of-band
//! invitation comes from, and what reconciliation asks when a session's
//! webhooks stop coming.
//!
//! Three backends sit behind [`WalletPlatform`]: [`PlatformClient`] talks
//! to the seeds' platform (CREDEBL-style REST API behind OAuth client
//! credentials) at a configurable base URL; [`AcaPyClient`] to a
//! Hyperledger ACA-Py agent's admin API; and with neither configured,
//! `PlatformClient` talks to [`simulator`], served by this very process, so
//! the whole path is exercised even with zero configuration.

mod acapy;
mod client;
pub mod invitation;
pub mod simulator;
mod token;

pub use acapy::AcaPyClient;
pub use client::PlatformClient;

use app::protocol::OutOfBandId;
use async_trait::async_trait;

/// A fresh invitation for one session.
#[derive(Clone, Debug, PartialEq)]
pub struct Invitation {
    /// The deep link a wallet opens (also drawn as the QR code).
    pub url: String,
    /// The platform's out-of-band record id: webhooks carry it as
    /// `outOfBandId`.
    pub out_of_band_id: OutOfBandId,
    /// The invitation message id (`@id`): webhooks carry it as
    /// `invitationId` / `invitation_msg_id`.
    pub invitation_id: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum PlatformError {
    #[error("platform request failed: {0}")]
    Http(#[from] reqwest::Error),
    #[error("platform answered {status}: {body}")]
    Status { status: u16, body: String },
    #[error("platform answer not understood: {0}")]
    Shape(String),
}

/// A session's invitation, as the platform knows it.
#[derive(Clone, Debug, PartialEq)]
pub struct InvitationRef<'a> {
    pub out_of_band_id: &'a str,
    pub invitation_id: Option<&'a str>,
    /// The webhook apps registered on the platform: the seeds' platform
    /// keeps a delivery log per app.
    pub apps: &'a [String],
}

/// What the platform holds about an invitation, read back by
/// reconciliation: stored and applied like the webhook that carried it (or
/// would have).
#[derive(Clone, Debug, PartialEq)]
pub struct PolledRecord {
    /// The topic family it is posted under (`connections`), when the body
    /// does not say.
    pub topic: Option<&'static str>,
    /// The record or webhook body, exactly as the platform answered.
    pub body: Vec<u8>,
}

#[async_trait]
pub trait WalletPlatform: Send + Sync + 'static {
    async fn create_invitation(&self, label: &str) -> Result<Invitation, PlatformError>;

    /// What the platform holds about `invitation`'s connections now.
    /// Platforms that cannot be asked answer nothing, and only webhooks
    /// move their sessions.
    async fn connections_of(&self, _invitation: &InvitationRef<'_>) -> Result<Vec<PolledRecord>, PlatformError> {
        Ok(Vec::new())
    }
}

/// The seeds' legacy mode: every session shows the organisation's one
/// multi-use invitation.
pub struct SharedInvitation(pub Invitation);

#[async_trait]
impl WalletPlatform for SharedInvitation {
    async fn create_invitation(&self, _label: &str) -> Result<Invitation, PlatformError> {
        Ok(self.0.clone())
    }
}

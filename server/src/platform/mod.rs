//! The wallet platform: where each session's single-use out-of-band
//! invitation comes from.
//!
//! [`PlatformClient`] talks to a real platform (CREDEBL-style REST API behind
//! OAuth client credentials) at a configurable base URL. With none
//! configured, the same client talks to [`simulator`], served by this very
//! process, so the whole path is exercised even with zero configuration.

mod client;
pub mod invitation;
pub mod simulator;
mod token;

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

#[async_trait]
pub trait InvitationIssuer: Send + Sync + 'static {
    async fn create_invitation(&self, label: &str) -> Result<Invitation, PlatformError>;
}

/// The seeds' legacy mode: every session shows the organisation's one
/// multi-use invitation.
pub struct SharedInvitation(pub Invitation);

#[async_trait]
impl InvitationIssuer for SharedInvitation {
    async fn create_invitation(&self, _label: &str) -> Result<Invitation, PlatformError> {
        Ok(self.0.clone())
    }
}

//! Invitations to join a tenant: one-time links, stored by the hash of
//! their token.

use super::StoreResult;
use app::protocol::{Role, TenantId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

pub struct NewInvitation<'a> {
    pub token_hash: &'a str,
    pub tenant: TenantId,
    pub email: &'a str,
    pub role: Role,
    pub created_by: Option<&'a str>,
    pub expires_at: DateTime<Utc>,
}

/// An open invitation: not accepted, not expired.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OpenInvitation {
    pub tenant_id: TenantId,
    pub tenant_name: String,
    pub email: String,
    pub role: Role,
    pub expires_at: DateTime<Utc>,
}

#[async_trait]
pub trait InvitationStore: Send + Sync {
    async fn create_invitation(&self, invitation: &NewInvitation<'_>, at: DateTime<Utc>) -> StoreResult<()>;
    async fn open_invitation(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<Option<OpenInvitation>>;
    /// Marks the invitation used; `false` if it was not open any more, so
    /// one link admits one person.
    async fn use_invitation(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<bool>;
}

//! Tenants, staff accounts and what the settings pages show.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A tenant (a college or a business). Numeric, so the seeds' `collegeId`
/// values name tenants directly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(transparent)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(feature = "ssr", sqlx(transparent))]
pub struct TenantId(pub i64);

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl From<TenantId> for super::CollegeId {
    fn from(id: TenantId) -> Self {
        super::CollegeId::new(id.0.to_string())
    }
}

impl super::CollegeId {
    /// The tenant a college id names, if it is one.
    pub fn tenant(&self) -> Option<TenantId> {
        self.as_str().parse().ok().map(TenantId)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "TEXT", rename_all = "lowercase"))]
pub enum Role {
    /// Owner/admin: manages staff, API keys and settings.
    Admin,
    Staff,
}

/// What the activity log records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "TEXT", rename_all = "snake_case"))]
pub enum ActivityKind {
    SignIn,
    SignOut,
    TenantCreated,
    StaffAdded,
    ApiKeyCreated,
    ApiKeyRevoked,
    SubscriptionRefused,
    SettingsChanged,
    SecretRotated,
    WebhookReceived,
    WebhookRejected,
    StaffInvited,
    InvitationAccepted,
    StaffRemoved,
    /// A connect session's state read back from the wallet platform,
    /// because its webhooks never came.
    SessionReconciled,
    /// Webhook deliveries an operator had applied again.
    DeliveriesReplayed,
    /// Failed outbound deliveries an admin had sent again.
    DeliveriesRecovered,
}

impl ActivityKind {
    pub const ALL: [ActivityKind; 17] = [
        Self::SignIn,
        Self::SignOut,
        Self::TenantCreated,
        Self::StaffAdded,
        Self::ApiKeyCreated,
        Self::ApiKeyRevoked,
        Self::SubscriptionRefused,
        Self::SettingsChanged,
        Self::SecretRotated,
        Self::WebhookReceived,
        Self::WebhookRejected,
        Self::StaffInvited,
        Self::InvitationAccepted,
        Self::StaffRemoved,
        Self::SessionReconciled,
        Self::DeliveriesReplayed,
        Self::DeliveriesRecovered,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::SignIn => "Signed in",
            Self::SignOut => "Signed out",
            Self::TenantCreated => "Tenant created",
            Self::StaffAdded => "Staff added",
            Self::ApiKeyCreated => "API key created",
            Self::ApiKeyRevoked => "API key revoked",
            Self::SubscriptionRefused => "Subscription refused",
            Self::SettingsChanged => "Settings changed",
            Self::SecretRotated => "Secret rotated",
            Self::WebhookReceived => "Webhook received",
            Self::WebhookRejected => "Webhook rejected",
            Self::StaffInvited => "Staff invited",
            Self::InvitationAccepted => "Invitation accepted",
            Self::StaffRemoved => "Staff removed",
            Self::SessionReconciled => "Session reconciled",
            Self::DeliveriesReplayed => "Deliveries replayed",
            Self::DeliveriesRecovered => "Deliveries recovered",
        }
    }
}

/// One of the signed-in user's tenants.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TenantMembership {
    pub tenant_id: TenantId,
    pub name: String,
    pub role: Role,
}

/// `GET /api/auth/me` and the answer to signing in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Me {
    pub user_id: i64,
    pub email: String,
    pub name: Option<String>,
    pub tenants: Vec<TenantMembership>,
    /// Runs this Tidings: reads the delivery log of every provider.
    #[serde(default)]
    pub is_operator: bool,
    /// Sent back in `X-CSRF-Token` on every state-changing request.
    pub csrf_token: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyView {
    pub id: i64,
    pub name: String,
    /// The first characters, to recognise a key without revealing it.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A new API key: the secret is shown once.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreatedApiKey {
    pub key: ApiKeyView,
    pub secret: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ActivityEntry {
    pub id: i64,
    pub kind: ActivityKind,
    pub actor: Option<String>,
    pub detail: String,
    pub created_at: DateTime<Utc>,
}

/// A staff member of a tenant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct MemberView {
    pub user_id: i64,
    pub email: String,
    pub name: Option<String>,
    pub role: Role,
}

/// A staff member just added: a new account's first password is shown once.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AddedMember {
    pub member: MemberView,
    pub initial_password: Option<String>,
}

/// An invitation just made: its link is shown once, to be handed to the
/// person invited. Accepting it needs the link, so no other tenant's admin
/// can accept it for them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreatedInvitation {
    pub email: String,
    pub role: Role,
    /// A path on this site: `/invite?token=…`.
    pub url: String,
    pub expires_at: DateTime<Utc>,
}

/// What the invitation page shows before it is accepted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct InvitationView {
    pub tenant_name: String,
    pub email: String,
    pub role: Role,
    pub expires_at: DateTime<Utc>,
}

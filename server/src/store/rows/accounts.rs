//! Rows of accounts, API keys and the activity log, as both backends read them.

use app::protocol::{ActivityKind, ApiKeyView, Role, TenantId};
use chrono::{DateTime, Utc};

#[derive(sqlx::FromRow)]
pub(in crate::store) struct MembershipRow {
    pub(in crate::store) tenant_id: TenantId,
    pub(in crate::store) name: String,
    pub(in crate::store) role: Role,
}

#[derive(sqlx::FromRow)]
pub(in crate::store) struct MemberRow {
    pub(in crate::store) user_id: i64,
    pub(in crate::store) email: String,
    pub(in crate::store) name: Option<String>,
    pub(in crate::store) role: Role,
}

#[derive(sqlx::FromRow)]
pub(in crate::store) struct ApiKeyRow {
    pub(in crate::store) id: i64,
    pub(in crate::store) name: String,
    pub(in crate::store) prefix: String,
    pub(in crate::store) created_at: DateTime<Utc>,
    pub(in crate::store) revoked_at: Option<DateTime<Utc>>,
}

impl From<ApiKeyRow> for ApiKeyView {
    fn from(r: ApiKeyRow) -> Self {
        Self { id: r.id, name: r.name, prefix: r.prefix, created_at: r.created_at, revoked_at: r.revoked_at }
    }
}

#[derive(sqlx::FromRow)]
pub(in crate::store) struct ActivityRow {
    pub(in crate::store) id: i64,
    pub(in crate::store) kind: ActivityKind,
    pub(in crate::store) actor: Option<String>,
    pub(in crate::store) detail: String,
    pub(in crate::store) created_at: DateTime<Utc>,
}

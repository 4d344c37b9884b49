//! Tenants, staff accounts, cookie sessions, API keys and the activity log.

use super::StoreResult;
use app::protocol::{ActivityEntry, ActivityKind, ApiKeyView, MemberView, Role, TenantId, TenantMembership};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct UserRecord {
    pub id: i64,
    pub email: String,
    pub name: Option<String>,
    pub password_hash: String,
    pub is_operator: bool,
}

pub struct NewUser<'a> {
    pub email: &'a str,
    pub name: Option<&'a str>,
    pub password_hash: &'a str,
    pub is_operator: bool,
}

/// A signed-in browser, found by the hash of its cookie.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AuthSession {
    pub user_id: i64,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

/// Something to append to the activity log.
#[derive(Clone, Debug)]
pub struct Activity<'a> {
    pub tenant: Option<TenantId>,
    pub actor: Option<&'a str>,
    pub kind: ActivityKind,
    pub detail: String,
}

#[async_trait]
pub trait AccountStore: Send + Sync {
    async fn count_users(&self) -> StoreResult<i64>;
    async fn create_tenant(&self, name: &str, at: DateTime<Utc>) -> StoreResult<TenantId>;
    async fn tenant_name(&self, tenant: TenantId) -> StoreResult<Option<String>>;
    async fn create_user(&self, user: &NewUser<'_>, at: DateTime<Utc>) -> StoreResult<i64>;
    async fn user_by_email(&self, email: &str) -> StoreResult<Option<UserRecord>>;
    async fn user_by_id(&self, id: i64) -> StoreResult<Option<UserRecord>>;
    /// Adds `user` to `tenant`, or changes their role there.
    async fn set_membership(&self, user: i64, tenant: TenantId, role: Role) -> StoreResult<()>;
    /// Takes `user` out of `tenant`; `false` if they were not in it.
    async fn remove_membership(&self, user: i64, tenant: TenantId) -> StoreResult<bool>;
    async fn memberships(&self, user: i64) -> StoreResult<Vec<TenantMembership>>;
    async fn members(&self, tenant: TenantId) -> StoreResult<Vec<MemberView>>;

    async fn create_auth_session(
        &self,
        token_hash: &str,
        user: i64,
        csrf_token: &str,
        at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// The unexpired session with this token hash.
    async fn auth_session(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<Option<AuthSession>>;
    async fn delete_auth_session(&self, token_hash: &str) -> StoreResult<()>;

    async fn create_api_key(
        &self,
        tenant: TenantId,
        name: &str,
        prefix: &str,
        key_hash: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<ApiKeyView>;
    /// The tenant and id of an unrevoked key with this hash.
    async fn api_key(&self, key_hash: &str) -> StoreResult<Option<(TenantId, i64)>>;
    async fn list_api_keys(&self, tenant: TenantId) -> StoreResult<Vec<ApiKeyView>>;
    /// `false` if the tenant has no such unrevoked key.
    async fn revoke_api_key(&self, tenant: TenantId, id: i64, at: DateTime<Utc>) -> StoreResult<bool>;

    async fn log_activity(&self, activity: &Activity<'_>, at: DateTime<Utc>) -> StoreResult<()>;
    /// A tenant's log, newest first.
    async fn list_activity(&self, tenant: TenantId, kind: Option<ActivityKind>, limit: i64) -> StoreResult<Vec<ActivityEntry>>;
}

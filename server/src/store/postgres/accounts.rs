//! [`AccountStore`] on PostgreSQL. Emails match whatever their case, as
//! SQLite's `COLLATE NOCASE` column did: `lower(email)` is the unique key.

use super::PostgresStore;
use crate::store::rows::accounts::*;
use crate::store::*;
use app::protocol::{ActivityEntry, ActivityKind, ApiKeyView, MemberView, Role, TenantId, TenantMembership};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

#[async_trait]
impl AccountStore for PostgresStore {
    async fn count_users(&self) -> StoreResult<i64> {
        Ok(sqlx::query_as::<_, (i64,)>("SELECT COUNT(*) FROM users").fetch_one(&self.pool).await?.0)
    }

    async fn create_tenant(&self, name: &str, at: DateTime<Utc>) -> StoreResult<TenantId> {
        let (id,): (i64,) = sqlx::query_as("INSERT INTO tenants (name, created_at) VALUES ($1, $2) RETURNING id")
            .bind(name)
            .bind(at)
            .fetch_one(&self.pool)
            .await?;
        Ok(TenantId(id))
    }

    async fn tenant_name(&self, tenant: TenantId) -> StoreResult<Option<String>> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT name FROM tenants WHERE id = $1").bind(tenant).fetch_optional(&self.pool).await?;
        Ok(row.map(|(n,)| n))
    }

    async fn create_user(&self, user: &NewUser<'_>, at: DateTime<Utc>) -> StoreResult<i64> {
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO users (email, name, password_hash, is_operator, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(user.email)
        .bind(user.name)
        .bind(user.password_hash)
        .bind(user.is_operator)
        .bind(at)
        .fetch_one(&self.pool)
        .await?;
        Ok(id)
    }

    async fn user_by_email(&self, email: &str) -> StoreResult<Option<UserRecord>> {
        Ok(sqlx::query_as("SELECT id, email, name, password_hash, is_operator FROM users WHERE lower(email) = lower($1)")
            .bind(email)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn user_by_id(&self, id: i64) -> StoreResult<Option<UserRecord>> {
        Ok(sqlx::query_as("SELECT id, email, name, password_hash, is_operator FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn set_membership(&self, user: i64, tenant: TenantId, role: Role) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO memberships (user_id, tenant_id, role) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id, tenant_id) DO UPDATE SET role = excluded.role",
        )
        .bind(user)
        .bind(tenant)
        .bind(role)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn remove_membership(&self, user: i64, tenant: TenantId) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM memberships WHERE user_id = $1 AND tenant_id = $2")
            .bind(user)
            .bind(tenant)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn memberships(&self, user: i64) -> StoreResult<Vec<TenantMembership>> {
        let rows: Vec<MembershipRow> = sqlx::query_as(
            "SELECT m.tenant_id, t.name, m.role FROM memberships m JOIN tenants t ON t.id = m.tenant_id \
             WHERE m.user_id = $1 ORDER BY t.id",
        )
        .bind(user)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|r| TenantMembership { tenant_id: r.tenant_id, name: r.name, role: r.role }).collect())
    }

    async fn members(&self, tenant: TenantId) -> StoreResult<Vec<MemberView>> {
        // Sorted as SQLite's NOCASE column sorts: case folded, then byte order.
        let rows: Vec<MemberRow> = sqlx::query_as(
            "SELECT u.id AS user_id, u.email, u.name, m.role FROM memberships m JOIN users u ON u.id = m.user_id \
             WHERE m.tenant_id = $1 ORDER BY lower(u.email) COLLATE \"C\"",
        )
        .bind(tenant)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|r| MemberView { user_id: r.user_id, email: r.email, name: r.name, role: r.role }).collect())
    }

    async fn create_auth_session(
        &self,
        token_hash: &str,
        user: i64,
        csrf_token: &str,
        at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query("INSERT INTO auth_sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(token_hash)
            .bind(user)
            .bind(csrf_token)
            .bind(at)
            .bind(expires_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn auth_session(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<Option<AuthSession>> {
        Ok(sqlx::query_as("SELECT user_id, csrf_token, expires_at FROM auth_sessions WHERE token_hash = $1 AND expires_at > $2")
            .bind(token_hash)
            .bind(now)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn delete_auth_session(&self, token_hash: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM auth_sessions WHERE token_hash = $1").bind(token_hash).execute(&self.pool).await?;
        Ok(())
    }

    async fn create_api_key(
        &self,
        tenant: TenantId,
        name: &str,
        prefix: &str,
        key_hash: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<ApiKeyView> {
        let row: ApiKeyRow = sqlx::query_as(
            "INSERT INTO api_keys (tenant_id, name, prefix, key_hash, created_at) VALUES ($1, $2, $3, $4, $5) \
             RETURNING id, name, prefix, created_at, revoked_at",
        )
        .bind(tenant)
        .bind(name)
        .bind(prefix)
        .bind(key_hash)
        .bind(at)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.into())
    }

    async fn api_key(&self, key_hash: &str) -> StoreResult<Option<(TenantId, i64)>> {
        Ok(sqlx::query_as("SELECT tenant_id, id FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL")
            .bind(key_hash)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn list_api_keys(&self, tenant: TenantId) -> StoreResult<Vec<ApiKeyView>> {
        let rows: Vec<ApiKeyRow> =
            sqlx::query_as("SELECT id, name, prefix, created_at, revoked_at FROM api_keys WHERE tenant_id = $1 ORDER BY id DESC")
                .bind(tenant)
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn revoke_api_key(&self, tenant: TenantId, id: i64, at: DateTime<Utc>) -> StoreResult<bool> {
        // One statement: of two nodes revoking at once, the second finds the
        // row revoked once it gets the row's lock, and reports `false`.
        let done = sqlx::query("UPDATE api_keys SET revoked_at = $1 WHERE tenant_id = $2 AND id = $3 AND revoked_at IS NULL")
            .bind(at)
            .bind(tenant)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn log_activity(&self, a: &Activity<'_>, at: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query("INSERT INTO activity_log (tenant_id, actor, kind, detail, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(a.tenant)
            .bind(a.actor)
            .bind(a.kind)
            .bind(&a.detail)
            .bind(at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn list_activity(&self, tenant: TenantId, kind: Option<ActivityKind>, limit: i64) -> StoreResult<Vec<ActivityEntry>> {
        let rows: Vec<ActivityRow> = sqlx::query_as(
            "SELECT id, kind, actor, detail, created_at FROM activity_log \
             WHERE tenant_id = $1 AND ($2::text IS NULL OR kind = $2) ORDER BY id DESC LIMIT $3",
        )
        .bind(tenant)
        .bind(kind)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| ActivityEntry { id: r.id, kind: r.kind, actor: r.actor, detail: r.detail, created_at: r.created_at })
            .collect())
    }
}

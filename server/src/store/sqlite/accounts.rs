//! [`AccountStore`] on SQLite.

use super::SqliteStore;
use crate::store::rows::accounts::*;
use crate::store::*;
use app::protocol::{ActivityEntry, ActivityKind, ApiKeyView, MemberView, Role, TenantId, TenantMembership};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

#[async_trait]
impl AccountStore for SqliteStore {
    async fn count_users(&self) -> StoreResult<i64> {
        Ok(sqlx::query_as::<_, (i64,)>("SELECT COUNT(*) FROM users").fetch_one(&self.pool).await?.0)
    }

    async fn create_tenant(&self, name: &str, at: DateTime<Utc>) -> StoreResult<TenantId> {
        let mut write = self.write().await?;
        let (id,): (i64,) = sqlx::query_as("INSERT INTO tenants (name, created_at) VALUES (?, ?) RETURNING id")
            .bind(name)
            .bind(at)
            .fetch_one(&mut *write.conn)
            .await?;
        Ok(TenantId(id))
    }

    async fn tenant_name(&self, tenant: TenantId) -> StoreResult<Option<String>> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT name FROM tenants WHERE id = ?").bind(tenant).fetch_optional(&self.pool).await?;
        Ok(row.map(|(n,)| n))
    }

    async fn create_user(&self, user: &NewUser<'_>, at: DateTime<Utc>) -> StoreResult<i64> {
        let mut write = self.write().await?;
        let (id,): (i64,) =
            sqlx::query_as("INSERT INTO users (email, name, password_hash, is_operator, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id")
                .bind(user.email)
                .bind(user.name)
                .bind(user.password_hash)
                .bind(user.is_operator)
                .bind(at)
                .fetch_one(&mut *write.conn)
                .await?;
        Ok(id)
    }

    async fn user_by_email(&self, email: &str) -> StoreResult<Option<UserRecord>> {
        Ok(sqlx::query_as("SELECT id, email, name, password_hash, is_operator FROM users WHERE email = ?")
            .bind(email)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn user_by_id(&self, id: i64) -> StoreResult<Option<UserRecord>> {
        Ok(sqlx::query_as("SELECT id, email, name, password_hash, is_operator FROM users WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn set_membership(&self, user: i64, tenant: TenantId, role: Role) -> StoreResult<()> {
        let mut write = self.write().await?;
        sqlx::query(
            "INSERT INTO memberships (user_id, tenant_id, role) VALUES (?, ?, ?) \
             ON CONFLICT (user_id, tenant_id) DO UPDATE SET role = excluded.role",
        )
        .bind(user)
        .bind(tenant)
        .bind(role)
        .execute(&mut *write.conn)
        .await?;
        Ok(())
    }

    async fn remove_membership(&self, user: i64, tenant: TenantId) -> StoreResult<bool> {
        let mut write = self.write().await?;
        let done = sqlx::query("DELETE FROM memberships WHERE user_id = ? AND tenant_id = ?")
            .bind(user)
            .bind(tenant)
            .execute(&mut *write.conn)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn memberships(&self, user: i64) -> StoreResult<Vec<TenantMembership>> {
        let rows: Vec<MembershipRow> = sqlx::query_as(
            "SELECT m.tenant_id, t.name, m.role FROM memberships m JOIN tenants t ON t.id = m.tenant_id \
             WHERE m.user_id = ? ORDER BY t.id",
        )
        .bind(user)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|r| TenantMembership { tenant_id: r.tenant_id, name: r.name, role: r.role }).collect())
    }

    async fn members(&self, tenant: TenantId) -> StoreResult<Vec<MemberView>> {
        let rows: Vec<MemberRow> = sqlx::query_as(
            "SELECT u.id AS user_id, u.email, u.name, m.role FROM memberships m JOIN users u ON u.id = m.user_id \
             WHERE m.tenant_id = ? ORDER BY u.email",
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
        let mut write = self.write().await?;
        sqlx::query("INSERT INTO auth_sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)")
            .bind(token_hash)
            .bind(user)
            .bind(csrf_token)
            .bind(at)
            .bind(expires_at)
            .execute(&mut *write.conn)
            .await?;
        Ok(())
    }

    async fn auth_session(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<Option<AuthSession>> {
        Ok(sqlx::query_as("SELECT user_id, csrf_token, expires_at FROM auth_sessions WHERE token_hash = ? AND expires_at > ?")
            .bind(token_hash)
            .bind(now)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn delete_auth_session(&self, token_hash: &str) -> StoreResult<()> {
        let mut write = self.write().await?;
        sqlx::query("DELETE FROM auth_sessions WHERE token_hash = ?").bind(token_hash).execute(&mut *write.conn).await?;
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
        let mut write = self.write().await?;
        let row: ApiKeyRow = sqlx::query_as(
            "INSERT INTO api_keys (tenant_id, name, prefix, key_hash, created_at) VALUES (?, ?, ?, ?, ?) \
             RETURNING id, name, prefix, created_at, revoked_at",
        )
        .bind(tenant)
        .bind(name)
        .bind(prefix)
        .bind(key_hash)
        .bind(at)
        .fetch_one(&mut *write.conn)
        .await?;
        Ok(row.into())
    }

    async fn api_key(&self, key_hash: &str) -> StoreResult<Option<(TenantId, i64)>> {
        Ok(sqlx::query_as("SELECT tenant_id, id FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL")
            .bind(key_hash)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn list_api_keys(&self, tenant: TenantId) -> StoreResult<Vec<ApiKeyView>> {
        let rows: Vec<ApiKeyRow> =
            sqlx::query_as("SELECT id, name, prefix, created_at, revoked_at FROM api_keys WHERE tenant_id = ? ORDER BY id DESC")
                .bind(tenant)
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn revoke_api_key(&self, tenant: TenantId, id: i64, at: DateTime<Utc>) -> StoreResult<bool> {
        let mut write = self.write().await?;
        let done = sqlx::query("UPDATE api_keys SET revoked_at = ? WHERE tenant_id = ? AND id = ? AND revoked_at IS NULL")
            .bind(at)
            .bind(tenant)
            .bind(id)
            .execute(&mut *write.conn)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn log_activity(&self, a: &Activity<'_>, at: DateTime<Utc>) -> StoreResult<()> {
        let mut write = self.write().await?;
        sqlx::query("INSERT INTO activity_log (tenant_id, actor, kind, detail, created_at) VALUES (?, ?, ?, ?, ?)")
            .bind(a.tenant)
            .bind(a.actor)
            .bind(a.kind)
            .bind(&a.detail)
            .bind(at)
            .execute(&mut *write.conn)
            .await?;
        Ok(())
    }

    async fn list_activity(&self, tenant: TenantId, kind: Option<ActivityKind>, limit: i64) -> StoreResult<Vec<ActivityEntry>> {
        let rows: Vec<ActivityRow> = sqlx::query_as(
            "SELECT id, kind, actor, detail, created_at FROM activity_log \
             WHERE tenant_id = ?1 AND (?2 IS NULL OR kind = ?2) ORDER BY id DESC LIMIT ?3",
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

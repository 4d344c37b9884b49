//! [`InvitationStore`] on PostgreSQL.

use super::PostgresStore;
use crate::store::*;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

#[async_trait]
impl InvitationStore for PostgresStore {
    async fn create_invitation(&self, i: &NewInvitation<'_>, at: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO invitations (token_hash, tenant_id, email, role, created_by, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(i.token_hash)
        .bind(i.tenant)
        .bind(i.email)
        .bind(i.role)
        .bind(i.created_by)
        .bind(at)
        .bind(i.expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn open_invitation(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<Option<OpenInvitation>> {
        Ok(sqlx::query_as(
            "SELECT i.tenant_id, t.name AS tenant_name, i.email, i.role, i.expires_at FROM invitations i \
             JOIN tenants t ON t.id = i.tenant_id WHERE i.token_hash = $1 AND i.accepted_at IS NULL AND i.expires_at > $2",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn use_invitation(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<bool> {
        // One statement: if two nodes accept the same link at once, the
        // second waits for the row, sees it accepted, and gets `false`.
        let done = sqlx::query("UPDATE invitations SET accepted_at = $1 WHERE token_hash = $2 AND accepted_at IS NULL AND expires_at > $1")
            .bind(now)
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}

//! [`SessionStore`] on SQLite.

use super::SqliteStore;
use crate::store::*;
use app::protocol::{ConnectionId, ConnectionStatus, SessionId, SessionView};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

const SESSION_COLUMNS: &str = "session_id, status, connection_id, their_label, their_did, invitation_url, \
     out_of_band_id, request_type, created_at, updated_at, expires_at, invitation_id";

#[async_trait]
impl SessionStore for SqliteStore {
    async fn insert_session(&self, s: &NewSession) -> StoreResult<()> {
        let mut write = self.write().await?;
        sqlx::query(
            "INSERT INTO connection_sessions (session_id, status, request_type, invitation_url, out_of_band_id, \
             invitation_id, created_at, updated_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&s.session_id)
        .bind(ConnectionStatus::Invitation)
        .bind(s.request_type)
        .bind(&s.invitation_url)
        .bind(&s.out_of_band_id)
        .bind(&s.invitation_id)
        .bind(s.created_at)
        .bind(s.created_at)
        .bind(s.expires_at)
        .execute(&mut *write.conn)
        .await?;
        Ok(())
    }

    async fn session(&self, id: &SessionId) -> StoreResult<Option<SessionView>> {
        let sql = format!("SELECT {SESSION_COLUMNS} FROM connection_sessions WHERE session_id = ?");
        sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await
    }

    async fn session_by_connection(&self, id: &ConnectionId) -> StoreResult<Option<SessionRecord>> {
        let sql = format!("SELECT {SESSION_COLUMNS} FROM connection_sessions WHERE connection_id = ?");
        sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await
    }

    async fn sessions_by_invitation(&self, ids: &[String]) -> StoreResult<Vec<SessionRecord>> {
        let mut found = Vec::new();
        for id in ids {
            let sql = format!(
                "SELECT {SESSION_COLUMNS} FROM connection_sessions WHERE out_of_band_id = ?1 OR invitation_id = ?1 \
                 ORDER BY created_at DESC LIMIT 50"
            );
            let rows: Vec<SessionRecord> = sqlx::query_as(&sql).bind(id).fetch_all(&self.pool).await?;
            for row in rows {
                if !found.iter().any(|f: &SessionRecord| f.view.session_id == row.view.session_id) {
                    found.push(row);
                }
            }
        }
        Ok(found)
    }

    async fn newest_waiting_session(&self) -> StoreResult<Option<SessionRecord>> {
        let sql = format!(
            "SELECT {SESSION_COLUMNS} FROM connection_sessions WHERE status = ? AND connection_id IS NULL \
             ORDER BY created_at DESC LIMIT 1"
        );
        sqlx::query_as(&sql).bind(ConnectionStatus::Invitation).fetch_optional(&self.pool).await
    }

    async fn apply_status(&self, c: &StatusChange) -> StoreResult<bool> {
        let result = sqlx::query(
            "UPDATE connection_sessions SET status = ?, updated_at = ?, \
             connection_id = COALESCE(connection_id, ?), their_label = COALESCE(?, their_label), \
             their_did = COALESCE(?, their_did), matched_by = COALESCE(matched_by, ?) \
             WHERE session_id = ? AND status = ?",
        )
        .bind(c.to)
        .bind(c.at)
        .bind(&c.connection_id)
        .bind(&c.their_label)
        .bind(&c.their_did)
        .bind(c.matched_by)
        .bind(&c.session_id)
        .bind(c.from)
        .execute(&mut *self.derived_write().await?.conn)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    async fn abandon_expired(&self, now: DateTime<Utc>) -> StoreResult<Vec<SessionView>> {
        let mut write = self.write().await?;
        let sql = format!(
            "UPDATE connection_sessions SET status = ?1, updated_at = ?2 \
             WHERE status = ?3 AND expires_at <= ?2 RETURNING {SESSION_COLUMNS}"
        );
        let rows: Vec<SessionRecord> = sqlx::query_as(&sql)
            .bind(ConnectionStatus::Abandoned)
            .bind(now)
            .bind(ConnectionStatus::Invitation)
            .fetch_all(&mut *write.conn)
            .await?;
        Ok(rows.into_iter().map(|r| r.view).collect())
    }
}

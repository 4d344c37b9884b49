//! [`SessionStore`] on PostgreSQL: what pages read. Sessions are written by
//! units of work ([`super::apply`]).

use super::PostgresStore;
use crate::store::*;
use app::protocol::{SessionId, SessionView};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

const SESSION_COLUMNS: &str = "session_id, status, connection_id, their_label, their_did, invitation_url, \
     out_of_band_id, request_type, created_at, updated_at, expires_at";

#[async_trait]
impl SessionStore for PostgresStore {
    async fn session(&self, id: &SessionId) -> StoreResult<Option<SessionView>> {
        let sql = format!("SELECT {SESSION_COLUMNS} FROM connection_sessions WHERE session_id = $1");
        Ok(sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await?)
    }

    async fn stalled_sessions(&self, window: StalledWindow<'_>, now: DateTime<Utc>, limit: i64) -> StoreResult<Vec<OpenSession>> {
        let [a, b, c] = OPEN_STATUSES;
        Ok(sqlx::query_as(
            "SELECT session_id, status, out_of_band_id, invitation_id, updated_at FROM connection_sessions \
             WHERE status IN ($1, $2, $3) AND updated_at < $4 AND expires_at > $5 AND ($6::text IS NULL OR session_id = $6) \
             AND updated_at > $8 ORDER BY updated_at LIMIT $7",
        )
        .bind(a)
        .bind(b)
        .bind(c)
        .bind(window.before)
        .bind(now)
        .bind(window.only)
        .bind(limit)
        .bind(window.since)
        .fetch_all(&self.pool)
        .await?)
    }
}

//! [`SessionStore`] on PostgreSQL: what pages read. Sessions are written by
//! units of work ([`super::apply`]).

use super::PostgresStore;
use crate::store::*;
use app::protocol::{SessionId, SessionView};
use async_trait::async_trait;

const SESSION_COLUMNS: &str = "session_id, status, connection_id, their_label, their_did, invitation_url, \
     out_of_band_id, request_type, created_at, updated_at, expires_at";

#[async_trait]
impl SessionStore for PostgresStore {
    async fn session(&self, id: &SessionId) -> StoreResult<Option<SessionView>> {
        let sql = format!("SELECT {SESSION_COLUMNS} FROM connection_sessions WHERE session_id = $1");
        Ok(sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await?)
    }
}

//! Connect sessions, inside a unit of work, on PostgreSQL.

use crate::store::{NewSession, SessionRecord, StatusChange};
use app::protocol::{ConnectionId, ConnectionStatus, SessionId, SessionView};
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

const COLUMNS: &str = "session_id, status, connection_id, their_label, their_did, invitation_url, \
     out_of_band_id, request_type, created_at, updated_at, expires_at, invitation_id";

pub async fn insert(conn: &mut PgConnection, s: &NewSession) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO connection_sessions (session_id, status, request_type, invitation_url, out_of_band_id, \
         invitation_id, created_at, updated_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8)",
    )
    .bind(s.session_id.as_str())
    .bind(ConnectionStatus::Invitation)
    .bind(s.request_type)
    .bind(s.invitation_url.as_str())
    .bind(s.out_of_band_id.as_str())
    .bind(s.invitation_id.as_deref())
    .bind(s.created_at)
    .bind(s.expires_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn by_id(conn: &mut PgConnection, id: &SessionId) -> sqlx::Result<Option<SessionRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM connection_sessions WHERE session_id = $1");
    sqlx::query_as::<_, SessionRecord>(&sql).bind(id.as_str()).fetch_optional(&mut *conn).await
}

pub async fn by_connection(conn: &mut PgConnection, id: &ConnectionId) -> sqlx::Result<Option<SessionRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM connection_sessions WHERE connection_id = $1");
    sqlx::query_as::<_, SessionRecord>(&sql).bind(id.as_str()).fetch_optional(&mut *conn).await
}

/// Each id's newest 50 in turn (as SQLite reads them, id by id), in one
/// round trip; a session found by two ids is kept once.
pub async fn by_invitation(conn: &mut PgConnection, ids: &[String]) -> sqlx::Result<Vec<SessionRecord>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT s.* FROM unnest($1::text[]) WITH ORDINALITY AS i (id, n) \
         CROSS JOIN LATERAL (SELECT {COLUMNS} FROM connection_sessions \
         WHERE out_of_band_id = i.id OR invitation_id = i.id ORDER BY created_at DESC LIMIT 50) AS s \
         ORDER BY i.n, s.created_at DESC"
    );
    let rows = sqlx::query_as::<_, SessionRecord>(&sql).bind(ids).fetch_all(&mut *conn).await?;
    let mut found: Vec<SessionRecord> = Vec::with_capacity(rows.len());
    for row in rows {
        if !found.iter().any(|f| f.view.session_id == row.view.session_id) {
            found.push(row);
        }
    }
    Ok(found)
}

pub async fn newest_waiting(conn: &mut PgConnection) -> sqlx::Result<Option<SessionRecord>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM connection_sessions WHERE status = $1 AND connection_id IS NULL \
         ORDER BY created_at DESC LIMIT 1"
    );
    sqlx::query_as::<_, SessionRecord>(&sql).bind(ConnectionStatus::Invitation).fetch_optional(&mut *conn).await
}

pub async fn apply_status(conn: &mut PgConnection, c: &StatusChange) -> sqlx::Result<bool> {
    // One compare-and-set statement: a node that loses the race on the row
    // finds it no longer at `from` (re-checked after the lock) and changes nothing.
    let changed = sqlx::query(
        "UPDATE connection_sessions SET status = $1, updated_at = $2, \
         connection_id = COALESCE(connection_id, $3), their_label = COALESCE($4, their_label), \
         their_did = COALESCE($5, their_did), matched_by = COALESCE(matched_by, $6) \
         WHERE session_id = $7 AND status = $8",
    )
    .bind(c.to)
    .bind(c.at)
    .bind(c.connection_id.as_ref().map(|c| c.as_str()))
    .bind(c.their_label.as_deref())
    .bind(c.their_did.as_deref())
    .bind(c.matched_by.map(|m| m.as_str()))
    .bind(c.session_id.as_str())
    .bind(c.from)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(changed == 1)
}

pub async fn abandon_expired(conn: &mut PgConnection, now: DateTime<Utc>) -> sqlx::Result<Vec<SessionView>> {
    // One statement: a session another node abandons (or moves) first is
    // re-checked after its lock and skipped, so each is returned once.
    let sql = format!(
        "UPDATE connection_sessions SET status = $1, updated_at = $2 \
         WHERE status = $3 AND expires_at <= $2 RETURNING {COLUMNS}"
    );
    let rows = sqlx::query_as::<_, SessionRecord>(&sql)
        .bind(ConnectionStatus::Abandoned)
        .bind(now)
        .bind(ConnectionStatus::Invitation)
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows.into_iter().map(|r| r.view).collect())
}

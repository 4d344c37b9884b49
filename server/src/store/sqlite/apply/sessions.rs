//! Connect sessions, inside a unit of work.

use super::rows::{name, named, time, timestamp};
use crate::store::{NewSession, SessionRecord, StatusChange};
use app::protocol::{ConnectionId, ConnectionStatus, OutOfBandId, SessionId, SessionView};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};

const COLUMNS: &str = "session_id, status, connection_id, their_label, their_did, invitation_url, \
     out_of_band_id, request_type, created_at, updated_at, expires_at, invitation_id";

fn record(row: &Row<'_>) -> rusqlite::Result<SessionRecord> {
    Ok(SessionRecord {
        view: SessionView {
            session_id: SessionId::new(row.get::<_, String>(0)?),
            status: named(row, 1)?,
            connection_id: row.get::<_, Option<String>>(2)?.map(ConnectionId::new),
            their_label: row.get(3)?,
            their_did: row.get(4)?,
            invitation_url: row.get(5)?,
            out_of_band_id: OutOfBandId::new(row.get::<_, String>(6)?),
            request_type: named(row, 7)?,
            created_at: time(row, 8)?,
            updated_at: time(row, 9)?,
            expires_at: time(row, 10)?,
        },
        invitation_id: row.get(11)?,
    })
}

pub fn insert(conn: &Connection, s: &NewSession) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO connection_sessions (session_id, status, request_type, invitation_url, out_of_band_id, \
         invitation_id, created_at, updated_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8)",
    )?
    .execute(params![
        s.session_id.as_str(),
        name(&ConnectionStatus::Invitation),
        name(&s.request_type),
        s.invitation_url,
        s.out_of_band_id.as_str(),
        s.invitation_id,
        timestamp(s.created_at),
        timestamp(s.expires_at),
    ])?;
    Ok(())
}

pub fn by_id(conn: &Connection, id: &SessionId) -> rusqlite::Result<Option<SessionRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM connection_sessions WHERE session_id = ?1");
    conn.prepare_cached(&sql)?.query_row([id.as_str()], record).optional()
}

pub fn by_connection(conn: &Connection, id: &ConnectionId) -> rusqlite::Result<Option<SessionRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM connection_sessions WHERE connection_id = ?1");
    conn.prepare_cached(&sql)?.query_row([id.as_str()], record).optional()
}

pub fn by_invitation(conn: &Connection, ids: &[String]) -> rusqlite::Result<Vec<SessionRecord>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM connection_sessions WHERE out_of_band_id = ?1 OR invitation_id = ?1 \
         ORDER BY created_at DESC LIMIT 50"
    );
    let mut select = conn.prepare_cached(&sql)?;
    let mut found: Vec<SessionRecord> = Vec::new();
    for id in ids {
        for row in select.query_map([id], record)? {
            let row = row?;
            if !found.iter().any(|f| f.view.session_id == row.view.session_id) {
                found.push(row);
            }
        }
    }
    Ok(found)
}

pub fn newest_waiting(conn: &Connection) -> rusqlite::Result<Option<SessionRecord>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM connection_sessions WHERE status = ?1 AND connection_id IS NULL \
         ORDER BY created_at DESC LIMIT 1"
    );
    conn.prepare_cached(&sql)?.query_row([name(&ConnectionStatus::Invitation)], record).optional()
}

pub fn apply_status(conn: &Connection, c: &StatusChange) -> rusqlite::Result<bool> {
    let changed = conn
        .prepare_cached(
            "UPDATE connection_sessions SET status = ?1, updated_at = ?2, \
             connection_id = COALESCE(connection_id, ?3), their_label = COALESCE(?4, their_label), \
             their_did = COALESCE(?5, their_did), matched_by = COALESCE(matched_by, ?6) \
             WHERE session_id = ?7 AND status = ?8",
        )?
        .execute(params![
            name(&c.to),
            timestamp(c.at),
            c.connection_id.as_ref().map(|c| c.as_str()),
            c.their_label,
            c.their_did,
            c.matched_by.map(|m| m.as_str()),
            c.session_id.as_str(),
            name(&c.from),
        ])?;
    Ok(changed == 1)
}

pub fn abandon_expired(conn: &Connection, now: DateTime<Utc>) -> rusqlite::Result<Vec<SessionView>> {
    let sql = format!(
        "UPDATE connection_sessions SET status = ?1, updated_at = ?2 \
         WHERE status = ?3 AND expires_at <= ?2 RETURNING {COLUMNS}"
    );
    let mut update = conn.prepare_cached(&sql)?;
    let rows =
        update.query_map(params![name(&ConnectionStatus::Abandoned), timestamp(now), name(&ConnectionStatus::Invitation)], record)?;
    rows.map(|r| r.map(|r| r.view)).collect()
}

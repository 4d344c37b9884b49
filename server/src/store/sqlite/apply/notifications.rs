//! Notifications and their read state, inside a unit of work.

use super::rows::{json, name, named, time, timestamp};
use crate::events::UnreadCounts;
use crate::store::sqlite::notification_sql::{one, UNREAD};
use crate::store::NewNotification;
use app::protocol::{Notification, TenantId};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};

pub fn notification(row: &Row<'_>) -> rusqlite::Result<Notification> {
    Ok(Notification {
        id: row.get(0)?,
        tenant_id: TenantId(row.get(1)?),
        user_id: row.get(2)?,
        title: row.get(3)?,
        message: row.get(4)?,
        kind: named(row, 5)?,
        priority: named(row, 6)?,
        action_url: row.get(7)?,
        action_text: row.get(8)?,
        metadata: json(row, 9)?,
        is_read: row.get(10)?,
        is_dismissed: row.get(11)?,
        created_at: time(row, 12)?,
    })
}

pub fn insert(conn: &Connection, n: &NewNotification, at: DateTime<Utc>) -> rusqlite::Result<Option<Notification>> {
    let inserted = conn
        .prepare_cached(
            "INSERT INTO notifications (tenant_id, user_id, title, message, kind, priority, action_url, action_text, \
             metadata, created_at, source) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) ON CONFLICT DO NOTHING",
        )?
        .execute(params![
            n.tenant.0,
            n.user,
            n.title,
            n.message,
            name(&n.kind),
            name(&n.priority),
            n.action_url,
            n.action_text,
            n.metadata.to_string(),
            timestamp(at),
            n.source,
        ])?;
    if inserted == 0 {
        return Ok(None);
    }
    view(conn, n.tenant, conn.last_insert_rowid(), None)
}

/// A notification as `reader` sees it.
pub fn view(conn: &Connection, tenant: TenantId, id: i64, reader: Option<i64>) -> rusqlite::Result<Option<Notification>> {
    conn.prepare_cached(&one())?.query_row(params![tenant.0, reader, id], notification).optional()
}

pub fn unread(conn: &Connection, tenant: TenantId, reader: Option<i64>) -> rusqlite::Result<i64> {
    conn.prepare_cached(UNREAD)?.query_row(params![tenant.0, reader], |r| r.get(0))
}

/// The tenant's own unread count and every member's.
pub fn unread_counts(conn: &Connection, tenant: TenantId) -> rusqlite::Result<UnreadCounts> {
    let members: Vec<i64> = conn
        .prepare_cached("SELECT user_id FROM memberships WHERE tenant_id = ?1 ORDER BY user_id")?
        .query_map([tenant.0], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut counts = UnreadCounts { wide: unread(conn, tenant, None)?, per_user: Vec::with_capacity(members.len()) };
    for user in members {
        counts.per_user.push((user, unread(conn, tenant, Some(user))?));
    }
    Ok(counts)
}

/// Sets read or dismissed as `reader` sees it: on a tenant-wide one, for
/// them alone; on their own (or, with no reader, any), on the row. `None`
/// if `reader` cannot see it.
pub fn set_state(
    conn: &Connection,
    tenant: TenantId,
    id: i64,
    reader: Option<i64>,
    read: Option<bool>,
    dismissed: Option<bool>,
) -> rusqlite::Result<Option<Notification>> {
    let Some(owner) = conn
        .prepare_cached("SELECT user_id FROM notifications WHERE tenant_id = ?1 AND id = ?2")?
        .query_row(params![tenant.0, id], |r| r.get::<_, Option<i64>>(0))
        .optional()?
    else {
        return Ok(None);
    };
    match (reader, owner) {
        (Some(user), None) => {
            conn.prepare_cached(
                "INSERT INTO notification_reads (notification_id, user_id, is_read, is_dismissed) \
                 VALUES (?1, ?2, COALESCE(?3, 0), COALESCE(?4, 0)) ON CONFLICT (notification_id, user_id) DO UPDATE \
                 SET is_read = COALESCE(?3, is_read), is_dismissed = COALESCE(?4, is_dismissed)",
            )?
            .execute(params![id, user, read, dismissed])?;
        }
        (Some(user), Some(owner)) if user != owner => return Ok(None),
        _ => {
            conn.prepare_cached(
                "UPDATE notifications SET is_read = COALESCE(?1, is_read), is_dismissed = COALESCE(?2, is_dismissed) WHERE id = ?3",
            )?
            .execute(params![read, dismissed, id])?;
        }
    }
    view(conn, tenant, id, reader)
}

/// Marks everything `reader` sees as read, for them alone; returns how many
/// were unread.
pub fn mark_all_read(conn: &Connection, tenant: TenantId, reader: Option<i64>) -> rusqlite::Result<i64> {
    let before = unread(conn, tenant, reader)?;
    match reader {
        Some(user) => {
            conn.prepare_cached(
                "INSERT INTO notification_cursors (tenant_id, user_id, read_up_to) \
                 VALUES (?1, ?2, (SELECT COALESCE(MAX(id), 0) FROM notifications WHERE tenant_id = ?1)) \
                 ON CONFLICT (tenant_id, user_id) DO UPDATE SET read_up_to = excluded.read_up_to",
            )?
            .execute(params![tenant.0, user])?;
            conn.prepare_cached("UPDATE notifications SET is_read = 1 WHERE tenant_id = ?1 AND user_id = ?2 AND NOT is_read")?
                .execute(params![tenant.0, user])?;
        }
        None => {
            conn.prepare_cached("UPDATE notifications SET is_read = 1 WHERE tenant_id = ?1 AND NOT is_read")?.execute([tenant.0])?;
        }
    }
    Ok(before)
}

pub fn is_member(conn: &Connection, tenant: TenantId, user: i64) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM memberships WHERE tenant_id = ?1 AND user_id = ?2")?
        .query_row(params![tenant.0, user], |_| Ok(()))
        .optional()
        .map(|found| found.is_some())
}

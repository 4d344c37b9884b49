//! Notifications and their read state, inside a unit of work, on PostgreSQL.

use super::super::notification_sql::{self, user_unread, VIEW};
use crate::events::UnreadCounts;
use crate::store::NewNotification;
use app::protocol::{Notification, TenantId};
use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};

/// A notification as `VIEW` reads it.
pub fn notification(row: &PgRow) -> sqlx::Result<Notification> {
    let metadata: String = row.try_get("metadata")?;
    Ok(Notification {
        id: row.try_get("id")?,
        tenant_id: TenantId(row.try_get("tenant_id")?),
        user_id: row.try_get("user_id")?,
        title: row.try_get("title")?,
        message: row.try_get("message")?,
        kind: row.try_get("kind")?,
        priority: row.try_get("priority")?,
        action_url: row.try_get("action_url")?,
        action_text: row.try_get("action_text")?,
        metadata: serde_json::from_str(&metadata)
            .map_err(|e| sqlx::Error::ColumnDecode { index: "metadata".into(), source: Box::new(e) })?,
        is_read: row.try_get("is_read")?,
        is_dismissed: row.try_get("is_dismissed")?,
        created_at: row.try_get("created_at")?,
    })
}

pub async fn insert(conn: &mut PgConnection, n: &NewNotification, at: DateTime<Utc>) -> sqlx::Result<Option<Notification>> {
    // Insert-or-nothing on `source`: of two nodes causing it at once, one
    // waits on the unique index and then stores nothing.
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO notifications (tenant_id, user_id, title, message, kind, priority, action_url, action_text, \
         metadata, created_at, source) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(n.tenant.0)
    .bind(n.user)
    .bind(n.title.as_str())
    .bind(n.message.as_str())
    .bind(n.kind)
    .bind(n.priority)
    .bind(n.action_url.as_deref())
    .bind(n.action_text.as_deref())
    .bind(n.metadata.to_string())
    .bind(at)
    .bind(n.source.as_deref())
    .fetch_optional(&mut *conn)
    .await?;
    match id {
        Some(id) => view(conn, n.tenant, id, None).await,
        None => Ok(None),
    }
}

/// A notification as `reader` sees it.
pub async fn view(conn: &mut PgConnection, tenant: TenantId, id: i64, reader: Option<i64>) -> sqlx::Result<Option<Notification>> {
    let sql = format!("{VIEW} AND n.id = $3");
    let row = sqlx::query(&sql).bind(tenant.0).bind(reader).bind(id).fetch_optional(&mut *conn).await?;
    row.as_ref().map(notification).transpose()
}

pub async fn unread(conn: &mut PgConnection, tenant: TenantId, reader: Option<i64>) -> sqlx::Result<i64> {
    sqlx::query_scalar(&notification_sql::unread()).bind(tenant.0).bind(reader).fetch_one(&mut *conn).await
}

/// The tenant's own unread count and every member's (all members in one
/// round trip).
pub async fn unread_counts(conn: &mut PgConnection, tenant: TenantId) -> sqlx::Result<UnreadCounts> {
    let wide = unread(conn, tenant, None).await?;
    let sql = format!("SELECT m.user_id, {} FROM memberships m WHERE m.tenant_id = $1 ORDER BY m.user_id", user_unread("m.user_id"));
    let per_user: Vec<(i64, i64)> = sqlx::query_as(&sql).bind(tenant.0).fetch_all(&mut *conn).await?;
    Ok(UnreadCounts { wide, per_user })
}

/// Sets read or dismissed as `reader` sees it: on a tenant-wide one, for
/// them alone; on their own (or, with no reader, any), on the row. `None`
/// if `reader` cannot see it.
pub async fn set_state(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i64,
    reader: Option<i64>,
    read: Option<bool>,
    dismissed: Option<bool>,
) -> sqlx::Result<Option<Notification>> {
    // The owner never changes, so reading it unlocked is safe; each write
    // below is one statement that keeps what it is not told to set.
    let owner: Option<Option<i64>> = sqlx::query_scalar("SELECT user_id FROM notifications WHERE tenant_id = $1 AND id = $2")
        .bind(tenant.0)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(owner) = owner else { return Ok(None) };
    match (reader, owner) {
        (Some(user), None) => {
            sqlx::query(
                "INSERT INTO notification_reads (notification_id, user_id, is_read, is_dismissed) \
                 VALUES ($1, $2, COALESCE($3::boolean, FALSE), COALESCE($4::boolean, FALSE)) \
                 ON CONFLICT (notification_id, user_id) DO UPDATE \
                 SET is_read = COALESCE($3::boolean, notification_reads.is_read), \
                 is_dismissed = COALESCE($4::boolean, notification_reads.is_dismissed)",
            )
            .bind(id)
            .bind(user)
            .bind(read)
            .bind(dismissed)
            .execute(&mut *conn)
            .await?;
        }
        (Some(user), Some(owner)) if user != owner => return Ok(None),
        _ => {
            sqlx::query(
                "UPDATE notifications SET is_read = COALESCE($1::boolean, is_read), \
                 is_dismissed = COALESCE($2::boolean, is_dismissed) WHERE id = $3",
            )
            .bind(read)
            .bind(dismissed)
            .bind(id)
            .execute(&mut *conn)
            .await?;
        }
    }
    view(conn, tenant, id, reader).await
}

/// Marks everything `reader` sees as read, for them alone; returns how many
/// were unread.
pub async fn mark_all_read(conn: &mut PgConnection, tenant: TenantId, reader: Option<i64>) -> sqlx::Result<i64> {
    match reader {
        Some(user) => {
            // Multi-node: the reader's cursor row is locked first (created if
            // missing; `DO UPDATE … WHERE FALSE` locks without writing), so a
            // second "mark all read" of theirs waits, then counts what this
            // one left unread.
            sqlx::query(
                "INSERT INTO notification_cursors (tenant_id, user_id, read_up_to) VALUES ($1, $2, 0) \
                 ON CONFLICT (tenant_id, user_id) DO UPDATE SET read_up_to = notification_cursors.read_up_to WHERE FALSE",
            )
            .bind(tenant.0)
            .bind(user)
            .execute(&mut *conn)
            .await?;
            // One bound for the count and the cursor: what is counted is
            // exactly what the cursor passes.
            let up_to: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM notifications WHERE tenant_id = $1")
                .bind(tenant.0)
                .fetch_one(&mut *conn)
                .await?;
            let wide: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM notifications n WHERE n.tenant_id = $1 AND n.user_id IS NULL AND n.id <= $3 \
                 AND n.id > COALESCE((SELECT read_up_to FROM notification_cursors WHERE tenant_id = $1 AND user_id = $2), 0) \
                 AND NOT EXISTS (SELECT 1 FROM notification_reads r WHERE r.notification_id = n.id AND r.user_id = $2 \
                                 AND (r.is_read OR r.is_dismissed))",
            )
            .bind(tenant.0)
            .bind(user)
            .bind(up_to)
            .fetch_one(&mut *conn)
            .await?;
            // Never back: GREATEST, should the cursor be past `up_to`.
            sqlx::query("UPDATE notification_cursors SET read_up_to = GREATEST(read_up_to, $3) WHERE tenant_id = $1 AND user_id = $2")
                .bind(tenant.0)
                .bind(user)
                .bind(up_to)
                .execute(&mut *conn)
                .await?;
            // Counted as marked, in one statement: a row another node marks
            // first is re-checked after its lock and not counted twice.
            let own: i64 = sqlx::query_scalar(
                "WITH marked AS (UPDATE notifications SET is_read = TRUE \
                 WHERE tenant_id = $1 AND user_id = $2 AND NOT is_read RETURNING is_dismissed) \
                 SELECT COUNT(*) FROM marked WHERE NOT is_dismissed",
            )
            .bind(tenant.0)
            .bind(user)
            .fetch_one(&mut *conn)
            .await?;
            Ok(wide + own)
        }
        None => {
            // Counted as marked, in one statement (as above).
            sqlx::query_scalar(
                "WITH marked AS (UPDATE notifications SET is_read = TRUE WHERE tenant_id = $1 AND NOT is_read \
                 RETURNING user_id, is_dismissed) \
                 SELECT COUNT(*) FROM marked WHERE user_id IS NULL AND NOT is_dismissed",
            )
            .bind(tenant.0)
            .fetch_one(&mut *conn)
            .await
        }
    }
}

pub async fn is_member(conn: &mut PgConnection, tenant: TenantId, user: i64) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM memberships WHERE tenant_id = $1 AND user_id = $2)")
        .bind(tenant.0)
        .bind(user)
        .fetch_one(&mut *conn)
        .await
}

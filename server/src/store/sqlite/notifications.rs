//! [`TenantDataStore`] on SQLite: notifications and helpdesk entities here,
//! orders and payments in `orders.rs`.

use super::SqliteStore;
use crate::store::*;
use app::protocol::{DashboardSummary, Notification, NotificationType, OrderView, Priority, Room, TenantId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::Value;

const COLUMNS: &str = "id, tenant_id, user_id, title, message, kind, priority, action_url, action_text, metadata, \
     is_read, is_dismissed, created_at";

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    tenant_id: TenantId,
    user_id: Option<i64>,
    title: String,
    message: String,
    kind: NotificationType,
    priority: Priority,
    action_url: Option<String>,
    action_text: Option<String>,
    metadata: String,
    is_read: bool,
    is_dismissed: bool,
    created_at: DateTime<Utc>,
}

impl From<Row> for Notification {
    fn from(r: Row) -> Self {
        Self {
            id: r.id,
            tenant_id: r.tenant_id,
            user_id: r.user_id,
            title: r.title,
            message: r.message,
            kind: r.kind,
            priority: r.priority,
            action_url: r.action_url,
            action_text: r.action_text,
            metadata: serde_json::from_str(&r.metadata).unwrap_or(Value::Null),
            is_read: r.is_read,
            is_dismissed: r.is_dismissed,
            created_at: r.created_at,
        }
    }
}

#[async_trait]
impl TenantDataStore for SqliteStore {
    async fn upsert_order(&self, order: &NewOrder, at: DateTime<Utc>) -> StoreResult<Upserted<OrderView>> {
        self.upsert_order_row(order, at).await
    }

    async fn record_payment(&self, payment: &NewPayment, at: DateTime<Utc>) -> StoreResult<Upserted<Option<OrderView>>> {
        self.record_payment_row(payment, at).await
    }

    async fn dashboard(&self, tenant: TenantId, now: DateTime<Utc>) -> StoreResult<DashboardSummary> {
        self.dashboard_summary(tenant, now).await
    }

    async fn insert_notification(&self, n: &NewNotification, at: DateTime<Utc>) -> StoreResult<Notification> {
        let mut write = self.write().await?;
        let sql = format!(
            "INSERT INTO notifications (tenant_id, user_id, title, message, kind, priority, action_url, action_text, \
             metadata, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING {COLUMNS}"
        );
        let row: Row = sqlx::query_as(&sql)
            .bind(n.tenant)
            .bind(n.user)
            .bind(&n.title)
            .bind(&n.message)
            .bind(n.kind)
            .bind(n.priority)
            .bind(&n.action_url)
            .bind(&n.action_text)
            .bind(n.metadata.to_string())
            .bind(at)
            .fetch_one(&mut *write.conn)
            .await?;
        Ok(row.into())
    }

    async fn notification(&self, tenant: TenantId, id: i64) -> StoreResult<Option<Notification>> {
        let sql = format!("SELECT {COLUMNS} FROM notifications WHERE tenant_id = ? AND id = ?");
        let row: Option<Row> = sqlx::query_as(&sql).bind(tenant).bind(id).fetch_optional(&self.pool).await?;
        Ok(row.map(Into::into))
    }

    async fn list_notifications(&self, q: &NotificationQuery) -> StoreResult<Vec<Notification>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM notifications WHERE tenant_id = ?1 \
             AND (?2 IS NULL OR user_id IS NULL OR user_id = ?2) \
             AND (?3 OR NOT is_read) AND (?4 OR NOT is_dismissed) AND (?5 IS NULL OR id < ?5) \
             ORDER BY id DESC LIMIT ?6"
        );
        let rows: Vec<Row> = sqlx::query_as(&sql)
            .bind(q.tenant)
            .bind(q.user)
            .bind(q.include_read)
            .bind(q.include_dismissed)
            .bind(q.before)
            .bind(q.limit)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn set_notification_state(&self, tenant: TenantId, id: i64, read: Option<bool>, dismissed: Option<bool>) -> StoreResult<Option<Notification>> {
        let mut write = self.write().await?;
        let sql = format!(
            "UPDATE notifications SET is_read = COALESCE(?, is_read), is_dismissed = COALESCE(?, is_dismissed) \
             WHERE tenant_id = ? AND id = ? RETURNING {COLUMNS}"
        );
        let row: Option<Row> = sqlx::query_as(&sql).bind(read).bind(dismissed).bind(tenant).bind(id).fetch_optional(&mut *write.conn).await?;
        Ok(row.map(Into::into))
    }

    async fn mark_all_read(&self, tenant: TenantId, user: Option<i64>) -> StoreResult<u64> {
        let mut write = self.write().await?;
        let done = sqlx::query(
            "UPDATE notifications SET is_read = 1 WHERE tenant_id = ?1 AND NOT is_read \
             AND (?2 IS NULL OR user_id IS NULL OR user_id = ?2)",
        )
        .bind(tenant)
        .bind(user)
        .execute(&mut *write.conn)
        .await?;
        Ok(done.rows_affected())
    }

    async fn unread_counts(&self, tenant: TenantId) -> StoreResult<UnreadCounts> {
        let rows: Vec<(Option<i64>, i64)> = sqlx::query_as(
            "SELECT user_id, COUNT(*) FROM notifications WHERE tenant_id = ? AND NOT is_read AND NOT is_dismissed GROUP BY user_id",
        )
        .bind(tenant)
        .fetch_all(&self.pool)
        .await?;
        let mut counts = UnreadCounts::default();
        for (user, n) in rows {
            match user {
                None => counts.wide = n,
                Some(u) => counts.per_user.push((u, n)),
            }
        }
        Ok(counts)
    }

    async fn upsert_entity(&self, tenant: TenantId, room: Room, id: &str, data: &Value, at: DateTime<Utc>) -> StoreResult<()> {
        let mut write = self.write().await?;
        sqlx::query(
            "INSERT INTO helpdesk_entities (tenant_id, room, entity_id, data, updated_at) VALUES (?, ?, ?, ?, ?) \
             ON CONFLICT (tenant_id, room, entity_id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at",
        )
        .bind(tenant)
        .bind(room)
        .bind(id)
        .bind(data.to_string())
        .bind(at)
        .execute(&mut *write.conn)
        .await?;
        Ok(())
    }

    async fn list_entities(&self, tenant: TenantId, room: Room, limit: i64) -> StoreResult<Vec<Value>> {
        let rows: Vec<(String,)> =
            sqlx::query_as("SELECT data FROM helpdesk_entities WHERE tenant_id = ? AND room = ? ORDER BY updated_at DESC LIMIT ?")
                .bind(tenant)
                .bind(room)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().filter_map(|(d,)| serde_json::from_str(&d).ok()).collect())
    }
}

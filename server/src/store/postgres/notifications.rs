//! [`TenantDataStore`] on PostgreSQL: notifications as each reader sees them ([`super::notification_sql`]),
//! helpdesk entities, and the dashboard (in `orders.rs`). Units of work ([`super::apply`]) write them.

use super::notification_sql::{one, page, unread};
use super::PostgresStore;
use crate::store::rows::notifications::*;
use crate::store::*;
use app::protocol::{DashboardSummary, Notification, Room, TenantId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::Value;

#[async_trait]
impl TenantDataStore for PostgresStore {
    async fn dashboard(&self, tenant: TenantId, now: DateTime<Utc>) -> StoreResult<DashboardSummary> {
        Ok(self.dashboard_summary(tenant, now).await?)
    }

    async fn notification(&self, tenant: TenantId, id: i64, reader: Option<i64>) -> StoreResult<Option<Notification>> {
        let row: Option<Row> = sqlx::query_as(&one()).bind(tenant).bind(reader).bind(id).fetch_optional(&self.pool).await?;
        Ok(row.map(Into::into))
    }

    async fn list_notifications(&self, q: &NotificationQuery) -> StoreResult<Vec<Notification>> {
        let rows: Vec<Row> = sqlx::query_as(&page(q.after.is_some()))
            .bind(q.tenant)
            .bind(q.user)
            .bind(q.include_read)
            .bind(q.include_dismissed)
            .bind(q.before)
            .bind(q.after)
            .bind(q.limit)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn unread_count(&self, tenant: TenantId, reader: Option<i64>) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(&unread()).bind(tenant).bind(reader).fetch_one(&self.pool).await?)
    }

    async fn list_entities(&self, tenant: TenantId, room: Room, limit: i64) -> StoreResult<Vec<Value>> {
        let rows: Vec<(String,)> =
            sqlx::query_as("SELECT data FROM helpdesk_entities WHERE tenant_id = $1 AND room = $2 ORDER BY updated_at DESC LIMIT $3")
                .bind(tenant)
                .bind(room)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().filter_map(|(d,)| serde_json::from_str(&d).ok()).collect())
    }
}

//! The dashboard of [`TenantDataStore`] on SQLite. Orders and payments are
//! written by units of work ([`super::apply`]).

use super::SqliteStore;
use crate::store::rows::orders::*;
use crate::store::*;
use app::protocol::{DashboardSummary, OrderStatus, OrderView, PaymentStatus, TenantId};
use chrono::{DateTime, Duration, Timelike, Utc};

impl SqliteStore {
    pub(super) async fn dashboard_summary(&self, tenant: TenantId, now: DateTime<Utc>) -> StoreResult<DashboardSummary> {
        let midnight = now.with_hour(0).and_then(|t| t.with_minute(0)).and_then(|t| t.with_second(0)).unwrap_or(now)
            - Duration::nanoseconds(now.timestamp_subsec_nanos() as i64);
        let (today_orders, cents): (i64, i64) = sqlx::query_as(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN status = ? THEN amount_cents ELSE 0 END), 0) \
             FROM orders WHERE tenant_id = ? AND created_at >= ?",
        )
        .bind(OrderStatus::Paid)
        .bind(tenant)
        .bind(midnight)
        .fetch_one(&self.pool)
        .await?;
        let payments: Vec<(PaymentStatus, i64)> = sqlx::query_as(
            "SELECT payment_status, COUNT(*) FROM orders WHERE tenant_id = ? AND payment_status IS NOT NULL \
             GROUP BY payment_status ORDER BY payment_status",
        )
        .bind(tenant)
        .fetch_all(&self.pool)
        .await?;
        let sql = format!("SELECT {ORDER_COLUMNS} FROM orders WHERE tenant_id = ? ORDER BY id DESC LIMIT 10");
        let recent: Vec<OrderRow> = sqlx::query_as(&sql).bind(tenant).fetch_all(&self.pool).await?;
        let recent_orders: Vec<OrderView> = recent.into_iter().map(Into::into).collect();
        let times: Vec<(DateTime<Utc>,)> = sqlx::query_as("SELECT created_at FROM orders WHERE tenant_id = ? AND created_at >= ?")
            .bind(tenant)
            .bind(midnight)
            .fetch_all(&self.pool)
            .await?;
        let mut orders_by_hour = vec![0; 24];
        for (t,) in times {
            orders_by_hour[t.hour() as usize] += 1;
        }
        Ok(DashboardSummary {
            today_orders,
            today_revenue: cents as f64 / 100.0,
            payments,
            activity: recent_orders.iter().map(activity_line).collect(),
            recent_orders,
            orders_by_hour,
        })
    }
}

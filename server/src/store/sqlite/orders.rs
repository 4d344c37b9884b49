//! Orders, payments and the dashboard of [`TenantDataStore`] on SQLite.

use super::SqliteStore;
use crate::store::*;
use app::protocol::{DashboardSummary, Forward, OrderStatus, OrderView, PaymentStatus, TenantId};
use chrono::{DateTime, Duration, Timelike, Utc};

pub(super) const ORDER_COLUMNS: &str =
    "id, order_number, customer_name, customer_email, amount_cents, status, payment_status, created_at";

#[derive(sqlx::FromRow)]
pub(super) struct OrderRow {
    id: i64,
    order_number: String,
    customer_name: Option<String>,
    customer_email: Option<String>,
    amount_cents: i64,
    status: OrderStatus,
    payment_status: Option<PaymentStatus>,
    created_at: DateTime<Utc>,
}

impl From<OrderRow> for OrderView {
    fn from(r: OrderRow) -> Self {
        Self {
            id: r.id,
            order_number: r.order_number,
            customer_name: r.customer_name,
            customer_email: r.customer_email,
            amount: r.amount_cents as f64 / 100.0,
            status: r.status,
            payment_status: r.payment_status,
            created_at: r.created_at,
        }
    }
}

/// A status column's place in its order of statuses ([`Forward`]), in SQL,
/// so a compare-and-move happens in one statement.
fn rank<T: Forward>(column: &str) -> String {
    let arms: String = T::ALL.iter().map(|s| format!(" WHEN '{}' THEN {}", s.name(), s.rank())).collect();
    format!("(CASE {column}{arms} ELSE -1 END)")
}

impl SqliteStore {
    pub(super) async fn upsert_order_row(&self, o: &NewOrder, at: DateTime<Utc>) -> StoreResult<Upserted<OrderView>> {
        let mut write = self.write().await?;
        let existed: Option<(i64,)> = sqlx::query_as("SELECT id FROM orders WHERE tenant_id = ? AND order_number = ?")
            .bind(o.tenant)
            .bind(&o.order_number)
            .fetch_optional(&mut *write.conn)
            .await?;
        // A repeat that would move the status back changes nothing.
        let sql = format!(
            "INSERT INTO orders (tenant_id, order_number, customer_name, customer_email, amount_cents, status, items, metadata, \
             created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (tenant_id, order_number) DO UPDATE SET customer_name = excluded.customer_name, \
             customer_email = excluded.customer_email, amount_cents = excluded.amount_cents, status = excluded.status, \
             items = excluded.items, metadata = excluded.metadata, updated_at = excluded.updated_at \
             WHERE {} >= {} RETURNING {ORDER_COLUMNS}",
            rank::<OrderStatus>("excluded.status"),
            rank::<OrderStatus>("orders.status"),
        );
        let row: Option<OrderRow> = sqlx::query_as(&sql)
            .bind(o.tenant)
            .bind(&o.order_number)
            .bind(&o.customer_name)
            .bind(&o.customer_email)
            .bind(o.amount_cents)
            .bind(o.status)
            .bind(o.items.to_string())
            .bind(o.metadata.to_string())
            .bind(at)
            .bind(at)
            .fetch_optional(&mut *write.conn)
            .await?;
        let row = match row {
            Some(row) => row,
            None => {
                let sql = format!("SELECT {ORDER_COLUMNS} FROM orders WHERE tenant_id = ? AND order_number = ?");
                sqlx::query_as(&sql).bind(o.tenant).bind(&o.order_number).fetch_one(&mut *write.conn).await?
            }
        };
        Ok(Upserted { value: row.into(), new: existed.is_none() })
    }

    pub(super) async fn record_payment_row(&self, p: &NewPayment, at: DateTime<Utc>) -> StoreResult<Upserted<Option<OrderView>>> {
        let mut write = self.write().await?;
        let order: Option<(i64, Option<PaymentStatus>)> = sqlx::query_as(
            "SELECT id, payment_status FROM orders WHERE tenant_id = ?1 AND (id = ?2 OR order_number = ?3) ORDER BY id LIMIT 1",
        )
        .bind(p.tenant)
        .bind(p.order_id)
        .bind(&p.order_number)
        .fetch_optional(&mut *write.conn)
        .await?;
        let order_id = order.map(|(id, _)| id);
        // A payment status behind the order's is history, not news.
        let moves = order.and_then(|(_, previous)| previous).is_none_or(|previous| previous.advance(p.status).is_some());
        let mut tx = sqlx::Connection::begin(&mut *write.conn).await?;
        let inserted = sqlx::query(
            "INSERT INTO payments (tenant_id, order_id, payment_id, amount_cents, status, metadata, created_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tenant_id, payment_id, status) DO NOTHING",
        )
        .bind(p.tenant)
        .bind(order_id)
        .bind(&p.payment_id)
        .bind(p.amount_cents)
        .bind(p.status)
        .bind(p.metadata.to_string())
        .bind(at)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        let mut view = None;
        if let Some(id) = order_id {
            let status = match p.status {
                PaymentStatus::Paid => Some(OrderStatus::Paid),
                PaymentStatus::Failed => Some(OrderStatus::Failed),
                PaymentStatus::Refunded => Some(OrderStatus::Refunded),
                PaymentStatus::Pending => None,
            };
            // Each moves forward only: a late `pending` after `paid` changes
            // neither the payment status nor the order's.
            let sql = format!(
                "UPDATE orders SET \
                 payment_status = CASE WHEN payment_status IS NULL OR {new_payment} > {old_payment} THEN ?1 ELSE payment_status END, \
                 status = CASE WHEN ?2 IS NOT NULL AND {new_order} > {old_order} THEN ?2 ELSE status END, updated_at = ?3 \
                 WHERE id = ?4 RETURNING {ORDER_COLUMNS}",
                new_payment = rank::<PaymentStatus>("?1"),
                old_payment = rank::<PaymentStatus>("payment_status"),
                new_order = rank::<OrderStatus>("?2"),
                old_order = rank::<OrderStatus>("status"),
            );
            let row: OrderRow =
                sqlx::query_as(&sql).bind(p.status).bind(status).bind(at).bind(id).fetch_one(&mut *tx).await?;
            view = Some(row.into());
        }
        tx.commit().await?;
        Ok(Upserted { value: view, new: inserted && moves })
    }

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

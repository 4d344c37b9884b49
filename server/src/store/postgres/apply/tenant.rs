//! A tenant's orders, payments and helpdesk entities, inside a unit of work, on PostgreSQL (statuses only move forward).

use crate::store::rows::orders::*;
use crate::store::{NewOrder, NewPayment, Upserted};
use app::protocol::{Forward, OrderStatus, OrderView, PaymentStatus, Room, TenantId};
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgConnection;

/// A status column's (or text parameter's) place in its order of statuses,
/// in SQL, so a compare-and-move happens in one statement.
pub fn rank<T: Forward>(column: &str) -> String {
    let arms: String = T::ALL.iter().map(|s| format!(" WHEN '{}' THEN {}", s.name(), s.rank())).collect();
    format!("(CASE {column}{arms} ELSE -1 END)")
}

/// Holds, until the commit, a lock on one order number of a tenant: a unit
/// on another node that creates that order or records its payments waits,
/// so a payment that found no order is always seen (and adopted) by it.
async fn lock_order_number(conn: &mut PgConnection, tenant: TenantId, order_number: &str) -> sqlx::Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('orders/' || $1, $2))")
        .bind(order_number)
        .bind(tenant.0)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn upsert_order(conn: &mut PgConnection, o: &NewOrder, at: DateTime<Utc>) -> sqlx::Result<Upserted<OrderView>> {
    // Multi-node: the order number's lock (against payments waiting for it),
    // then insert-or-nothing, so exactly one node's unit finds it new.
    lock_order_number(conn, o.tenant, &o.order_number).await?;
    let (items, metadata) = (o.items.to_string(), o.metadata.to_string());
    let sql = format!(
        "INSERT INTO orders (tenant_id, order_number, customer_name, customer_email, amount_cents, status, items, metadata, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) \
         ON CONFLICT (tenant_id, order_number) DO NOTHING RETURNING {ORDER_COLUMNS}"
    );
    let inserted = sqlx::query_as::<_, OrderRow>(&sql)
        .bind(o.tenant.0)
        .bind(o.order_number.as_str())
        .bind(o.customer_name.as_deref())
        .bind(o.customer_email.as_deref())
        .bind(o.amount_cents)
        .bind(o.status)
        .bind(items.as_str())
        .bind(metadata.as_str())
        .bind(at)
        .fetch_optional(&mut *conn)
        .await?;
    if let Some(row) = inserted {
        let value = OrderView::from(row);
        let moved = adopt_waiting_payments(conn, &value, o.tenant, at).await?;
        return Ok(Upserted { value: moved.unwrap_or(value), new: true });
    }
    // Known: a repeat that would move the status back changes nothing (one
    // statement, re-checked against the row's latest status after its lock).
    let sql = format!(
        "UPDATE orders SET customer_name = $3, customer_email = $4, amount_cents = $5, status = $6, items = $7, \
         metadata = $8, updated_at = $9 WHERE tenant_id = $1 AND order_number = $2 AND {} >= {} RETURNING {ORDER_COLUMNS}",
        rank::<OrderStatus>("$6::text"),
        rank::<OrderStatus>("status"),
    );
    let updated = sqlx::query_as::<_, OrderRow>(&sql)
        .bind(o.tenant.0)
        .bind(o.order_number.as_str())
        .bind(o.customer_name.as_deref())
        .bind(o.customer_email.as_deref())
        .bind(o.amount_cents)
        .bind(o.status)
        .bind(items.as_str())
        .bind(metadata.as_str())
        .bind(at)
        .fetch_optional(&mut *conn)
        .await?;
    let row = match updated {
        Some(row) => row,
        None => {
            let sql = format!("SELECT {ORDER_COLUMNS} FROM orders WHERE tenant_id = $1 AND order_number = $2");
            sqlx::query_as::<_, OrderRow>(&sql).bind(o.tenant.0).bind(o.order_number.as_str()).fetch_one(&mut *conn).await?
        }
    };
    Ok(Upserted { value: row.into(), new: false })
}

/// Payments that arrived before their order: they are the new order's now,
/// and the furthest of them moves it, as if they had come after it.
async fn adopt_waiting_payments(
    conn: &mut PgConnection,
    o: &OrderView,
    tenant: TenantId,
    at: DateTime<Utc>,
) -> sqlx::Result<Option<OrderView>> {
    let adopted = sqlx::query("UPDATE payments SET order_id = $1 WHERE tenant_id = $2 AND order_number = $3 AND order_id IS NULL")
        .bind(o.id)
        .bind(tenant.0)
        .bind(o.order_number.as_str())
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if adopted == 0 {
        return Ok(None);
    }
    let sql = format!("SELECT status FROM payments WHERE order_id = $1 ORDER BY {} DESC LIMIT 1", rank::<PaymentStatus>("status"));
    let furthest: PaymentStatus = sqlx::query_scalar(&sql).bind(o.id).fetch_one(&mut *conn).await?;
    move_forward(conn, o.id, furthest, at).await.map(Some)
}

pub async fn record_payment(conn: &mut PgConnection, p: &NewPayment, at: DateTime<Utc>) -> sqlx::Result<Upserted<Option<OrderView>>> {
    // Multi-node: the order number's lock (so an order being created on
    // another node is seen once it commits), then the order row `FOR UPDATE`,
    // so of two payments for one order applied at once only the first to
    // move it is news.
    if let Some(number) = &p.order_number {
        lock_order_number(conn, p.tenant, number).await?;
    }
    let found: Option<(i64, Option<PaymentStatus>)> = sqlx::query_as(
        "SELECT id, payment_status FROM orders WHERE tenant_id = $1 AND (id = $2 OR order_number = $3) \
         ORDER BY id LIMIT 1 FOR UPDATE",
    )
    .bind(p.tenant.0)
    .bind(p.order_id)
    .bind(p.order_number.as_deref())
    .fetch_optional(&mut *conn)
    .await?;
    let inserted = sqlx::query(
        "INSERT INTO payments (tenant_id, order_id, payment_id, amount_cents, status, metadata, created_at, order_number) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (tenant_id, payment_id, status) DO NOTHING",
    )
    .bind(p.tenant.0)
    .bind(found.map(|(id, _)| id))
    .bind(p.payment_id.as_str())
    .bind(p.amount_cents)
    .bind(p.status)
    .bind(p.metadata.to_string())
    .bind(at)
    .bind(p.order_number.as_deref())
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1;
    // A payment status behind the order's is history, not news.
    let moves = found.and_then(|(_, previous)| previous).is_none_or(|previous| previous.advance(p.status).is_some());
    let Some((id, _)) = found else { return Ok(Upserted { value: None, new: inserted }) };
    let value = move_forward(conn, id, p.status, at).await?;
    Ok(Upserted { value: Some(value), new: inserted && moves })
}

/// Moves order `id`'s payment status, and its status, forward to where
/// `payment` puts them (each only forward, in one statement).
async fn move_forward(conn: &mut PgConnection, id: i64, payment: PaymentStatus, at: DateTime<Utc>) -> sqlx::Result<OrderView> {
    let status = match payment {
        PaymentStatus::Paid => Some(OrderStatus::Paid),
        PaymentStatus::Failed => Some(OrderStatus::Failed),
        PaymentStatus::Refunded => Some(OrderStatus::Refunded),
        PaymentStatus::Pending => None,
    };
    let sql = format!(
        "UPDATE orders SET \
         payment_status = CASE WHEN payment_status IS NULL OR {new_payment} > {old_payment} THEN $1 ELSE payment_status END, \
         status = CASE WHEN $2::text IS NOT NULL AND {new_order} > {old_order} THEN $2 ELSE status END, updated_at = $3 \
         WHERE id = $4 RETURNING {ORDER_COLUMNS}",
        new_payment = rank::<PaymentStatus>("$1::text"),
        old_payment = rank::<PaymentStatus>("payment_status"),
        new_order = rank::<OrderStatus>("$2::text"),
        old_order = rank::<OrderStatus>("status"),
    );
    let row = sqlx::query_as::<_, OrderRow>(&sql)
        .bind(payment.name())
        .bind(status.map(|s| s.name()))
        .bind(at)
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
    Ok(row.into())
}

pub async fn upsert_entity(
    conn: &mut PgConnection,
    tenant: TenantId,
    room: Room,
    id: &str,
    data: &Value,
    at: DateTime<Utc>,
) -> sqlx::Result<()> {
    // One statement: two nodes writing one entity at once each write it
    // whole (the later commit wins), as on SQLite.
    sqlx::query(
        "INSERT INTO helpdesk_entities (tenant_id, room, entity_id, data, updated_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (tenant_id, room, entity_id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at",
    )
    .bind(tenant.0)
    .bind(room)
    .bind(id)
    .bind(data.to_string())
    .bind(at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

//! A tenant's orders, payments and helpdesk entities, inside a unit of
//! work. Statuses only move forward ([`Forward`]): a late or repeated
//! webhook never undoes a later one, and is not news.

use super::rows::{maybe_named, name, named, time, timestamp};
use crate::store::{NewOrder, NewPayment, Upserted};
use app::protocol::{Forward, OrderStatus, OrderView, PaymentStatus, Room, TenantId};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde_json::Value;

const ORDER: &str = "id, order_number, customer_name, customer_email, amount_cents, status, payment_status, created_at";

fn order(row: &Row<'_>) -> rusqlite::Result<OrderView> {
    Ok(OrderView {
        id: row.get(0)?,
        order_number: row.get(1)?,
        customer_name: row.get(2)?,
        customer_email: row.get(3)?,
        amount: row.get::<_, i64>(4)? as f64 / 100.0,
        status: named(row, 5)?,
        payment_status: maybe_named(row, 6)?,
        created_at: time(row, 7)?,
    })
}

/// A status column's place in its order of statuses, in SQL, so a
/// compare-and-move happens in one statement.
pub fn rank<T: Forward>(column: &str) -> String {
    let arms: String = T::ALL.iter().map(|s| format!(" WHEN '{}' THEN {}", s.name(), s.rank())).collect();
    format!("(CASE {column}{arms} ELSE -1 END)")
}

pub fn upsert_order(conn: &Connection, o: &NewOrder, at: DateTime<Utc>) -> rusqlite::Result<Upserted<OrderView>> {
    let existed = conn
        .prepare_cached("SELECT id FROM orders WHERE tenant_id = ?1 AND order_number = ?2")?
        .query_row(params![o.tenant.0, o.order_number], |r| r.get::<_, i64>(0))
        .optional()?;
    // A repeat that would move the status back changes nothing.
    let sql = format!(
        "INSERT INTO orders (tenant_id, order_number, customer_name, customer_email, amount_cents, status, items, metadata, \
         created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9) \
         ON CONFLICT (tenant_id, order_number) DO UPDATE SET customer_name = excluded.customer_name, \
         customer_email = excluded.customer_email, amount_cents = excluded.amount_cents, status = excluded.status, \
         items = excluded.items, metadata = excluded.metadata, updated_at = excluded.updated_at \
         WHERE {} >= {}",
        rank::<OrderStatus>("excluded.status"),
        rank::<OrderStatus>("orders.status"),
    );
    conn.prepare_cached(&sql)?.execute(params![
        o.tenant.0,
        o.order_number,
        o.customer_name,
        o.customer_email,
        o.amount_cents,
        name(&o.status),
        o.items.to_string(),
        o.metadata.to_string(),
        timestamp(at),
    ])?;
    let sql = format!("SELECT {ORDER} FROM orders WHERE tenant_id = ?1 AND order_number = ?2");
    let mut value = conn.prepare_cached(&sql)?.query_row(params![o.tenant.0, o.order_number], order)?;
    if existed.is_none() {
        value = adopt_waiting_payments(conn, &value, o.tenant, at)?.unwrap_or(value);
    }
    Ok(Upserted { value, new: existed.is_none() })
}

/// Payments that arrived before their order: they are the new order's now,
/// and the furthest of them moves it, as if they had come after it.
fn adopt_waiting_payments(conn: &Connection, o: &OrderView, tenant: TenantId, at: DateTime<Utc>) -> rusqlite::Result<Option<OrderView>> {
    let adopted = conn
        .prepare_cached("UPDATE payments SET order_id = ?1 WHERE tenant_id = ?2 AND order_number = ?3 AND order_id IS NULL")?
        .execute(params![o.id, tenant.0, o.order_number])?;
    if adopted == 0 {
        return Ok(None);
    }
    let sql = format!("SELECT status FROM payments WHERE order_id = ?1 ORDER BY {} DESC LIMIT 1", rank::<PaymentStatus>("status"));
    let furthest = conn.prepare_cached(&sql)?.query_row([o.id], |r| named::<PaymentStatus>(r, 0))?;
    move_forward(conn, o.id, furthest, at).map(Some)
}

pub fn record_payment(conn: &Connection, p: &NewPayment, at: DateTime<Utc>) -> rusqlite::Result<Upserted<Option<OrderView>>> {
    let found = conn
        .prepare_cached(
            "SELECT id, payment_status FROM orders WHERE tenant_id = ?1 AND (id = ?2 OR order_number = ?3) ORDER BY id LIMIT 1",
        )?
        .query_row(params![p.tenant.0, p.order_id, p.order_number], |r| Ok((r.get::<_, i64>(0)?, maybe_named::<PaymentStatus>(r, 1)?)))
        .optional()?;
    let inserted =
        conn.prepare_cached(
            "INSERT INTO payments (tenant_id, order_id, payment_id, amount_cents, status, metadata, created_at, order_number) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (tenant_id, payment_id, status) DO NOTHING",
        )?
        .execute(params![
            p.tenant.0,
            found.map(|(id, _)| id),
            p.payment_id,
            p.amount_cents,
            name(&p.status),
            p.metadata.to_string(),
            timestamp(at),
            p.order_number,
        ])? == 1;
    // A payment status behind the order's is history, not news.
    let moves = found.and_then(|(_, previous)| previous).is_none_or(|previous| previous.advance(p.status).is_some());
    let Some((id, _)) = found else { return Ok(Upserted { value: None, new: inserted }) };
    let value = move_forward(conn, id, p.status, at)?;
    Ok(Upserted { value: Some(value), new: inserted && moves })
}

/// Moves order `id`'s payment status, and its status, forward to where
/// `payment` puts them (each only forward).
fn move_forward(conn: &Connection, id: i64, payment: PaymentStatus, at: DateTime<Utc>) -> rusqlite::Result<OrderView> {
    let status = match payment {
        PaymentStatus::Paid => Some(OrderStatus::Paid),
        PaymentStatus::Failed => Some(OrderStatus::Failed),
        PaymentStatus::Refunded => Some(OrderStatus::Refunded),
        PaymentStatus::Pending => None,
    };
    // Each moves forward only.
    let sql = format!(
        "UPDATE orders SET \
         payment_status = CASE WHEN payment_status IS NULL OR {new_payment} > {old_payment} THEN ?1 ELSE payment_status END, \
         status = CASE WHEN ?2 IS NOT NULL AND {new_order} > {old_order} THEN ?2 ELSE status END, updated_at = ?3 \
         WHERE id = ?4 RETURNING {ORDER}",
        new_payment = rank::<PaymentStatus>("?1"),
        old_payment = rank::<PaymentStatus>("payment_status"),
        new_order = rank::<OrderStatus>("?2"),
        old_order = rank::<OrderStatus>("status"),
    );
    conn.prepare_cached(&sql)?.query_row(params![name(&payment), status.map(|s| name(&s)), timestamp(at), id], order)
}

pub fn upsert_entity(conn: &Connection, tenant: TenantId, room: Room, id: &str, data: &Value, at: DateTime<Utc>) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO helpdesk_entities (tenant_id, room, entity_id, data, updated_at) VALUES (?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT (tenant_id, room, entity_id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at",
    )?
    .execute(params![tenant.0, name(&room), id, data.to_string(), timestamp(at)])?;
    Ok(())
}

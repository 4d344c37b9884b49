//! Rows of orders, as both backends read them.

use app::protocol::{OrderStatus, OrderView, PaymentStatus};
use chrono::{DateTime, Utc};

pub(in crate::store) const ORDER_COLUMNS: &str =
    "id, order_number, customer_name, customer_email, amount_cents, status, payment_status, created_at";

#[derive(sqlx::FromRow)]
pub(in crate::store) struct OrderRow {
    pub(in crate::store) id: i64,
    pub(in crate::store) order_number: String,
    pub(in crate::store) customer_name: Option<String>,
    pub(in crate::store) customer_email: Option<String>,
    pub(in crate::store) amount_cents: i64,
    pub(in crate::store) status: OrderStatus,
    pub(in crate::store) payment_status: Option<PaymentStatus>,
    pub(in crate::store) created_at: DateTime<Utc>,
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

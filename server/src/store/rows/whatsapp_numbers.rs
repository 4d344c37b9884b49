//! Rows of WhatsApp business numbers, as both backends read them.

use app::protocol::WhatsAppNumber;
use chrono::{DateTime, Utc};

pub(in crate::store) const COLUMNS: &str =
    "id, phone_number_id, display_number, access_token IS NOT NULL AS has_access_token, from_environment, created_at";

#[derive(sqlx::FromRow)]
pub(in crate::store) struct Row {
    pub(in crate::store) id: i64,
    pub(in crate::store) phone_number_id: String,
    pub(in crate::store) display_number: String,
    pub(in crate::store) has_access_token: bool,
    pub(in crate::store) from_environment: bool,
    pub(in crate::store) created_at: DateTime<Utc>,
}

impl From<Row> for WhatsAppNumber {
    fn from(r: Row) -> Self {
        Self {
            id: r.id,
            phone_number_id: r.phone_number_id,
            display_number: r.display_number,
            has_access_token: r.has_access_token,
            from_environment: r.from_environment,
            created_at: r.created_at,
        }
    }
}

//! Rows of inbound webhook settings, as both backends read them.

#[derive(sqlx::FromRow)]
pub(in crate::store) struct SettingsRow {
    pub(in crate::store) enabled: bool,
    pub(in crate::store) orders: bool,
    pub(in crate::store) notifications: bool,
    pub(in crate::store) payments: bool,
    pub(in crate::store) retry_attempts: i64,
    pub(in crate::store) timeout_ms: i64,
}

//! Rows of notifications and helpdesk entities, as both backends read them.

use app::protocol::{Notification, NotificationType, Priority, TenantId};
use chrono::{DateTime, Utc};
use serde_json::Value;

#[derive(sqlx::FromRow)]
pub(in crate::store) struct Row {
    pub(in crate::store) id: i64,
    pub(in crate::store) tenant_id: TenantId,
    pub(in crate::store) user_id: Option<i64>,
    pub(in crate::store) title: String,
    pub(in crate::store) message: String,
    pub(in crate::store) kind: NotificationType,
    pub(in crate::store) priority: Priority,
    pub(in crate::store) action_url: Option<String>,
    pub(in crate::store) action_text: Option<String>,
    pub(in crate::store) metadata: String,
    pub(in crate::store) is_read: bool,
    pub(in crate::store) is_dismissed: bool,
    pub(in crate::store) created_at: DateTime<Utc>,
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

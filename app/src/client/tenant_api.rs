//! The bell's, dashboard's and helpdesk's calls.

use super::api::{get, read, ws_origin_url};
use super::auth_api::guarded;
use crate::protocol::{DashboardSummary, Notification, NotificationPage, Room, TenantId};
use gloo_net::http::Request;
use serde_json::{json, Value};

pub async fn notifications(tenant: TenantId, before: Option<i64>) -> Result<NotificationPage, String> {
    let cursor = before.map(|b| format!("&before={b}")).unwrap_or_default();
    get(&format!("/api/notifications?tenantId={tenant}&limit=10{cursor}")).await
}

/// Notifications newer than `after`, oldest first; `next_cursor` says
/// where to go on.
pub async fn notifications_after(tenant: TenantId, after: i64) -> Result<NotificationPage, String> {
    get(&format!("/api/notifications?tenantId={tenant}&limit=100&after={after}")).await
}

pub async fn set_notification(tenant: TenantId, id: i64, read_it: Option<bool>, dismissed: Option<bool>) -> Result<Notification, String> {
    let body = json!({ "isRead": read_it, "isDismissed": dismissed });
    let request = guarded(Request::patch(&format!("/api/notifications/{id}?tenantId={tenant}"))).json(&body).map_err(|e| e.to_string())?;
    read(request.send().await.map_err(|e| e.to_string())?).await
}

pub async fn mark_all_read(tenant: TenantId) -> Result<u64, String> {
    let request = guarded(Request::post(&format!("/api/notifications/mark-all-read?tenantId={tenant}")));
    read(request.send().await.map_err(|e| e.to_string())?).await
}

pub async fn dashboard(tenant: TenantId) -> Result<DashboardSummary, String> {
    get(&format!("/api/dashboard?tenantId={tenant}")).await
}

pub async fn helpdesk(tenant: TenantId, room: Room) -> Result<Vec<Value>, String> {
    let room = serde_json::to_value(room).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
    get(&format!("/api/helpdesk/{room}?tenantId={tenant}")).await
}

pub fn ws_tenant_url() -> String {
    ws_origin_url("/ws/tenant")
}

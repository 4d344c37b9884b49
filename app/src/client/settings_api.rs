//! The settings pages' calls: tenants, staff, API keys, activity.

use super::api::{get, post, read, ws_origin_url};
use super::auth_api::guarded;
use crate::protocol::{
    ActivityEntry, ActivityKind, ApiKeyView, CreatedApiKey, CreatedInvitation, DeliveryDetail, DeliveryStatus, DeliverySummary,
    EndpointView, EndpointWithSecret, GeneratedSecret, InvitationView, Me, MemberView, MinuteCounts, NewWhatsAppNumber,
    OutboundDeliveryView, OutboundEventType, OutboundStatus, Replayed, Role, TenantId, TenantMembership, TestDelivery, WebhookSettings,
    WebhookSettingsPatch, WhatsAppNumber,
};
use gloo_net::http::Request;
use serde_json::json;

pub async fn create_tenant(name: &str) -> Result<TenantMembership, String> {
    post("/api/tenants", &json!({ "name": name })).await
}

pub async fn members(tenant: TenantId) -> Result<Vec<MemberView>, String> {
    get(&format!("/api/tenants/{tenant}/members")).await
}

pub async fn invite_member(tenant: TenantId, email: &str, role: Role) -> Result<CreatedInvitation, String> {
    post(&format!("/api/tenants/{tenant}/members"), &json!({ "email": email, "role": role })).await
}

pub async fn remove_member(tenant: TenantId, user: i64) -> Result<bool, String> {
    read(guarded(Request::delete(&format!("/api/tenants/{tenant}/members/{user}"))).send().await.map_err(|e| e.to_string())?).await
}

pub async fn invitation(token: &str) -> Result<InvitationView, String> {
    get(&format!("/api/invitations/{token}")).await
}

/// Accepts an invitation: signed in, as the current account; otherwise a
/// new account with `password` (and `name`).
pub async fn accept_invitation(token: &str, password: Option<&str>, name: Option<&str>) -> Result<Me, String> {
    post(&format!("/api/invitations/{token}/accept"), &json!({ "password": password, "name": name })).await
}

fn numbers_url(tenant: TenantId, rest: &str) -> String {
    format!("/api/whatsapp/numbers{rest}?tenantId={tenant}")
}

pub async fn whatsapp_numbers(tenant: TenantId) -> Result<Vec<WhatsAppNumber>, String> {
    get(&numbers_url(tenant, "")).await
}

pub async fn add_whatsapp_number(tenant: TenantId, number: &NewWhatsAppNumber) -> Result<WhatsAppNumber, String> {
    post(&numbers_url(tenant, ""), number).await
}

pub async fn remove_whatsapp_number(tenant: TenantId, id: i64) -> Result<bool, String> {
    read(guarded(Request::delete(&numbers_url(tenant, &format!("/{id}")))).send().await.map_err(|e| e.to_string())?).await
}

pub async fn api_keys(tenant: TenantId) -> Result<Vec<ApiKeyView>, String> {
    get(&format!("/api/tenants/{tenant}/api-keys")).await
}

pub async fn create_api_key(tenant: TenantId, name: &str) -> Result<CreatedApiKey, String> {
    post(&format!("/api/tenants/{tenant}/api-keys"), &json!({ "name": name })).await
}

pub async fn revoke_api_key(tenant: TenantId, key: i64) -> Result<bool, String> {
    let request = guarded(Request::delete(&format!("/api/tenants/{tenant}/api-keys/{key}")));
    read(request.send().await.map_err(|e| e.to_string())?).await
}

pub async fn activity(tenant: TenantId, kind: Option<ActivityKind>) -> Result<Vec<ActivityEntry>, String> {
    let filter =
        kind.map(|k| format!("&kind={}", serde_json::to_value(k).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()));
    get(&format!("/api/tenants/{tenant}/activity?limit=200{}", filter.unwrap_or_default())).await
}

fn settings_url(tenant: TenantId, action: &str) -> String {
    format!("/api/webhooks/settings{action}?tenantId={tenant}")
}

pub async fn webhook_settings(tenant: TenantId) -> Result<WebhookSettings, String> {
    get(&settings_url(tenant, "")).await
}

pub async fn save_webhook_settings(tenant: TenantId, patch: &WebhookSettingsPatch) -> Result<WebhookSettings, String> {
    let request = guarded(Request::patch(&settings_url(tenant, ""))).json(patch).map_err(|e| e.to_string())?;
    read(request.send().await.map_err(|e| e.to_string())?).await
}

pub async fn generate_secret(tenant: TenantId) -> Result<GeneratedSecret, String> {
    post(&settings_url(tenant, "/generate-secret"), &json!({})).await
}

pub async fn test_webhook(tenant: TenantId) -> Result<TestDelivery, String> {
    post(&settings_url(tenant, "/test"), &json!({})).await
}

fn endpoints_url(tenant: TenantId, rest: &str) -> String {
    format!("/api/webhooks/endpoints{rest}?tenantId={tenant}")
}

pub async fn endpoints(tenant: TenantId) -> Result<Vec<EndpointView>, String> {
    get(&endpoints_url(tenant, "")).await
}

pub async fn create_endpoint(tenant: TenantId, url: &str, types: &[OutboundEventType]) -> Result<EndpointWithSecret, String> {
    post(&endpoints_url(tenant, ""), &json!({ "url": url, "eventTypes": types })).await
}

pub async fn set_endpoint_enabled(tenant: TenantId, id: i64, enabled: bool) -> Result<EndpointView, String> {
    let request = guarded(Request::patch(&endpoints_url(tenant, &format!("/{id}"))))
        .json(&json!({ "enabled": enabled }))
        .map_err(|e| e.to_string())?;
    read(request.send().await.map_err(|e| e.to_string())?).await
}

pub async fn delete_endpoint(tenant: TenantId, id: i64) -> Result<bool, String> {
    read(guarded(Request::delete(&endpoints_url(tenant, &format!("/{id}")))).send().await.map_err(|e| e.to_string())?).await
}

pub async fn rotate_endpoint_secret(tenant: TenantId, id: i64) -> Result<EndpointWithSecret, String> {
    post(&endpoints_url(tenant, &format!("/{id}/rotate-secret")), &json!({})).await
}

pub async fn test_endpoint(tenant: TenantId, id: i64) -> Result<i64, String> {
    post(&endpoints_url(tenant, &format!("/{id}/test")), &json!({})).await
}

pub async fn endpoint_deliveries(
    tenant: TenantId,
    id: i64,
    event_type: Option<OutboundEventType>,
    status: Option<OutboundStatus>,
) -> Result<Vec<OutboundDeliveryView>, String> {
    let name = |v: serde_json::Value| v.as_str().map(str::to_owned).unwrap_or_default();
    let mut url = endpoints_url(tenant, &format!("/{id}/deliveries"));
    if let Some(t) = event_type {
        url.push_str(&format!("&eventType={}", name(json!(t))));
    }
    if let Some(s) = status {
        url.push_str(&format!("&status={}", name(json!(s))));
    }
    get(&url).await
}

pub async fn resend_delivery(tenant: TenantId, id: i64) -> Result<bool, String> {
    post(&format!("/api/webhooks/deliveries/{id}/resend?tenantId={tenant}"), &json!({})).await
}

/// The inbound delivery log, newest first (operators only).
pub async fn deliveries(topic: &str, status: Option<DeliveryStatus>) -> Result<Vec<DeliverySummary>, String> {
    let mut request = Request::get("/api/admin/webhook-deliveries").query([("limit", "200")]);
    if !topic.is_empty() {
        request = request.query([("topic", topic)]);
    }
    if let Some(status) = status {
        request = request.query([("status", status.as_str())]);
    }
    let response = request.send().await.map_err(|e| e.to_string())?;
    if !response.ok() {
        return Err(format!("the delivery log could not be read ({})", response.status()));
    }
    response.json().await.map_err(|e| e.to_string())
}

/// The delivery log's live socket (operators only).
pub fn ws_deliveries_url() -> String {
    ws_origin_url("/ws/deliveries")
}

pub async fn delivery(id: i64) -> Result<DeliveryDetail, String> {
    get(&format!("/api/admin/webhook-deliveries/{id}")).await
}

/// Applies deliveries again: these, or (with none) those the filter lists.
pub async fn replay(ids: Option<Vec<i64>>, topic: &str, status: Option<DeliveryStatus>) -> Result<Replayed, String> {
    let body = match ids {
        Some(ids) => json!({ "ids": ids }),
        None => json!({ "topic": topic, "status": status, "limit": 200 }),
    };
    post("/api/admin/webhook-deliveries/replay", &body).await
}

/// The last 24 hours of the delivery log, per minute.
pub async fn delivery_timeline() -> Result<Vec<MinuteCounts>, String> {
    get("/api/admin/webhook-deliveries/timeline").await
}

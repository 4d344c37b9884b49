//! `POST /api/webhooks/{orders,payments,notifications}` (seed 004) and
//! `POST /api/webhooks/events` (seed 002's enhanced payloads): verified with
//! the tenant's secret, stored once, handed to the worker, and answered with
//! seed 004's shape. The answer carries the ids the worker produced if it
//! reports them within [`PATIENCE`]; the delivery is applied either way.

use super::tenant::{authenticate, Scheme, Verified};
use super::{delivery_key, raw_body};
use crate::accounts;
use crate::error::ApiError;
use crate::events::tenant::{self as payload, NotificationPayload, Produced, TenantEvent, WebhookKind};
use crate::events::{NewDelivery, Parsed, Provider};
use crate::state::AppState;
use crate::store::Recorded;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::HeaderMap;
use axum::Json;
use chrono::Utc;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::time::Duration;

/// How long an answer waits for the worker's ids.
const PATIENCE: Duration = Duration::from_secs(2);

/// `GET /api/webhooks/health`.
#[utoipa::path(
    get,
    path = "/api/webhooks/health",
    operation_id = "tenant_webhook_health",
    tag = "Inbound webhooks",
    responses(
        (status = 200, description = "The endpoint is up", body = Object),
    ),
)]
pub async fn health() -> Json<Value> {
    Json(json!({ "success": true, "status": "ok", "timestamp": Utc::now() }))
}

#[utoipa::path(
    post,
    path = "/api/webhooks/{kind}",
    operation_id = "receive_tenant_webhook",
    tag = "Inbound webhooks",
    params(("kind" = String, Path, description = "`orders`, `payments`, `notifications` or `events`: which of the bodies")),
    request_body = crate::api::openapi::TenantWebhook,
    responses(
        (status = 200, description = "Stored and applied (or a repeat): seed 004's answer, with the ids produced when ready within 2 s", body = Object),
        (status = 413, response = crate::api::openapi::responses::PayloadTooLarge),
        crate::api::openapi::responses::ScopedErrors,
    ),
    security(("tenant_signature" = []), ("standard_webhooks" = [])),
)]
pub async fn receive(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(kind): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let kind: WebhookKind = kind.parse().map_err(|()| ApiError::NotFound("no such webhook endpoint"))?;
    let body = raw_body(body, state.settings.max_body_bytes)?;
    let source = state.client_ip(peer, &headers);
    let Verified { tenant, payload, scheme } = authenticate(&state, source, &headers, &body, Some(kind)).await?;
    let event = payload::parse(kind, tenant, payload).map_err(ApiError::BadRequest)?;
    if let TenantEvent::Notification { notification: NotificationPayload { user_id: Some(user), .. }, .. } = &event {
        if !accounts::is_member(state.store.as_ref(), tenant, *user).await? {
            return Err(ApiError::BadRequest("invalid notification: `userId` is not a member of this tenant".into()));
        }
    }
    // A Standard Webhooks `webhook-id` is signed, so it names the message;
    // seed 004's scheme signs the body only, so the body's hash does (an
    // unsigned header could make a replay look new).
    let id = match scheme {
        Scheme::StandardWebhooks => headers.get("webhook-id").and_then(|v| v.to_str().ok()).map(|id| format!("{tenant}:{id}")),
        Scheme::HexHmac => None,
    };
    let delivery = NewDelivery {
        provider: Provider::Tenant,
        delivery_key: delivery_key(id.as_deref(), &body),
        topic: format!("tenant.{}", kind.as_str()),
        body: serde_json::to_vec(&event).expect("events serialise"),
        claim: None,
        received_at: Utc::now(),
    };
    let id = match state.store.record_deliveries(std::slice::from_ref(&delivery), &state.lease()).await?[0] {
        Recorded::Duplicate(_) => return Ok(Json(json!({ "success": true, "duplicate": true, "message": "Already received" }))),
        Recorded::New(id) => id,
    };
    let (reply, produced) = tokio::sync::oneshot::channel();
    state.deliveries.fresh(id, delivery, Parsed::Tenant(event.clone()), Some(reply));
    let produced = match tokio::time::timeout(PATIENCE, produced).await {
        Ok(Ok(produced)) => produced,
        // Stored, and applied later (a retry, or a slow worker).
        _ => Produced::default(),
    };
    Ok(Json(answer(&event, &produced)))
}

fn answer(event: &TenantEvent, produced: &Produced) -> Value {
    match event {
        TenantEvent::Order { order, .. } => json!({
            "success": true, "message": "Order created successfully",
            "orderId": produced.order_id, "orderNumber": order.order_number,
        }),
        TenantEvent::Payment { payment, .. } => json!({
            "success": true, "message": "Payment recorded",
            "orderId": produced.order_id, "paymentId": payment.payment_id,
        }),
        TenantEvent::Notification { .. } => json!({
            "success": true, "message": "Notification created", "notificationId": produced.notification_id,
        }),
        TenantEvent::Entity { entity, .. } => json!({
            "success": true, "message": "Event received", "event": entity.event, "notificationId": produced.notification_id,
        }),
    }
}

//! `POST /api/webhooks/{orders,payments,notifications}` (seed 004) and
//! `POST /api/webhooks/events` (seed 002's enhanced payloads): verified with
//! the tenant's secret, stored once, applied, answered with seed 004's shape.

use super::tenant::{authenticate, Scheme, Verified};
use super::tenant_payload::{self, NotificationPayload, TenantEvent};
use super::{delivery_key, raw_body};
use crate::accounts;
use crate::error::ApiError;
use crate::process::lanes::Lane;
use crate::process::{tenant as apply, Processor};
use crate::state::AppState;
use crate::store::{NewDelivery, Recorded};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::HeaderMap;
use axum::Json;
use chrono::Utc;
use serde_json::{json, Value};
use std::net::SocketAddr;

pub const PROVIDER: &str = "tenant";

/// `GET /api/webhooks/health`.
pub async fn health() -> Json<Value> {
    Json(json!({ "success": true, "status": "ok", "timestamp": Utc::now() }))
}

pub async fn receive(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(kind): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    if !matches!(kind.as_str(), "orders" | "payments" | "notifications" | "events") {
        return Err(ApiError::NotFound("no such webhook endpoint"));
    }
    let body = raw_body(body, state.settings.max_body_bytes)?;
    let source = state.client_ip(peer, &headers);
    let Verified { tenant, payload, scheme } = authenticate(&state, source, &headers, &body, tenant_payload::endpoint_of(&kind)).await?;
    let event = tenant_payload::parse(&kind, tenant, payload).map_err(ApiError::BadRequest)?;
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
        provider: PROVIDER,
        delivery_key: delivery_key(id.as_deref(), &body),
        topic: format!("tenant.{kind}"),
        body: serde_json::to_vec(&event).expect("events serialise"),
        received_at: Utc::now(),
    };
    let id = match state.store.record_delivery(&delivery).await? {
        Recorded::Duplicate(_) => return Ok(Json(json!({ "success": true, "duplicate": true, "message": "Already received" }))),
        Recorded::New(id) => id,
    };
    // Applied right away so the answer can carry the new ids; should that
    // fail, the stored delivery is retried by the worker.
    let processor = Processor::new(state.store.clone(), state.bus.clone());
    let produced = match apply::apply(&processor, event.clone()).await {
        Ok((outcome, produced)) => {
            state.store.finish_delivery(id, outcome.status, None, Utc::now()).await?;
            produced
        }
        Err(err) => {
            tracing::warn!(delivery = id, error = %err, "tenant event stored; processing will be retried");
            state.deliveries.send(Lane::Tenant, id);
            apply::Produced::default()
        }
    };
    Ok(Json(answer(&event, &produced)))
}

fn answer(event: &TenantEvent, produced: &apply::Produced) -> Value {
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

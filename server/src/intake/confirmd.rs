//! `POST /api/webhooks/confirmd` (and ACA-Py's `…/topic/{topic}/`): the
//! wallet platform's webhooks, authenticated by `X-API-Key`.

use super::{delivery_key, raw_body};
use crate::error::ApiError;
use crate::events::platform::{self, PlatformEvent};
use crate::events::{NewDelivery, Parsed, Provider};
use crate::state::AppState;
use crate::store::Recorded;
use app::protocol::ConnectionId;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Value};
use std::net::SocketAddr;

const PROVIDER: Provider = Provider::Platform;

/// `GET`: the seed's health check.
#[utoipa::path(
    get,
    path = "/api/webhooks/confirmd",
    operation_id = "platform_webhook_health",
    tag = "Inbound webhooks",
    responses(
        (status = 200, description = "The endpoint is up", body = Object),
    ),
)]
pub async fn health() -> Json<Value> {
    Json(json!({
        "status": "ok",
        "message": "Confirmd webhook endpoint is active",
        "timestamp": Utc::now(),
    }))
}

#[utoipa::path(
    post,
    path = "/api/webhooks/confirmd",
    operation_id = "receive_platform_webhook",
    tag = "Inbound webhooks",
    request_body = crate::api::openapi::PlatformWebhook,
    responses(
        (status = 200, description = "Stored (or a repeat); applied after the answer", body = Answer),
        (status = 400, response = crate::api::openapi::responses::BadRequest),
        (status = 401, response = crate::api::openapi::responses::Unauthorized),
        (status = 413, response = crate::api::openapi::responses::PayloadTooLarge),
        (status = 500, response = crate::api::openapi::responses::Internal),
    ),
    security(("platform_key" = [])),
)]
pub async fn receive(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    intake(&state, peer, &headers, body, None).await
}

/// ACA-Py posts each record to `{webhook_url}/topic/{topic}/`.
#[utoipa::path(
    post,
    path = "/api/webhooks/confirmd/topic/{topic}",
    operation_id = "receive_acapy_webhook",
    tag = "Inbound webhooks",
    params(("topic" = String, Path, description = "ACA-Py's topic, e.g. `connections`")),
    request_body = crate::api::openapi::PlatformWebhook,
    responses(
        (status = 200, description = "Stored (or a repeat); applied after the answer", body = Answer),
        (status = 400, response = crate::api::openapi::responses::BadRequest),
        (status = 401, response = crate::api::openapi::responses::Unauthorized),
        (status = 413, response = crate::api::openapi::responses::PayloadTooLarge),
        (status = 500, response = crate::api::openapi::responses::Internal),
    ),
    security(("platform_key" = [])),
)]
pub async fn receive_topic(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(topic): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    intake(&state, peer, &headers, body, Some(&topic)).await
}

async fn intake(
    state: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    topic_hint: Option<&str>,
) -> Result<Response, ApiError> {
    let key = headers.get("x-api-key").and_then(|v| v.to_str().ok());
    if !state.platform_keys.accepts(key, Utc::now()) {
        let source = state.client_ip(peer, headers);
        if state.limits.refusals.webhook_refused(source, PROVIDER) {
            tracing::warn!(provider = %PROVIDER, %source, "webhook refused: wrong or missing X-API-Key (not logged again for a minute)");
        }
        return Err(ApiError::Unauthorized);
    }
    let body = raw_body(body, state.settings.max_body_bytes)?;
    let event = platform::parse(&body, topic_hint).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let delivery = stored_as(&event, delivery_key(event.delivery_id.as_deref(), &body), body.to_vec());
    let recorded = state.store.record_deliveries(std::slice::from_ref(&delivery), &state.lease()).await?[0];
    let duplicate = matches!(recorded, Recorded::Duplicate(_));
    tracing::info!(provider = %PROVIDER, topic = %event.topic, duplicate, "webhook stored");
    let response = Json(answer(&event, duplicate)).into_response();
    if let Recorded::New(id) = recorded {
        // The worker also finds it by scanning, should this wake-up be lost.
        state.deliveries.fresh(id, delivery, Parsed::platform(event), None);
    }
    Ok(response)
}

/// The delivery a platform event is stored as, under `delivery_key`.
pub fn stored_as(event: &PlatformEvent, delivery_key: String, body: Vec<u8>) -> NewDelivery {
    NewDelivery {
        provider: PROVIDER,
        delivery_key,
        topic: event.topic.clone(),
        body,
        // An event that arrives before its session is kept unmatched, and
        // applied once a session with this invitation appears.
        claim: event.connection.as_ref().and_then(|c| c.invitation_ids.first().cloned()),
        received_at: Utc::now(),
    }
}

/// The seeds' acknowledgement, plus whether this was a repeat. Typed and
/// borrowed: it is written for every webhook, and a `json!` tree would
/// allocate a map and a string per field only to serialise them.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = PlatformAck)]
struct Answer<'a> {
    received: bool,
    duplicate: bool,
    webhook_id: Option<&'a str>,
    topic: &'a str,
    connection_id: Option<&'a ConnectionId>,
    state: Option<&'a str>,
    timestamp: DateTime<Utc>,
}

fn answer(event: &PlatformEvent, duplicate: bool) -> Answer<'_> {
    let connection = event.connection.as_ref();
    Answer {
        received: true,
        duplicate,
        webhook_id: event.delivery_id.as_deref(),
        topic: &event.topic,
        connection_id: connection.and_then(|c| c.connection_id.as_ref()),
        state: connection.map(|c| c.state.as_str()),
        timestamp: Utc::now(),
    }
}

//! Inbound tenant webhooks (seed 004): which tenant a delivery is for, and
//! whether its sender holds that tenant's secret. Two schemes are accepted:
//! seed 004's `X-Webhook-Signature` (hex HMAC-SHA256 of the raw body, keyed
//! with the secret as text) and Standard Webhooks (`webhook-id`,
//! `webhook-timestamp`, `webhook-signature`, ±5 minutes, several signatures
//! during a rotation), verified by the `standardwebhooks` crate. During a
//! rotation the previous secret keeps working until its grace period ends.

use crate::error::ApiError;
use crate::events::tenant::WebhookKind;
use crate::events::Provider;
use crate::state::AppState;
use crate::store::{Activity, SigningSecret};
use app::protocol::{ActivityKind, CollegeId, TenantId};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::Json;
use chrono::Utc;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use standardwebhooks::{Webhook, WebhookError};
use std::net::{IpAddr, SocketAddr};

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("missing signature: send X-Webhook-Signature or the Standard Webhooks headers")]
    Missing,
    #[error("signature does not match any of the tenant's secrets")]
    Invalid,
    #[error("stale timestamp: {0}")]
    Stale(&'static str),
    #[error("malformed Standard Webhooks headers: {0}")]
    Malformed(String),
}

/// Which scheme a delivery was signed with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    StandardWebhooks,
    HexHmac,
}

pub fn verify_signature(headers: &HeaderMap, body: &[u8], secrets: &[SigningSecret]) -> Result<Scheme, SignatureError> {
    if headers.contains_key(standardwebhooks::HEADER_WEBHOOK_SIGNATURE) {
        for s in secrets {
            match Webhook::new(&s.secret).and_then(|w| w.verify(body, headers)) {
                Ok(()) => return Ok(Scheme::StandardWebhooks),
                Err(WebhookError::InvalidSignature | WebhookError::InvalidSecret(_)) => continue,
                Err(WebhookError::TimestampTooOldError) => return Err(SignatureError::Stale("more than 5 minutes old")),
                Err(WebhookError::FutureTimestampError) => return Err(SignatureError::Stale("more than 5 minutes ahead")),
                Err(other) => return Err(SignatureError::Malformed(other.to_string())),
            }
        }
        return Err(SignatureError::Invalid);
    }
    let Some(sent) = headers.get("x-webhook-signature").and_then(|v| v.to_str().ok()) else {
        return Err(SignatureError::Missing);
    };
    let sent = hex::decode(sent.trim().trim_start_matches("sha256=")).map_err(|_| SignatureError::Invalid)?;
    for s in secrets {
        let mut mac = Hmac::<Sha256>::new_from_slice(s.secret.as_bytes()).expect("any key length");
        mac.update(body);
        if mac.verify_slice(&sent).is_ok() {
            return Ok(Scheme::HexHmac);
        }
    }
    Err(SignatureError::Invalid)
}

/// The tenant named by a payload's `tenantId` (text or number).
fn tenant_of(payload: &Value) -> Option<TenantId> {
    let id = payload.get("tenantId")?;
    let id = id.as_i64().map(|n| n.to_string()).or_else(|| id.as_str().map(str::to_owned))?;
    CollegeId::new(id).tenant()
}

async fn log(state: &AppState, tenant: TenantId, kind: ActivityKind, detail: String) {
    let activity = Activity { tenant: Some(tenant), actor: None, kind, detail };
    if let Err(err) = state.store.log_activity(&activity, Utc::now()).await {
        tracing::error!(error = %err, "could not write the activity log");
    }
}

/// A verified tenant webhook.
pub struct Verified {
    pub tenant: TenantId,
    pub payload: Value,
    pub scheme: Scheme,
}

/// Checks a tenant webhook: JSON with a known `tenantId` (404 if unknown), a
/// valid signature (401), then webhooks and the endpoint enabled (403; told
/// only to a sender that holds the secret). Unsigned refusals are logged in
/// the tenant's activity log at most once a minute per source, so a flood
/// of them costs no writes.
pub async fn authenticate(
    state: &AppState,
    source: IpAddr,
    headers: &HeaderMap,
    body: &[u8],
    kind: Option<WebhookKind>,
) -> Result<Verified, ApiError> {
    let payload: Value = serde_json::from_slice(body).map_err(|e| ApiError::BadRequest(format!("invalid JSON: {e}")))?;
    let tenant = tenant_of(&payload).ok_or(ApiError::BadRequest("tenantId is required".into()))?;
    if state.store.tenant_name(tenant).await?.is_none() {
        return Err(ApiError::NotFound("unknown tenant"));
    }
    let what = kind.map_or("ping", WebhookKind::as_str);
    let secrets = state.store.signing_secrets(tenant, Utc::now()).await?;
    let scheme = match verify_signature(headers, body, &secrets) {
        Ok(scheme) => scheme,
        Err(err) => {
            if state.limits.refusals.webhook_refused(source, Provider::Tenant) {
                tracing::warn!(%tenant, %source, error = %err, "tenant webhook refused (further refusals from this source are not logged for a minute)");
                log(state, tenant, ActivityKind::WebhookRejected, format!("{what} from {source}: {err}")).await;
            }
            return Err(ApiError::Unauthorized);
        }
    };
    let settings = state.store.webhook_settings(tenant).await?;
    let refusal = if !settings.enabled {
        Some(ApiError::Forbidden("webhooks are disabled for this tenant"))
    } else if kind.and_then(WebhookKind::endpoint).is_some_and(|e| !e.enabled_in(&settings.endpoints)) {
        Some(ApiError::Forbidden("this webhook endpoint is disabled for this tenant"))
    } else {
        None
    };
    if let Some(refusal) = refusal {
        // The sender holds the tenant's secret: its refusals are the
        // tenant's to see, each one.
        log(state, tenant, ActivityKind::WebhookRejected, format!("{what}: {refusal}")).await;
        return Err(refusal);
    }
    log(state, tenant, ActivityKind::WebhookReceived, format!("{what}: signature verified")).await;
    Ok(Verified { tenant, payload, scheme })
}

/// `POST /api/webhooks/ping`: a signed no-op, so a sender (and the settings
/// page's test) can check its signing before sending real events.
#[utoipa::path(
    post,
    path = "/api/webhooks/ping",
    operation_id = "ping_tenant_webhook",
    tag = "Inbound webhooks",
    request_body = crate::api::openapi::PingWebhook,
    responses(
        (status = 200, description = "The signature is valid", body = Object),
        (status = 413, response = crate::api::openapi::responses::PayloadTooLarge),
        crate::api::openapi::responses::ScopedErrors,
    ),
    security(("tenant_signature" = []), ("standard_webhooks" = [])),
)]
pub async fn ping(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let body = super::raw_body(body, state.settings.max_body_bytes)?;
    let source = state.client_ip(peer, &headers);
    let verified = authenticate(&state, source, &headers, &body, None).await?;
    Ok(Json(json!({ "success": true, "message": "Signature verified", "tenantId": verified.tenant })))
}

#[cfg(test)]
#[path = "tenant_tests.rs"]
mod tests;

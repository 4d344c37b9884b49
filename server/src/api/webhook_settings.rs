//! Per-tenant webhook settings (seed 004's API): `GET`/`PATCH
//! /api/webhooks/settings`, `POST …/generate-secret` (the previous secret
//! stays valid for a grace period) and `POST …/test`. Callable by the
//! tenant's admins (cookie) or its back end (API key); `tenantId` in the
//! query or `x-tenant-id` picks among the caller's tenants, and grants
//! nothing by itself.

use crate::auth::AdminScope;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::StoredWebhookSettings;
use app::protocol::{ActivityKind, Envelope, GeneratedSecret, TenantId, TestDelivery, WebhookSettings, WebhookSettingsPatch};
use axum::extract::State;
use axum::Json;
use chrono::{Duration, Utc};
use std::time::Instant;

/// How long a rotated-out secret keeps working.
const ROTATION_GRACE: Duration = Duration::hours(24);

async fn view(state: &AppState, tenant: TenantId) -> Result<WebhookSettings, ApiError> {
    let s = state.store.webhook_settings(tenant).await?;
    let secrets = state.store.signing_secrets(tenant, Utc::now()).await?;
    Ok(WebhookSettings {
        webhook_enabled: s.enabled,
        webhook_endpoints: s.endpoints,
        webhook_retry_attempts: s.retry_attempts,
        webhook_timeout_ms: s.timeout_ms,
        has_secret: secrets.iter().any(|s| s.expires_at.is_none()),
        previous_secret_valid_until: secrets.iter().filter_map(|s| s.expires_at).max(),
    })
}

#[utoipa::path(
    get,
    path = "/api/webhooks/settings",
    operation_id = "show_webhook_settings",
    tag = "Webhook settings",
    params(crate::api::openapi::TenantParams),
    responses(
        (status = 200, description = "OK", body = Envelope<WebhookSettings>),
        (status = 401, response = crate::api::openapi::responses::Unauthorized),
        (status = 403, response = crate::api::openapi::responses::Forbidden),
        (status = 404, response = crate::api::openapi::responses::NotFound),
        (status = 500, response = crate::api::openapi::responses::Internal),
    ),
    security(("session" = []), ("api_key" = [])),
)]
pub async fn show(State(state): State<AppState>, scope: AdminScope) -> Result<Json<Envelope<WebhookSettings>>, ApiError> {
    let tenant = scope.tenant;
    Ok(Json(Envelope::ok(view(&state, tenant).await?)))
}

#[utoipa::path(
    patch,
    path = "/api/webhooks/settings",
    operation_id = "update_webhook_settings",
    tag = "Webhook settings",
    params(crate::api::openapi::TenantParams),
    request_body = WebhookSettingsPatch,
    responses(
        (status = 200, description = "OK", body = Envelope<WebhookSettings>),
        crate::api::openapi::responses::ScopedErrors,
        crate::api::openapi::responses::JsonBodyErrors,
    ),
    security(("session" = []), ("api_key" = [])),
)]
pub async fn update(
    State(state): State<AppState>,
    scope: AdminScope,
    Json(patch): Json<WebhookSettingsPatch>,
) -> Result<Json<Envelope<WebhookSettings>>, ApiError> {
    let tenant = scope.tenant;
    let mut s: StoredWebhookSettings = state.store.webhook_settings(tenant).await?;
    if let Some(v) = patch.webhook_enabled {
        s.enabled = v;
    }
    if let Some(e) = &patch.webhook_endpoints {
        s.endpoints.orders = e.orders.unwrap_or(s.endpoints.orders);
        s.endpoints.notifications = e.notifications.unwrap_or(s.endpoints.notifications);
        s.endpoints.payments = e.payments.unwrap_or(s.endpoints.payments);
    }
    if let Some(v) = patch.webhook_retry_attempts {
        if !(0..=10).contains(&v) {
            return Err(ApiError::BadRequest("webhookRetryAttempts must be between 0 and 10".into()));
        }
        s.retry_attempts = v;
    }
    if let Some(v) = patch.webhook_timeout_ms {
        if !(1_000..=120_000).contains(&v) {
            return Err(ApiError::BadRequest("webhookTimeoutMs must be between 1000 and 120000".into()));
        }
        s.timeout_ms = v;
    }
    state.store.save_webhook_settings(tenant, &s, Utc::now()).await?;
    let detail = format!(
        "webhooks {}; orders {}, notifications {}, payments {}; {} retries, {} ms timeout",
        if s.enabled { "enabled" } else { "disabled" },
        on_off(s.endpoints.orders),
        on_off(s.endpoints.notifications),
        on_off(s.endpoints.payments),
        s.retry_attempts,
        s.timeout_ms
    );
    super::log_activity(&state, &scope.principal, tenant, ActivityKind::SettingsChanged, detail).await?;
    Ok(Json(Envelope::ok(view(&state, tenant).await?)))
}

fn on_off(b: bool) -> &'static str {
    if b {
        "on"
    } else {
        "off"
    }
}

/// A new `whsec_` secret (32 random bytes), shown once.
#[utoipa::path(
    post,
    path = "/api/webhooks/settings/generate-secret",
    operation_id = "generate_webhook_secret",
    tag = "Webhook settings",
    params(crate::api::openapi::TenantParams),
    responses(
        (status = 200, description = "The new secret, shown this once; the previous one stays valid for a grace period", body = Envelope<GeneratedSecret>),
        (status = 401, response = crate::api::openapi::responses::Unauthorized),
        (status = 403, response = crate::api::openapi::responses::Forbidden),
        (status = 404, response = crate::api::openapi::responses::NotFound),
        (status = 500, response = crate::api::openapi::responses::Internal),
    ),
    security(("session" = []), ("api_key" = [])),
)]
pub async fn generate_secret(State(state): State<AppState>, scope: AdminScope) -> Result<Json<Envelope<GeneratedSecret>>, ApiError> {
    let tenant = scope.tenant;
    let secret = crate::auth::secrets::new_signing_secret();
    let now = Utc::now();
    let had_one = !state.store.signing_secrets(tenant, now).await?.is_empty();
    state.store.rotate_secret(tenant, &secret, now, now + ROTATION_GRACE).await?;
    let previous = had_one.then_some(now + ROTATION_GRACE);
    let detail = match previous {
        Some(until) => format!("new signing secret; the previous one works until {}", until.format("%Y-%m-%d %H:%M UTC")),
        None => "first signing secret".to_owned(),
    };
    super::log_activity(&state, &scope.principal, tenant, ActivityKind::SecretRotated, detail).await?;
    Ok(Json(Envelope::ok(GeneratedSecret { secret, previous_secret_valid_until: previous })))
}

/// Sends a signed test event to this server's own `/api/webhooks/ping`, as
/// a sender would, and reports what happened.
#[utoipa::path(
    post,
    path = "/api/webhooks/settings/test",
    operation_id = "test_webhook_settings",
    tag = "Webhook settings",
    params(crate::api::openapi::TenantParams),
    responses(
        (status = 200, description = "OK", body = Envelope<TestDelivery>),
        crate::api::openapi::responses::ScopedErrors,
    ),
    security(("session" = []), ("api_key" = [])),
)]
pub async fn test(State(state): State<AppState>, scope: AdminScope) -> Result<Json<Envelope<TestDelivery>>, ApiError> {
    let tenant = scope.tenant;
    let settings = state.store.webhook_settings(tenant).await?;
    let Some(current) = state.store.signing_secrets(tenant, Utc::now()).await?.into_iter().find(|s| s.expires_at.is_none()) else {
        return Err(ApiError::BadRequest("generate a signing secret first".into()));
    };
    let body = serde_json::json!({
        "tenantId": tenant,
        "title": "Test webhook",
        "message": "If you can read this, signing works.",
        "type": "info",
    })
    .to_string();
    let id = format!("msg_{}", crate::random_token(12));
    let url = format!("{}/api/webhooks/ping", state.self_url).parse().map_err(|e| ApiError::Internal(anyhow::anyhow!("{e}")))?;
    let timeout = std::time::Duration::from_millis(settings.timeout_ms.max(1) as u64);
    let started = Instant::now();
    let result = state.signer.send(url, &id, &current.secret, body, timeout).await;
    let duration_ms = started.elapsed().as_millis() as u64;
    let outcome = match result {
        Ok(answered) => {
            let status = answered.status;
            let text: String = String::from_utf8_lossy(&answered.body).chars().take(300).collect();
            TestDelivery { success: (200..300).contains(&status), status, duration_ms, message: text }
        }
        Err(err) => TestDelivery { success: false, status: 0, duration_ms, message: err },
    };
    Ok(Json(Envelope::ok(outcome)))
}

//! Outbound webhook endpoints (seed 002's `setWebhookUrl`/`getWebhookUrl`/
//! `testWebhook`, grown up): register, change, rotate, delete, test, read the
//! delivery log and resend. For the tenant's admins (cookie) or its back end
//! (API key).

use crate::auth::AdminScope;
use crate::error::ApiError;
use crate::outbound::events::TestEvent;
use crate::outbound::guard;
use crate::state::AppState;
use crate::store::{DeliveryLogFilter, EndpointChange, NewEndpoint};
use app::protocol::{ActivityKind, EndpointView, EndpointWithSecret, Envelope, OutboundDeliveryView, OutboundEventType, OutboundStatus};
use axum::extract::{Path, Query, State};
use axum::Json;
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;

fn checked_url(state: &AppState, url: &str) -> Result<String, ApiError> {
    guard::check_url(url, state.settings.outbound_allow_internal)
        .map(|u| u.to_string())
        .map_err(|e| ApiError::BadRequest(format!("`url` refused: {e}")))
}

fn check_types(types: &[OutboundEventType]) -> Result<(), ApiError> {
    if types.contains(&OutboundEventType::Test) {
        return Err(ApiError::BadRequest("`webhook.test` is sent on request only".into()));
    }
    Ok(())
}

#[utoipa::path(
    get,
    path = "/api/webhooks/endpoints",
    operation_id = "list_endpoints",
    tag = "Outbound webhooks",
    params(crate::api::openapi::TenantParams),
    responses(
        (status = 200, description = "OK", body = Envelope<Vec<EndpointView>>),
        (status = 401, response = crate::api::openapi::responses::Unauthorized),
        (status = 403, response = crate::api::openapi::responses::Forbidden),
        (status = 404, response = crate::api::openapi::responses::NotFound),
        (status = 500, response = crate::api::openapi::responses::Internal),
    ),
    security(("session" = []), ("api_key" = [])),
)]
pub async fn list(State(state): State<AppState>, scope: AdminScope) -> Result<Json<Envelope<Vec<EndpointView>>>, ApiError> {
    let tenant = scope.tenant;
    Ok(Json(Envelope::ok(state.store.list_endpoints(tenant).await?)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewEndpointRequest {
    url: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    event_types: Vec<OutboundEventType>,
}

#[utoipa::path(
    post,
    path = "/api/webhooks/endpoints",
    operation_id = "create_endpoint",
    tag = "Outbound webhooks",
    params(crate::api::openapi::TenantParams),
    request_body = NewEndpointRequest,
    responses(
        (status = 200, description = "The endpoint and its signing secret, shown this once", body = Envelope<EndpointWithSecret>),
        crate::api::openapi::responses::ScopedErrors,
        crate::api::openapi::responses::JsonBodyErrors,
    ),
    security(("session" = []), ("api_key" = [])),
)]
pub async fn create(
    State(state): State<AppState>,
    scope: AdminScope,
    Json(req): Json<NewEndpointRequest>,
) -> Result<Json<Envelope<EndpointWithSecret>>, ApiError> {
    let tenant = scope.tenant;
    check_types(&req.event_types)?;
    let secret = crate::auth::secrets::new_signing_secret();
    let endpoint = NewEndpoint {
        tenant,
        url: checked_url(&state, &req.url)?,
        description: req.description,
        secret: secret.clone(),
        event_types: req.event_types,
    };
    let endpoint = state.store.create_endpoint(&endpoint, Utc::now()).await?;
    super::log_activity(
        &state,
        &scope.principal,
        tenant,
        ActivityKind::SettingsChanged,
        format!("added webhook endpoint {}", endpoint.url),
    )
    .await?;
    Ok(Json(Envelope::ok(EndpointWithSecret { endpoint, secret })))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EndpointPatch {
    url: Option<String>,
    description: Option<String>,
    event_types: Option<Vec<OutboundEventType>>,
    enabled: Option<bool>,
}

#[utoipa::path(
    patch,
    path = "/api/webhooks/endpoints/{id}",
    operation_id = "update_endpoint",
    tag = "Outbound webhooks",
    params(crate::api::openapi::TenantParams, ("id" = i64, Path, description = "The endpoint's id")),
    request_body = EndpointPatch,
    responses(
        (status = 200, description = "OK", body = Envelope<EndpointView>),
        crate::api::openapi::responses::ScopedErrors,
        crate::api::openapi::responses::JsonBodyErrors,
    ),
    security(("session" = []), ("api_key" = [])),
)]
pub async fn update(
    State(state): State<AppState>,
    scope: AdminScope,
    Path(id): Path<i64>,
    Json(patch): Json<EndpointPatch>,
) -> Result<Json<Envelope<EndpointView>>, ApiError> {
    let tenant = scope.tenant;
    if let Some(types) = &patch.event_types {
        check_types(types)?;
    }
    let change = EndpointChange {
        url: patch.url.as_deref().map(|u| checked_url(&state, u)).transpose()?,
        description: patch.description,
        event_types: patch.event_types,
        enabled: patch.enabled,
    };
    let endpoint = state.store.update_endpoint(tenant, id, &change).await?.ok_or(ApiError::NotFound("endpoint not found"))?;
    super::log_activity(
        &state,
        &scope.principal,
        tenant,
        ActivityKind::SettingsChanged,
        format!("changed webhook endpoint {}", endpoint.url),
    )
    .await?;
    Ok(Json(Envelope::ok(endpoint)))
}

#[utoipa::path(
    post,
    path = "/api/webhooks/endpoints/{id}/rotate-secret",
    operation_id = "rotate_endpoint_secret",
    tag = "Outbound webhooks",
    params(crate::api::openapi::TenantParams, ("id" = i64, Path, description = "The endpoint's id")),
    responses(
        (status = 200, description = "OK", body = Envelope<EndpointWithSecret>),
        crate::api::openapi::responses::ScopedErrors,
    ),
    security(("session" = []), ("api_key" = [])),
)]
pub async fn rotate_secret(
    State(state): State<AppState>,
    scope: AdminScope,
    Path(id): Path<i64>,
) -> Result<Json<Envelope<EndpointWithSecret>>, ApiError> {
    let tenant = scope.tenant;
    let secret = crate::auth::secrets::new_signing_secret();
    if !state.store.rotate_endpoint_secret(tenant, id, &secret).await? {
        return Err(ApiError::NotFound("endpoint not found"));
    }
    let endpoint = state.store.endpoint(tenant, id).await?.ok_or(ApiError::NotFound("endpoint not found"))?;
    let detail = format!("new signing secret for webhook endpoint {}", endpoint.url);
    super::log_activity(&state, &scope.principal, tenant, ActivityKind::SecretRotated, detail).await?;
    Ok(Json(Envelope::ok(EndpointWithSecret { endpoint, secret })))
}

#[utoipa::path(
    delete,
    path = "/api/webhooks/endpoints/{id}",
    operation_id = "delete_endpoint",
    tag = "Outbound webhooks",
    params(crate::api::openapi::TenantParams, ("id" = i64, Path, description = "The endpoint's id")),
    responses(
        (status = 200, description = "OK", body = Envelope<bool>),
        crate::api::openapi::responses::ScopedErrors,
    ),
    security(("session" = []), ("api_key" = [])),
)]
pub async fn delete(State(state): State<AppState>, scope: AdminScope, Path(id): Path<i64>) -> Result<Json<Envelope<bool>>, ApiError> {
    let tenant = scope.tenant;
    if !state.store.delete_endpoint(tenant, id).await? {
        return Err(ApiError::NotFound("endpoint not found"));
    }
    super::log_activity(&state, &scope.principal, tenant, ActivityKind::SettingsChanged, format!("removed webhook endpoint #{id}")).await?;
    Ok(Json(Envelope::ok(true)))
}

/// Queues a `webhook.test` event for this endpoint only.
#[utoipa::path(
    post,
    path = "/api/webhooks/endpoints/{id}/test",
    operation_id = "test_endpoint",
    tag = "Outbound webhooks",
    params(crate::api::openapi::TenantParams, ("id" = i64, Path, description = "The endpoint's id")),
    responses(
        (status = 200, description = "The queued delivery's id", body = Envelope<i64>),
        crate::api::openapi::responses::ScopedErrors,
    ),
    security(("session" = []), ("api_key" = [])),
)]
pub async fn test(State(state): State<AppState>, scope: AdminScope, Path(id): Path<i64>) -> Result<Json<Envelope<i64>>, ApiError> {
    let tenant = scope.tenant;
    state.store.endpoint(tenant, id).await?.ok_or(ApiError::NotFound("endpoint not found"))?;
    let payload = json!(TestEvent { message: "A test event from Tidings.".into(), endpoint_id: id });
    let ids = state.store.enqueue(tenant, OutboundEventType::Test, &payload, Some(id), Utc::now()).await?;
    Ok(Json(Envelope::ok(ids.first().copied().unwrap_or_default())))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct LogQuery {
    event_type: Option<OutboundEventType>,
    status: Option<OutboundStatus>,
    limit: Option<i64>,
}

#[utoipa::path(
    get,
    path = "/api/webhooks/endpoints/{id}/deliveries",
    operation_id = "endpoint_deliveries",
    tag = "Outbound webhooks",
    params(crate::api::openapi::TenantParams, ("id" = i64, Path, description = "The endpoint's id"), LogQuery),
    responses(
        (status = 200, description = "OK", body = Envelope<Vec<OutboundDeliveryView>>),
        crate::api::openapi::responses::ScopedErrors,
    ),
    security(("session" = []), ("api_key" = [])),
)]
pub async fn deliveries(
    State(state): State<AppState>,
    scope: AdminScope,
    Path(id): Path<i64>,
    Query(q): Query<LogQuery>,
) -> Result<Json<Envelope<Vec<OutboundDeliveryView>>>, ApiError> {
    let tenant = scope.tenant;
    state.store.endpoint(tenant, id).await?.ok_or(ApiError::NotFound("endpoint not found"))?;
    let filter = DeliveryLogFilter { event_type: q.event_type, status: q.status, limit: q.limit.unwrap_or(100).clamp(1, 500) };
    Ok(Json(Envelope::ok(state.store.list_outbound_deliveries(tenant, id, &filter).await?)))
}

#[utoipa::path(
    post,
    path = "/api/webhooks/deliveries/{id}/resend",
    operation_id = "resend_delivery",
    tag = "Outbound webhooks",
    params(crate::api::openapi::TenantParams, ("id" = i64, Path, description = "The outbound delivery's id")),
    responses(
        (status = 200, description = "OK", body = Envelope<bool>),
        crate::api::openapi::responses::ScopedErrors,
    ),
    security(("session" = []), ("api_key" = [])),
)]
pub async fn resend(State(state): State<AppState>, scope: AdminScope, Path(id): Path<i64>) -> Result<Json<Envelope<bool>>, ApiError> {
    let tenant = scope.tenant;
    if !state.store.resend(tenant, id, Utc::now()).await? {
        return Err(ApiError::NotFound("delivery not found"));
    }
    Ok(Json(Envelope::ok(true)))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct RecoverRequest {
    since: chrono::DateTime<Utc>,
}

/// `POST /api/webhooks/endpoints/{id}/recover` `{"since"}`: sends again
/// every delivery to the endpoint that failed since then (once the
/// receiver is fixed), as Svix's recover does; answers how many.
#[utoipa::path(
    post,
    path = "/api/webhooks/endpoints/{id}/recover",
    operation_id = "recover_endpoint",
    tag = "Outbound webhooks",
    params(crate::api::openapi::TenantParams, ("id" = i64, Path, description = "The endpoint's id")),
    request_body = RecoverRequest,
    responses(
        (status = 200, description = "How many deliveries were queued again", body = Envelope<crate::api::openapi::JsonObject>),
        crate::api::openapi::responses::ScopedErrors,
        crate::api::openapi::responses::JsonBodyErrors,
    ),
    security(("session" = []), ("api_key" = [])),
)]
pub async fn recover(
    State(state): State<AppState>,
    scope: AdminScope,
    Path(id): Path<i64>,
    Json(req): Json<RecoverRequest>,
) -> Result<Json<Envelope<serde_json::Value>>, ApiError> {
    let tenant = scope.tenant;
    state.store.endpoint(tenant, id).await?.ok_or(ApiError::NotFound("endpoint not found"))?;
    let recovered = state.store.recover(tenant, id, req.since, Utc::now()).await?;
    let detail = format!("sent {recovered} failed deliveries to endpoint {id} again (failed since {})", req.since);
    super::log_activity(&state, &scope.principal, tenant, ActivityKind::DeliveriesRecovered, detail).await?;
    Ok(Json(Envelope::ok(json!({ "recovered": recovered }))))
}

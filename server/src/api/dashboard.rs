//! `GET /api/dashboard` and `GET /api/helpdesk/{room}`: what the live pages
//! load on every (re)connect.

use crate::auth::TenantScope;
use crate::error::ApiError;
use crate::state::AppState;
use app::protocol::{DashboardSummary, Envelope, Room};
use axum::extract::{Path, State};
use axum::Json;
use chrono::Utc;
use serde_json::Value;

#[utoipa::path(
    get,
    path = "/api/dashboard",
    operation_id = "dashboard",
    tag = "Dashboard",
    params(crate::api::openapi::TenantParams),
    responses(
        (status = 200, description = "OK", body = Envelope<DashboardSummary>),
        (status = 400, response = crate::api::openapi::responses::BadRequest),
        (status = 401, response = crate::api::openapi::responses::Unauthorized),
        (status = 404, response = crate::api::openapi::responses::NotFound),
        (status = 500, response = crate::api::openapi::responses::Internal),
    ),
    security(("session" = []), ("api_key" = []), ("channel_token" = [])),
)]
pub async fn summary(State(state): State<AppState>, scope: TenantScope) -> Result<Json<Envelope<DashboardSummary>>, ApiError> {
    let tenant = scope.tenant;
    Ok(Json(Envelope::ok(state.store.dashboard(tenant, Utc::now()).await?)))
}

#[utoipa::path(
    get,
    path = "/api/helpdesk/{room}",
    operation_id = "helpdesk_room",
    tag = "Dashboard",
    params(crate::api::openapi::TenantParams, ("room" = Room, Path, description = "The helpdesk room")),
    responses(
        (status = 200, description = "The room's latest entities, as their webhooks sent them", body = Envelope<Vec<crate::api::openapi::JsonObject>>),
        (status = 400, response = crate::api::openapi::responses::BadRequest),
        (status = 401, response = crate::api::openapi::responses::Unauthorized),
        (status = 404, response = crate::api::openapi::responses::NotFound),
        (status = 500, response = crate::api::openapi::responses::Internal),
    ),
    security(("session" = []), ("api_key" = []), ("channel_token" = [])),
)]
pub async fn entities(
    State(state): State<AppState>,
    scope: TenantScope,
    Path(room): Path<Room>,
) -> Result<Json<Envelope<Vec<Value>>>, ApiError> {
    let tenant = scope.tenant;
    Ok(Json(Envelope::ok(state.store.list_entities(tenant, room, 200).await?)))
}

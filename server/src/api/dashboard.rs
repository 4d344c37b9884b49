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

pub async fn summary(State(state): State<AppState>, scope: TenantScope) -> Result<Json<Envelope<DashboardSummary>>, ApiError> {
    let tenant = scope.tenant;
    Ok(Json(Envelope::ok(state.store.dashboard(tenant, Utc::now()).await?)))
}

pub async fn entities(
    State(state): State<AppState>,
    scope: TenantScope,
    Path(room): Path<Room>,
) -> Result<Json<Envelope<Vec<Value>>>, ApiError> {
    let tenant = scope.tenant;
    Ok(Json(Envelope::ok(state.store.list_entities(tenant, room, 200).await?)))
}

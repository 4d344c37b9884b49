//! `GET /api/dashboard` and `GET /api/helpdesk/{room}`: what the live pages
//! load on every (re)connect.

use crate::auth::Principal;
use crate::error::ApiError;
use crate::state::AppState;
use app::protocol::{DashboardSummary, Envelope, Room};
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::Json;
use chrono::Utc;
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantQuery {
    tenant_id: Option<String>,
}

pub async fn summary(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    Query(q): Query<TenantQuery>,
) -> Result<Json<Envelope<DashboardSummary>>, ApiError> {
    let tenant = principal.select_tenant(q.tenant_id, &headers)?;
    Ok(Json(Envelope::ok(state.store.dashboard(tenant, Utc::now()).await?)))
}

pub async fn entities(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    Path(room): Path<Room>,
    Query(q): Query<TenantQuery>,
) -> Result<Json<Envelope<Vec<Value>>>, ApiError> {
    let tenant = principal.select_tenant(q.tenant_id, &headers)?;
    Ok(Json(Envelope::ok(state.store.list_entities(tenant, room, 200).await?)))
}

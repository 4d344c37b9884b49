//! `GET /api/admin/webhook-stats`: what arrived and what became of it.

use crate::error::ApiError;
use crate::state::AppState;
use crate::store::DeliveryStats;
use axum::extract::State;
use axum::Json;
use chrono::Utc;

pub async fn show(State(state): State<AppState>) -> Result<Json<DeliveryStats>, ApiError> {
    Ok(Json(state.store.delivery_stats(Utc::now()).await?))
}

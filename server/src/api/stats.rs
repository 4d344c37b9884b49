//! `GET /api/admin/webhook-stats`: what arrived and what became of it.

use crate::auth::Staff;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::DeliveryStats;
use axum::extract::State;
use axum::Json;
use chrono::Utc;

pub async fn show(State(state): State<AppState>, staff: Staff) -> Result<Json<DeliveryStats>, ApiError> {
    staff.operator()?;
    Ok(Json(state.store.delivery_stats(Utc::now()).await?))
}

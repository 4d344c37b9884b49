//! `GET /api/admin/webhook-stats`: what arrived and what became of it.

use crate::auth::Staff;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::DeliveryStats;
use axum::extract::State;
use axum::Json;
use chrono::Utc;

#[utoipa::path(
    get,
    path = "/api/admin/webhook-stats",
    operation_id = "webhook_stats",
    tag = "Deliveries",
    responses(
        (status = 200, description = "OK", body = DeliveryStats),
        (status = 401, response = crate::api::openapi::responses::Unauthorized),
        (status = 403, response = crate::api::openapi::responses::Forbidden),
        (status = 500, response = crate::api::openapi::responses::Internal),
    ),
    security(("session" = [])),
)]
pub async fn show(State(state): State<AppState>, staff: Staff) -> Result<Json<DeliveryStats>, ApiError> {
    staff.operator()?;
    Ok(Json(state.store.delivery_stats(Utc::now()).await?))
}

//! `GET /api/admin/webhook-deliveries`: the delivery log, including topics
//! no page uses yet (credentials, proofs), so operators can inspect them.

use crate::auth::Staff;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{DeliveryFilter, DeliverySummary};
use app::protocol::DeliveryStatus;
use axum::extract::{Query, State};
use axum::Json;
use serde::Deserialize;

const DEFAULT_LIMIT: i64 = 50;
const MAX_LIMIT: i64 = 500;

#[derive(Deserialize)]
pub struct ListQuery {
    topic: Option<String>,
    status: Option<DeliveryStatus>,
    limit: Option<i64>,
}

pub async fn list(
    State(state): State<AppState>,
    staff: Staff,
    Query(query): Query<ListQuery>,
) -> Result<Json<Vec<DeliverySummary>>, ApiError> {
    staff.operator()?;
    let filter = DeliveryFilter {
        topic: query.topic.filter(|t| !t.is_empty()),
        status: query.status,
        limit: query.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT),
    };
    Ok(Json(state.store.list_deliveries(&filter).await?))
}

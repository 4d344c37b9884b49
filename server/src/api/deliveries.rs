//! `/api/admin/webhook-deliveries`: the delivery log for operators,
//! including topics no page uses yet (credentials, proofs); one delivery
//! with its payload (credentials redacted); and replaying deliveries.

use crate::auth::Staff;
use crate::error::ApiError;
use crate::events::Lane;
use crate::state::AppState;
use crate::store::{Activity, DeliveryFilter, DeliverySummary};
use app::protocol::{ActivityKind, DeliveryDetail, DeliveryStatus, Envelope, MinuteCounts, Replayed};
use axum::extract::{Path, Query, State};
use axum::Json;
use chrono::Utc;
use serde::Deserialize;
use serde_json::Value;

const DEFAULT_LIMIT: i64 = 50;
const MAX_LIMIT: i64 = 500;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    topic: Option<String>,
    status: Option<DeliveryStatus>,
    limit: Option<i64>,
}

#[utoipa::path(
    get,
    path = "/api/admin/webhook-deliveries",
    operation_id = "list_deliveries",
    tag = "Deliveries",
    params(ListQuery),
    responses(
        (status = 200, description = "OK", body = Vec<DeliverySummary>),
        (status = 400, response = crate::api::openapi::responses::BadRequest),
        (status = 401, response = crate::api::openapi::responses::Unauthorized),
        (status = 403, response = crate::api::openapi::responses::Forbidden),
        (status = 500, response = crate::api::openapi::responses::Internal),
    ),
    security(("session" = [])),
)]
pub async fn list(
    State(state): State<AppState>,
    staff: Staff,
    Query(query): Query<ListQuery>,
) -> Result<Json<Vec<DeliverySummary>>, ApiError> {
    staff.operator()?;
    Ok(Json(state.store.list_deliveries(&filter(query.topic, query.status, query.limit)).await?))
}

/// What the log lists: a topic (or family), a status, at most `limit`.
fn filter(topic: Option<String>, status: Option<DeliveryStatus>, limit: Option<i64>) -> DeliveryFilter {
    DeliveryFilter { topic: topic.filter(|t| !t.is_empty()), status, limit: limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT) }
}

/// `GET /api/admin/webhook-deliveries/timeline`: the last 24 hours, per
/// minute: received, applied, failed.
#[utoipa::path(
    get,
    path = "/api/admin/webhook-deliveries/timeline",
    operation_id = "delivery_timeline",
    tag = "Deliveries",
    responses(
        (status = 200, description = "Per minute of the last 24 hours: received, applied, failed", body = Envelope<Vec<MinuteCounts>>),
        (status = 401, response = crate::api::openapi::responses::Unauthorized),
        (status = 403, response = crate::api::openapi::responses::Forbidden),
        (status = 500, response = crate::api::openapi::responses::Internal),
    ),
    security(("session" = [])),
)]
pub async fn timeline(State(state): State<AppState>, staff: Staff) -> Result<Json<Envelope<Vec<MinuteCounts>>>, ApiError> {
    staff.operator()?;
    Ok(Json(Envelope::ok(state.store.delivery_timeline(Utc::now() - chrono::Duration::hours(24)).await?)))
}

/// `GET /api/admin/webhook-deliveries/{id}`: one delivery and its payload,
/// pretty-printed, with anything that looks like a credential redacted.
#[utoipa::path(
    get,
    path = "/api/admin/webhook-deliveries/{id}",
    operation_id = "show_delivery",
    tag = "Deliveries",
    params(("id" = i64, Path, description = "The delivery's id")),
    responses(
        (status = 200, description = "OK", body = Envelope<DeliveryDetail>),
        crate::api::openapi::responses::ScopedErrors,
    ),
    security(("session" = [])),
)]
pub async fn show(State(state): State<AppState>, staff: Staff, Path(id): Path<i64>) -> Result<Json<Envelope<DeliveryDetail>>, ApiError> {
    staff.operator()?;
    let (summary, body) = state.store.delivery(id).await?.ok_or(ApiError::NotFound("delivery not found"))?;
    let payload = match serde_json::from_slice::<Value>(&body) {
        Ok(mut value) => {
            redact(&mut value);
            serde_json::to_string_pretty(&value).unwrap_or_default()
        }
        // Purged by retention (or never JSON): say so rather than show bytes.
        Err(_) if body.is_empty() => String::new(),
        Err(_) => "(not JSON)".into(),
    };
    Ok(Json(Envelope::ok(DeliveryDetail { summary, payload })))
}

/// Replaces the value of every key that names a credential.
fn redact(value: &mut Value) {
    const SECRET_WORDS: [&str; 6] = ["secret", "token", "password", "apikey", "api_key", "authorization"];
    match value {
        Value::Object(map) => {
            for (key, inner) in map.iter_mut() {
                let key = key.to_ascii_lowercase();
                if SECRET_WORDS.iter().any(|w| key.contains(w)) {
                    *inner = Value::String("[redacted]".into());
                } else {
                    redact(inner);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ReplayRequest {
    /// These deliveries; or, without them, those the filter lists.
    ids: Option<Vec<i64>>,
    topic: Option<String>,
    status: Option<DeliveryStatus>,
    limit: Option<i64>,
}

/// `POST /api/admin/webhook-deliveries/replay`: applies deliveries again,
/// through the same path and the same deduplication as the first time
/// (nothing they caused happens twice), and logs who did.
#[utoipa::path(
    post,
    path = "/api/admin/webhook-deliveries/replay",
    operation_id = "replay_deliveries",
    tag = "Deliveries",
    request_body = ReplayRequest,
    responses(
        (status = 200, description = "OK", body = Envelope<Replayed>),
        (status = 401, response = crate::api::openapi::responses::Unauthorized),
        (status = 403, response = crate::api::openapi::responses::Forbidden),
        (status = 500, response = crate::api::openapi::responses::Internal),
        crate::api::openapi::responses::JsonBodyErrors,
    ),
    security(("session" = [])),
)]
pub async fn replay(
    State(state): State<AppState>,
    staff: Staff,
    Json(req): Json<ReplayRequest>,
) -> Result<Json<Envelope<Replayed>>, ApiError> {
    let staff = staff.operator()?;
    let ids = match req.ids {
        Some(ids) => ids,
        None => state.store.list_deliveries(&filter(req.topic, req.status, req.limit)).await?.into_iter().map(|d| d.id).collect(),
    };
    let replayed = state.store.replay_deliveries(&ids).await?;
    for lane in Lane::ALL {
        state.deliveries.claim(lane, replayed.iter().filter(|(_, p)| p.lane() == lane).map(|(id, _)| *id).collect());
    }
    let listed: Vec<String> = replayed.iter().take(20).map(|(id, _)| id.to_string()).collect();
    let more = if replayed.len() > listed.len() { " …" } else { "" };
    let detail = format!("replayed {} deliveries: {}{more}", replayed.len(), listed.join(", "));
    let activity =
        Activity { tenant: Some(state.settings.connect_tenant), actor: Some(&staff.email), kind: ActivityKind::DeliveriesReplayed, detail };
    state.store.log_activity(&activity, Utc::now()).await?;
    Ok(Json(Envelope::ok(Replayed { replayed: replayed.len() })))
}

//! The WhatsApp JSON API (seed 003's contract plus sending):
//! `POST /api/whatsapp/messages` registers a message sent elsewhere,
//! `GET /api/whatsapp/messages` and `GET /api/whatsapp/incoming` list a
//! college's messages and replies, `POST /api/whatsapp/send` sends a
//! template through the Graph API from one of the college's numbers.
//!
//! A `wamid` belongs to one tenant: registering one another tenant holds
//! answers `409` and nothing else. Phone numbers are normalised to E.164
//! digits on the way in.

use crate::auth::Principal;
use crate::error::ApiError;
use crate::events::{Change, Lane, Provider};
use crate::state::AppState;
use crate::store::{self, NewOutgoing, SendingNumber};
use app::protocol::{normalize_phone, CollegeId, Envelope, IncomingMessage, OutgoingMessage};
use axum::extract::{Query, State};
use axum::Json;
use chrono::Utc;
use serde::Deserialize;

const LIST_LIMIT: i64 = 200;

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct CollegeQuery {
    college_id: Option<CollegeId>,
}

/// The college asked for, if the caller may see it (404 otherwise).
fn college(principal: &Principal, college: Option<CollegeId>) -> Result<CollegeId, ApiError> {
    let college = college.filter(|c| !c.as_str().is_empty()).ok_or(ApiError::BadRequest("collegeId is required".into()))?;
    Ok(principal.tenant(&college)?.into())
}

/// `field` as E.164 digits, or a 400 naming it.
fn phone(field: &str, raw: &str) -> Result<String, ApiError> {
    normalize_phone(raw).map_err(|e| ApiError::BadRequest(format!("`{field}` {e}")))
}

#[utoipa::path(
    get,
    path = "/api/whatsapp/messages",
    operation_id = "list_whatsapp_messages",
    tag = "WhatsApp",
    params(CollegeQuery),
    responses(
        (status = 200, description = "OK", body = Envelope<Vec<OutgoingMessage>>),
        (status = 400, response = crate::api::openapi::responses::BadRequest),
        (status = 401, response = crate::api::openapi::responses::Unauthorized),
        (status = 404, response = crate::api::openapi::responses::NotFound),
        (status = 500, response = crate::api::openapi::responses::Internal),
    ),
    security(("session" = []), ("api_key" = [])),
)]
pub async fn list_messages(
    State(state): State<AppState>,
    principal: Principal,
    Query(query): Query<CollegeQuery>,
) -> Result<Json<Envelope<Vec<OutgoingMessage>>>, ApiError> {
    let college = college(&principal, query.college_id)?;
    Ok(Json(Envelope::ok(state.store.list_outgoing(&college, LIST_LIMIT).await?)))
}

#[utoipa::path(
    get,
    path = "/api/whatsapp/incoming",
    operation_id = "list_whatsapp_incoming",
    tag = "WhatsApp",
    params(CollegeQuery),
    responses(
        (status = 200, description = "OK", body = Envelope<Vec<IncomingMessage>>),
        (status = 400, response = crate::api::openapi::responses::BadRequest),
        (status = 401, response = crate::api::openapi::responses::Unauthorized),
        (status = 404, response = crate::api::openapi::responses::NotFound),
        (status = 500, response = crate::api::openapi::responses::Internal),
    ),
    security(("session" = []), ("api_key" = [])),
)]
pub async fn list_incoming(
    State(state): State<AppState>,
    principal: Principal,
    Query(query): Query<CollegeQuery>,
) -> Result<Json<Envelope<Vec<IncomingMessage>>>, ApiError> {
    let college = college(&principal, query.college_id)?;
    Ok(Json(Envelope::ok(state.store.list_incoming(&college, LIST_LIMIT).await?)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegisterRequest {
    college_id: CollegeId,
    to: String,
    whatsapp_message_id: String,
    #[serde(default)]
    template: Option<String>,
    /// The business number it was sent from; one of the college's.
    #[serde(default)]
    phone_number_id: Option<String>,
}

/// Registers a message sent by another system, so its statuses show here.
#[utoipa::path(
    post,
    path = "/api/whatsapp/messages",
    operation_id = "register_whatsapp_message",
    tag = "WhatsApp",
    request_body = RegisterRequest,
    responses(
        (status = 200, description = "OK", body = Envelope<OutgoingMessage>),
        (status = 409, response = crate::api::openapi::responses::Conflict),
        crate::api::openapi::responses::ScopedErrors,
        crate::api::openapi::responses::JsonBodyErrors,
    ),
    security(("session" = []), ("api_key" = [])),
)]
pub async fn register_message(
    State(state): State<AppState>,
    principal: Principal,
    Json(req): Json<RegisterRequest>,
) -> Result<Json<Envelope<OutgoingMessage>>, ApiError> {
    let college_id = college(&principal, Some(req.college_id))?;
    let wamid = req.whatsapp_message_id.trim();
    if wamid.is_empty() {
        return Err(ApiError::BadRequest("`whatsappMessageId` is required".into()));
    }
    let to = phone("to", &req.to)?;
    let phone_number_id = match req.phone_number_id.filter(|p| !p.trim().is_empty()) {
        Some(asked) => Some(own_number(&state, &college_id, Some(&asked)).await?.phone_number_id),
        None => None,
    };
    let message = NewOutgoing { college_id, to, template: req.template, wamid: wamid.to_owned(), phone_number_id, created_at: Utc::now() };
    Ok(Json(Envelope::ok(track(&state, message).await?)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SendRequest {
    college_id: CollegeId,
    to: String,
    template: String,
    #[serde(default = "default_language")]
    language: String,
    /// Which of the college's numbers to send from (default: its first).
    #[serde(default)]
    phone_number_id: Option<String>,
}

fn default_language() -> String {
    "en_US".into()
}

/// One of the college's numbers (`asked`, or its first), or a 4xx that
/// names no other tenant's.
async fn own_number(state: &AppState, college: &CollegeId, asked: Option<&str>) -> Result<SendingNumber, ApiError> {
    let tenant = college.tenant().ok_or(ApiError::NotFound("tenant not found"))?;
    let asked = asked.map(str::trim).filter(|p| !p.is_empty());
    match state.store.sending_number(tenant, asked).await? {
        Some(number) => Ok(number),
        None if asked.is_some() => Err(ApiError::NotFound("phone number not found")),
        None => Err(ApiError::Conflict("this college has no WhatsApp number yet: add one in /settings")),
    }
}

/// Sends a template from one of the college's numbers and tracks it from
/// the clock onwards.
#[utoipa::path(
    post,
    path = "/api/whatsapp/send",
    operation_id = "send_whatsapp",
    tag = "WhatsApp",
    request_body = SendRequest,
    responses(
        (status = 200, description = "Sent; its statuses follow on `/ws/whatsapp` and `whatsapp.status` events", body = Envelope<OutgoingMessage>),
        (status = 409, response = crate::api::openapi::responses::Conflict),
        crate::api::openapi::responses::ScopedErrors,
        crate::api::openapi::responses::JsonBodyErrors,
    ),
    security(("session" = []), ("api_key" = [])),
)]
pub async fn send(
    State(state): State<AppState>,
    principal: Principal,
    Json(req): Json<SendRequest>,
) -> Result<Json<Envelope<OutgoingMessage>>, ApiError> {
    let college_id = college(&principal, Some(req.college_id))?;
    let to = phone("to", &req.to)?;
    let template = req.template.trim();
    if template.is_empty() {
        return Err(ApiError::BadRequest("`template` is required".into()));
    }
    let number = own_number(&state, &college_id, req.phone_number_id.as_deref()).await?;
    let wamid = state.sender.send_template(&number, &to, template, &req.language).await.map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let message = NewOutgoing {
        college_id,
        to,
        template: Some(template.to_owned()),
        wamid,
        phone_number_id: Some(number.phone_number_id),
        created_at: Utc::now(),
    };
    Ok(Json(Envelope::ok(track(&state, message).await?)))
}

/// Stores an outgoing message, shows it on the college's pages, and applies
/// any statuses that arrived before it was known. A `wamid` another college
/// holds is refused with nothing disclosed. One unit of work: a status
/// being kept unmatched meanwhile is either requeued here or sees the
/// message.
async fn track(state: &AppState, message: NewOutgoing) -> Result<OutgoingMessage, ApiError> {
    let (tracked, outbox) = store::run(state.store.as_ref(), move |tx| {
        let (stored, created) = tx.insert_outgoing(&message)?;
        if stored.college_id != message.college_id {
            return Ok(None);
        }
        let mut requeued = Vec::new();
        if created {
            let change = Change::MessageStatus { college_id: stored.college_id.clone(), message: stored.clone(), at: stored.created_at };
            tx.publish(change)?;
            requeued = tx.requeue_unmatched(Provider::WhatsApp, &stored.whatsapp_message_id)?;
        }
        Ok(Some((stored, requeued)))
    })
    .await?;
    state.relay.publish(outbox);
    let (stored, requeued) = tracked.ok_or(ApiError::Conflict("this whatsappMessageId is already registered"))?;
    state.deliveries.claim(Lane::WhatsApp, requeued);
    Ok(stored)
}

//! The WhatsApp JSON API (seed 003's contract plus sending):
//! `POST /api/whatsapp/messages` registers a message sent elsewhere,
//! `GET /api/whatsapp/messages` and `GET /api/whatsapp/incoming` list a
//! college's messages and replies, `POST /api/whatsapp/send` sends a
//! template through the Graph API.

use crate::auth::Principal;
use crate::bus::Event;
use crate::error::ApiError;
use crate::intake::whatsapp as wa_intake;
use crate::intake::whatsapp_payload::status_key_prefix;
use crate::process::lanes::Lane;
use crate::state::AppState;
use crate::store::NewOutgoing;
use app::protocol::{CollegeId, Envelope, IncomingMessage, OutgoingMessage};
use axum::extract::{Query, State};
use axum::Json;
use chrono::Utc;
use serde::Deserialize;

const LIST_LIMIT: i64 = 200;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CollegeQuery {
    college_id: Option<CollegeId>,
}

/// The college asked for, if the caller may see it (404 otherwise).
fn college(principal: &Principal, college: Option<CollegeId>) -> Result<CollegeId, ApiError> {
    let college = college.filter(|c| !c.as_str().is_empty()).ok_or(ApiError::BadRequest("collegeId is required".into()))?;
    Ok(principal.tenant(&college)?.into())
}

pub async fn list_messages(
    State(state): State<AppState>,
    principal: Principal,
    Query(query): Query<CollegeQuery>,
) -> Result<Json<Envelope<Vec<OutgoingMessage>>>, ApiError> {
    let college = college(&principal, query.college_id)?;
    Ok(Json(Envelope::ok(state.store.list_outgoing(&college, LIST_LIMIT).await?)))
}

pub async fn list_incoming(
    State(state): State<AppState>,
    principal: Principal,
    Query(query): Query<CollegeQuery>,
) -> Result<Json<Envelope<Vec<IncomingMessage>>>, ApiError> {
    let college = college(&principal, query.college_id)?;
    Ok(Json(Envelope::ok(state.store.list_incoming(&college, LIST_LIMIT).await?)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisterRequest {
    college_id: CollegeId,
    to: String,
    whatsapp_message_id: String,
    #[serde(default)]
    template: Option<String>,
}

/// Registers a message sent by another system, so its statuses show here.
pub async fn register_message(
    State(state): State<AppState>,
    principal: Principal,
    Json(req): Json<RegisterRequest>,
) -> Result<Json<Envelope<OutgoingMessage>>, ApiError> {
    let college_id = college(&principal, Some(req.college_id))?;
    if req.whatsapp_message_id.trim().is_empty() {
        return Err(ApiError::BadRequest("whatsappMessageId is required".into()));
    }
    let message = NewOutgoing {
        college_id,
        to: req.to,
        template: req.template,
        wamid: req.whatsapp_message_id,
        created_at: Utc::now(),
    };
    Ok(Json(Envelope::ok(track(&state, message).await?)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendRequest {
    college_id: CollegeId,
    to: String,
    template: String,
    #[serde(default = "default_language")]
    language: String,
}

fn default_language() -> String {
    "en_US".into()
}

/// Sends a template and tracks it from the clock onwards.
pub async fn send(
    State(state): State<AppState>,
    principal: Principal,
    Json(req): Json<SendRequest>,
) -> Result<Json<Envelope<OutgoingMessage>>, ApiError> {
    let college_id = college(&principal, Some(req.college_id))?;
    let to: String = req.to.chars().filter(char::is_ascii_digit).collect();
    if to.is_empty() || req.template.trim().is_empty() {
        return Err(ApiError::BadRequest("`to` (a phone number) and `template` are required".into()));
    }
    let wamid = state
        .sender
        .send_template(&to, req.template.trim(), &req.language)
        .await
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let message = NewOutgoing {
        college_id,
        to,
        template: Some(req.template.trim().to_owned()),
        wamid,
        created_at: Utc::now(),
    };
    Ok(Json(Envelope::ok(track(&state, message).await?)))
}

/// Stores an outgoing message, shows it on the college's pages, and applies
/// any statuses that arrived before it was known.
async fn track(state: &AppState, message: NewOutgoing) -> Result<OutgoingMessage, ApiError> {
    let (stored, created) = state.store.insert_outgoing(&message).await?;
    if created {
        let event = Event::MessageStatus { college_id: stored.college_id.clone(), message: stored.clone(), at: stored.created_at };
        state.bus.publish(event).await?;
        for id in state.store.requeue_unmatched(wa_intake::PROVIDER, &status_key_prefix(&stored.whatsapp_message_id)).await? {
            state.deliveries.send(Lane::WhatsApp, id);
        }
    }
    Ok(stored)
}

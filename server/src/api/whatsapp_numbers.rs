//! A tenant's WhatsApp business numbers, for its admins (`/settings`):
//! `GET`/`POST /api/whatsapp/numbers`, `DELETE /api/whatsapp/numbers/{id}`.
//! Inbound statuses and replies are routed by these numbers; the
//! environment's number is the default tenant's and is shown, not edited.
//! An access token, once saved, is never shown again.

use super::log_activity;
use crate::auth::AdminScope;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::NewNumber;
use app::protocol::{normalize_phone, ActivityKind, Envelope, NewWhatsAppNumber, WhatsAppNumber};
use axum::extract::{Path, State};
use axum::Json;
use chrono::Utc;
use secrecy::SecretString;

#[utoipa::path(
    get,
    path = "/api/whatsapp/numbers",
    operation_id = "list_whatsapp_numbers",
    tag = "WhatsApp",
    params(crate::api::openapi::TenantParams),
    responses(
        (status = 200, description = "OK", body = Envelope<Vec<WhatsAppNumber>>),
        (status = 401, response = crate::api::openapi::responses::Unauthorized),
        (status = 403, response = crate::api::openapi::responses::Forbidden),
        (status = 404, response = crate::api::openapi::responses::NotFound),
        (status = 500, response = crate::api::openapi::responses::Internal),
    ),
    security(("session" = []), ("api_key" = [])),
)]
pub async fn list(State(state): State<AppState>, scope: AdminScope) -> Result<Json<Envelope<Vec<WhatsAppNumber>>>, ApiError> {
    Ok(Json(Envelope::ok(state.store.whatsapp_numbers(scope.tenant).await?)))
}

/// Checks a new number: Meta's id is digits, the display number a phone
/// number, a token (if any) one line of text.
fn parse(req: NewWhatsAppNumber) -> Result<NewNumber, ApiError> {
    let id = req.phone_number_id.trim();
    if id.is_empty() || id.len() > 32 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::BadRequest("`phoneNumberId` must be Meta's phone number id (digits)".into()));
    }
    let display = normalize_phone(&req.display_number).map_err(|e| ApiError::BadRequest(format!("`displayNumber` {e}")))?;
    let token = req.access_token.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
    if token.as_ref().is_some_and(|t| t.len() > 1024 || t.chars().any(char::is_whitespace)) {
        return Err(ApiError::BadRequest("`accessToken` must be one token, without spaces".into()));
    }
    Ok(NewNumber { phone_number_id: id.to_owned(), display_number: display, access_token: token.map(SecretString::from) })
}

#[utoipa::path(
    post,
    path = "/api/whatsapp/numbers",
    operation_id = "add_whatsapp_number",
    tag = "WhatsApp",
    params(crate::api::openapi::TenantParams),
    request_body = NewWhatsAppNumber,
    responses(
        (status = 200, description = "OK", body = Envelope<WhatsAppNumber>),
        (status = 409, response = crate::api::openapi::responses::Conflict),
        crate::api::openapi::responses::ScopedErrors,
        crate::api::openapi::responses::JsonBodyErrors,
    ),
    security(("session" = []), ("api_key" = [])),
)]
pub async fn add(
    State(state): State<AppState>,
    scope: AdminScope,
    Json(req): Json<NewWhatsAppNumber>,
) -> Result<Json<Envelope<WhatsAppNumber>>, ApiError> {
    let number = parse(req)?;
    let added = state
        .store
        .add_whatsapp_number(scope.tenant, &number, Utc::now())
        .await?
        .ok_or(ApiError::Conflict("this tenant already has this number"))?;
    let detail = format!("added WhatsApp number {} ({})", added.display_number, added.phone_number_id);
    log_activity(&state, &scope.principal, scope.tenant, ActivityKind::SettingsChanged, detail).await?;
    Ok(Json(Envelope::ok(added)))
}

#[utoipa::path(
    delete,
    path = "/api/whatsapp/numbers/{id}",
    operation_id = "remove_whatsapp_number",
    tag = "WhatsApp",
    params(crate::api::openapi::TenantParams, ("id" = i64, Path, description = "The number's id")),
    responses(
        (status = 200, description = "OK", body = Envelope<bool>),
        crate::api::openapi::responses::ScopedErrors,
    ),
    security(("session" = []), ("api_key" = [])),
)]
pub async fn remove(State(state): State<AppState>, scope: AdminScope, Path(id): Path<i64>) -> Result<Json<Envelope<bool>>, ApiError> {
    if !state.store.remove_whatsapp_number(scope.tenant, id).await? {
        return Err(ApiError::NotFound("phone number not found"));
    }
    log_activity(&state, &scope.principal, scope.tenant, ActivityKind::SettingsChanged, format!("removed WhatsApp number #{id}")).await?;
    Ok(Json(Envelope::ok(true)))
}

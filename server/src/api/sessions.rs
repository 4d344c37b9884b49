//! `POST /api/connections/session` and `GET /api/connections/session`.

use crate::error::ApiError;
use crate::events::{Lane, Provider};
use crate::state::AppState;
use crate::store::{self, NewSession};
use app::protocol::{CreateSessionRequest, CreatedSession, Envelope, SessionId, SessionView};
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::HeaderMap;
use axum::Json;
use chrono::Utc;
use serde::Deserialize;
use std::net::SocketAddr;

/// Starts a connect flow with its own single-use invitation. The body is
/// optional; when present it must be valid JSON.
/// Limited per client address, since each one costs an invitation on the
/// wallet platform. Session ids are the right to watch a session, so they
/// are logged at debug level only.
#[utoipa::path(
    post,
    path = "/api/connections/session",
    operation_id = "create_session",
    tag = "Connect",
    request_body(content = Option<CreateSessionRequest>, description = "Optional: an empty body asks for a registration.", content_type = "application/json"),
    responses(
        (status = 200, description = "The session and its single-use invitation", body = Envelope<CreatedSession>),
        (status = 400, response = crate::api::openapi::responses::BadRequest),
        (status = 413, response = crate::api::openapi::responses::BodyTooLarge),
        (status = 429, response = crate::api::openapi::responses::TooManyRequests),
        (status = 500, response = crate::api::openapi::responses::Internal),
        (status = 502, response = crate::api::openapi::responses::BadGateway),
    ),
)]
pub async fn create(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Envelope<CreatedSession>>, ApiError> {
    if state.limits.new_sessions.check_key(&state.client_ip(peer, &headers)).is_err() {
        return Err(ApiError::TooManyRequests);
    }
    let request: CreateSessionRequest = if body.iter().all(u8::is_ascii_whitespace) {
        CreateSessionRequest::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| ApiError::BadRequest(format!("invalid JSON: {e}")))?
    };
    let invitation = state.platform.create_invitation(&state.settings.organization_label).await?;
    let now = Utc::now();
    let ttl = chrono::Duration::from_std(state.settings.session_ttl).unwrap_or(chrono::Duration::minutes(15));
    let session = NewSession {
        session_id: SessionId::new(crate::random_token(16)),
        request_type: request.request_type,
        invitation_url: invitation.url,
        out_of_band_id: invitation.out_of_band_id,
        invitation_id: invitation.invitation_id,
        created_at: now,
        expires_at: now + ttl,
    };
    // Connect events that arrived before their session (kept unmatched)
    // apply now: the insert and the requeue are one unit of work.
    let stored = session.clone();
    let (requeued, _) = store::run(state.store.as_ref(), move |tx| {
        tx.insert_session(&stored)?;
        let mut requeued = tx.requeue_unmatched(Provider::Platform, stored.out_of_band_id.as_str())?;
        if let Some(invitation) = &stored.invitation_id {
            requeued.extend(tx.requeue_unmatched(Provider::Platform, invitation)?);
        }
        Ok(requeued)
    })
    .await?;
    state.deliveries.claim(Lane::Connect, requeued);
    tracing::info!(request_type = ?session.request_type, "session created");
    tracing::debug!(session_id = %session.session_id, "session created");
    Ok(Json(Envelope::ok(CreatedSession {
        session_id: session.session_id,
        invitation_url: session.invitation_url,
        out_of_band_id: session.out_of_band_id,
        expires_at: session.expires_at,
    })))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct SessionQuery {
    session_id: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/connections/session",
    operation_id = "show_session",
    tag = "Connect",
    params(SessionQuery),
    responses(
        (status = 200, description = "OK", body = Envelope<SessionView>),
        (status = 400, response = crate::api::openapi::responses::BadRequest),
        (status = 404, response = crate::api::openapi::responses::NotFound),
        (status = 500, response = crate::api::openapi::responses::Internal),
    ),
)]
pub async fn show(State(state): State<AppState>, Query(query): Query<SessionQuery>) -> Result<Json<Envelope<SessionView>>, ApiError> {
    let id = query.session_id.filter(|s| !s.is_empty()).ok_or(ApiError::BadRequest("sessionId is required".into()))?;
    let session = state.store.session(&SessionId::new(id)).await?.ok_or(ApiError::NotFound("session not found"))?;
    Ok(Json(Envelope::ok(session)))
}

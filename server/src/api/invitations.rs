//! Accepting an invitation: `GET /api/invitations/{token}` shows what it is
//! for; `POST …/accept` joins the tenant. Signed in as the invited email,
//! the account joins; signed out with no account for that email, one is
//! created with the password given and signed in. An existing account must
//! sign in first: a link never hands over an account.

use crate::auth::{login, secrets, Staff, CSRF_HEADER};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{Activity, NewUser};
use app::protocol::{ActivityKind, Envelope, InvitationView, Me};
use axum::extract::{ConnectInfo, Path, State};
use axum::http::HeaderMap;
use axum::Json;
use axum_extra::extract::CookieJar;
use chrono::Utc;
use secrecy::SecretString;
use serde::Deserialize;
use std::net::SocketAddr;

/// Shortest password a new account may choose.
const MIN_PASSWORD: usize = 10;

#[utoipa::path(
    get,
    path = "/api/invitations/{token}",
    operation_id = "show_invitation",
    tag = "Tenants",
    params(("token" = String, Path, description = "The invitation link's token")),
    responses(
        (status = 200, description = "OK", body = Envelope<InvitationView>),
        (status = 404, response = crate::api::openapi::responses::NotFound),
        (status = 500, response = crate::api::openapi::responses::Internal),
    ),
)]
pub async fn show(State(state): State<AppState>, Path(token): Path<String>) -> Result<Json<Envelope<InvitationView>>, ApiError> {
    let open = state.store.open_invitation(&secrets::token_hash(&token), Utc::now()).await?;
    let open = open.ok_or(ApiError::NotFound("invitation not found, used or expired"))?;
    Ok(Json(Envelope::ok(InvitationView {
        tenant_name: open.tenant_name,
        email: open.email,
        role: open.role,
        expires_at: open.expires_at,
    })))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct AcceptRequest {
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    name: Option<String>,
}

#[utoipa::path(
    post,
    path = "/api/invitations/{token}/accept",
    operation_id = "accept_invitation",
    tag = "Tenants",
    params(("token" = String, Path, description = "The invitation link's token")),
    request_body = AcceptRequest,
    responses(
        (status = 200, description = "Joined; a new account is also signed in (session cookies set)", body = Envelope<Me>),
        (status = 400, response = crate::api::openapi::responses::BadRequest),
        (status = 403, response = crate::api::openapi::responses::Forbidden),
        (status = 404, response = crate::api::openapi::responses::NotFound),
        (status = 409, response = crate::api::openapi::responses::Conflict),
        (status = 500, response = crate::api::openapi::responses::Internal),
        crate::api::openapi::responses::JsonBodyErrors,
    ),
    security((), ("session" = [])),
)]
pub async fn accept(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
    headers: HeaderMap,
    jar: CookieJar,
    Json(req): Json<AcceptRequest>,
) -> Result<(CookieJar, Json<Envelope<Me>>), ApiError> {
    let hash = secrets::token_hash(&token);
    let now = Utc::now();
    let open = state.store.open_invitation(&hash, now).await?.ok_or(ApiError::NotFound("invitation not found, used or expired"))?;
    let signed_in = Staff::from_cookie(&headers, &state).await?;
    let user = match signed_in {
        Some(staff) => {
            let sent = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
            if !crate::intake::secret_matches(sent, &SecretString::from(staff.csrf_token.clone())) {
                return Err(ApiError::Forbidden("missing or wrong CSRF token"));
            }
            if !staff.email.eq_ignore_ascii_case(&open.email) {
                return Err(ApiError::Conflict("this invitation is for another email: sign out, then open the link again"));
            }
            staff.user_id
        }
        None => {
            if state.store.user_by_email(&open.email).await?.is_some() {
                return Err(ApiError::Conflict("this email has an account: sign in, then open the link again"));
            }
            let password = req.password.unwrap_or_default();
            if password.chars().count() < MIN_PASSWORD {
                return Err(ApiError::BadRequest(format!("`password` must have at least {MIN_PASSWORD} characters")));
            }
            let hash = secrets::hash_password(password).await?;
            let name = req.name.as_deref().map(str::trim).filter(|n| !n.is_empty());
            let new = NewUser { email: &open.email, name, password_hash: &hash, is_operator: false };
            state.store.create_user(&new, now).await?
        }
    };
    // Used before anything is granted, so two clicks admit one person.
    if !state.store.use_invitation(&hash, now).await? {
        return Err(ApiError::NotFound("invitation not found, used or expired"));
    }
    state.store.set_membership(user, open.tenant_id, open.role).await?;
    let activity = Activity {
        tenant: Some(open.tenant_id),
        actor: Some(&open.email),
        kind: ActivityKind::InvitationAccepted,
        detail: format!("{} joined", open.email),
    };
    state.store.log_activity(&activity, now).await?;
    let (jar, me) = login::start_session(&state, user, state.client_ip(peer, &headers), &headers, jar).await?;
    Ok((jar, Json(Envelope::ok(me))))
}

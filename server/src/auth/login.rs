//! `POST /api/auth/login`, `POST /api/auth/logout`, `GET /api/auth/me` and
//! `POST /api/realtime/token`.

use super::{channel_token, secrets, Principal, Staff, CSRF_COOKIE, SESSION_COOKIE};
use crate::error::ApiError;
use crate::events::Change;
use crate::events::Revocation;
use crate::state::AppState;
use crate::store::Activity;
use app::protocol::{ActivityKind, Envelope, Me};
use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::Json;
use axum_extra::extract::cookie::{Cookie, SameSite};
use axum_extra::extract::CookieJar;
use chrono::{Duration, Utc};
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, SocketAddr};

/// How long a sign-in lasts.
const SESSION_TTL: Duration = Duration::hours(12);
/// How long a channel token lasts: enough to open a socket, short if leaked.
const CHANNEL_TOKEN_TTL: Duration = Duration::minutes(10);

#[derive(Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    email: String,
    password: String,
}

/// Served over TLS (directly or behind a proxy that says so)?
fn is_https(headers: &HeaderMap) -> bool {
    headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()) == Some("https")
}

fn cookie(name: &'static str, value: String, http_only: bool, secure: bool) -> Cookie<'static> {
    Cookie::build((name, value))
        .path("/")
        .http_only(http_only)
        .secure(secure)
        .same_site(SameSite::Lax)
        // A browser-session cookie: the server ends the session after
        // SESSION_TTL in any case.
        .build()
}

fn me(staff: &Staff) -> Me {
    Me {
        user_id: staff.user_id,
        email: staff.email.clone(),
        name: staff.name.clone(),
        tenants: staff.tenants.clone(),
        is_operator: staff.is_operator,
        csrf_token: staff.csrf_token.clone(),
    }
}

/// Signs in. A wrong password and an unknown email answer the same, in the
/// same time; attempts are limited per account and per address.
#[utoipa::path(
    post,
    path = "/api/auth/login",
    operation_id = "login",
    tag = "Auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in: sets the `tidings_session` and `tidings_csrf` cookies", body = Envelope<Me>),
        (status = 401, response = crate::api::openapi::responses::Unauthorized),
        (status = 429, response = crate::api::openapi::responses::TooManyRequests),
        (status = 500, response = crate::api::openapi::responses::Internal),
        crate::api::openapi::responses::JsonBodyErrors,
    ),
)]
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    jar: CookieJar,
    Json(req): Json<LoginRequest>,
) -> Result<(CookieJar, Json<Envelope<Me>>), ApiError> {
    let email = req.email.trim().to_lowercase();
    let address = state.client_ip(peer, &headers);
    if state.auth.by_address.check_key(&address).is_err() || state.auth.by_account.check_key(&email).is_err() {
        tracing::warn!(%email, %address, "login rate-limited");
        return Err(ApiError::TooManyRequests);
    }
    let user = state.store.user_by_email(&email).await?;
    let hash = user.as_ref().map_or_else(|| state.auth.dummy_hash.clone(), |u| u.password_hash.clone());
    let matches = secrets::verify_password(req.password, hash).await;
    let Some(user) = user.filter(|_| matches) else {
        tracing::warn!(%email, "login refused");
        return Err(ApiError::Unauthorized);
    };
    let (jar, me) = start_session(&state, user.id, address, &headers, jar).await?;
    Ok((jar, Json(Envelope::ok(me))))
}

/// Signs `user` in: a new session, its cookies, and a line in each of the
/// user's tenants' activity logs.
pub async fn start_session(
    state: &AppState,
    user: i64,
    address: IpAddr,
    headers: &HeaderMap,
    jar: CookieJar,
) -> Result<(CookieJar, Me), ApiError> {
    let token = crate::random_token(32);
    let csrf = crate::random_token(16);
    let now = Utc::now();
    state.store.create_auth_session(&secrets::token_hash(&token), user, &csrf, now, now + SESSION_TTL).await?;
    let staff = Staff::from_cookie(&session_headers(&token), state).await?.ok_or(ApiError::Unauthorized)?;
    for t in &staff.tenants {
        let activity = Activity {
            tenant: Some(t.tenant_id),
            actor: Some(&staff.email),
            kind: ActivityKind::SignIn,
            detail: format!("signed in from {address}"),
        };
        state.store.log_activity(&activity, now).await?;
    }
    tracing::info!(email = %staff.email, "signed in");
    let secure = is_https(headers);
    let jar = jar.add(cookie(SESSION_COOKIE, token, true, secure)).add(cookie(CSRF_COOKIE, csrf, false, secure));
    Ok((jar, me(&staff)))
}

/// Headers carrying a session cookie, to load the session just created.
fn session_headers(token: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("cookie", format!("{SESSION_COOKIE}={token}").parse().expect("a valid header"));
    headers
}

/// Ends the sign-in, and closes the sockets it opened on every node.
#[utoipa::path(
    post,
    path = "/api/auth/logout",
    operation_id = "logout",
    tag = "Auth",
    responses(
        (status = 200, description = "Signed out; the sockets the sign-in opened close", body = Envelope<bool>),
        (status = 401, response = crate::api::openapi::responses::Unauthorized),
        (status = 403, response = crate::api::openapi::responses::Forbidden),
        (status = 500, response = crate::api::openapi::responses::Internal),
    ),
    security(("session" = [])),
)]
pub async fn logout(State(state): State<AppState>, staff: Staff, jar: CookieJar) -> Result<(CookieJar, Json<Envelope<bool>>), ApiError> {
    state.store.delete_auth_session(&staff.token_hash).await?;
    let revocation = Revocation::Session { token_hash: staff.token_hash.clone() };
    state.bus.publish(&Change::Revoked { revocation }, None).await?;
    for t in &staff.tenants {
        let activity =
            Activity { tenant: Some(t.tenant_id), actor: Some(&staff.email), kind: ActivityKind::SignOut, detail: "signed out".into() };
        state.store.log_activity(&activity, Utc::now()).await?;
    }
    let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/")).remove(Cookie::build(CSRF_COOKIE).path("/"));
    Ok((jar, Json(Envelope::ok(true))))
}

#[utoipa::path(
    get,
    path = "/api/auth/me",
    operation_id = "me",
    tag = "Auth",
    responses(
        (status = 200, description = "Who is signed in, with their tenants", body = Envelope<Me>),
        (status = 401, response = crate::api::openapi::responses::Unauthorized),
        (status = 500, response = crate::api::openapi::responses::Internal),
    ),
    security(("session" = [])),
)]
pub async fn current(staff: Staff) -> Json<Envelope<Me>> {
    Json(Envelope::ok(me(&staff)))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct TokenRequest {
    channel: String,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenResponse {
    token: String,
    expires_at: chrono::DateTime<Utc>,
}

/// Issues a channel token (`college:<id>`) to a signed-in page or a back end
/// with an API key, for a channel it may watch.
#[utoipa::path(
    post,
    path = "/api/realtime/token",
    operation_id = "realtime_token",
    tag = "Auth",
    request_body = TokenRequest,
    responses(
        (status = 200, description = "A short-lived channel token", body = TokenResponse),
        crate::api::openapi::responses::ScopedErrors,
        crate::api::openapi::responses::JsonBodyErrors,
    ),
    security(("session" = []), ("api_key" = [])),
)]
pub async fn realtime_token(
    State(state): State<AppState>,
    principal: Principal,
    Json(req): Json<TokenRequest>,
) -> Result<Json<TokenResponse>, ApiError> {
    let channel: channel_token::TokenChannel = req.channel.parse().map_err(ApiError::BadRequest)?;
    principal.tenant(&channel.tenant().into())?;
    let expires_at = Utc::now() + CHANNEL_TOKEN_TTL;
    let claims = channel_token::Claims { sub: principal.subject(), channel, exp: expires_at.timestamp() };
    Ok(Json(TokenResponse { token: channel_token::sign(&claims, &state.auth.channel_key), expires_at }))
}

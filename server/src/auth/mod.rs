//! Who is asking: staff signed in with a cookie session, or a tenant's back
//! end with an API key. Every staff page and API is scoped to the caller's
//! tenants; another tenant's id answers 404, never its data.
//!
//! - [`Staff`]: the cookie session (HttpOnly, SameSite=Lax, Secure behind
//!   TLS). State-changing requests must also carry the session's CSRF token
//!   in `X-CSRF-Token`.
//! - [`Principal`]: a [`Staff`] or `Authorization: Bearer <API key>`.
//! - [`channel_token`]: signed tokens that let a socket subscribe.

pub mod bootstrap;
pub mod channel_token;
pub mod login;
mod scope;
pub mod secrets;

pub use scope::{AdminScope, TenantScope};

use crate::error::ApiError;
use crate::state::AppState;
use app::protocol::{CollegeId, Role, TenantId, TenantMembership};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::HeaderMap;
use axum_extra::extract::CookieJar;
use chrono::Utc;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use secrecy::SecretString;
use std::num::NonZeroU32;

pub const SESSION_COOKIE: &str = "tidings_session";
pub const CSRF_COOKIE: &str = "tidings_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Login attempts allowed per minute, per account and per address.
const ATTEMPTS_PER_ACCOUNT: u32 = 5;
const ATTEMPTS_PER_ADDRESS: u32 = 20;

/// Authentication state shared by every request.
pub struct AuthKit {
    /// Signs channel tokens.
    pub channel_key: SecretString,
    pub by_account: DefaultKeyedRateLimiter<String>,
    pub by_address: DefaultKeyedRateLimiter<std::net::IpAddr>,
    /// Verified against when an email is unknown, so that answer takes as
    /// long as a wrong password.
    pub dummy_hash: String,
}

impl AuthKit {
    pub async fn new(channel_key: SecretString) -> anyhow::Result<Self> {
        let per_minute = |n| Quota::per_minute(NonZeroU32::new(n).expect("non-zero"));
        Ok(Self {
            channel_key,
            by_account: RateLimiter::keyed(per_minute(ATTEMPTS_PER_ACCOUNT)),
            by_address: RateLimiter::keyed(per_minute(ATTEMPTS_PER_ADDRESS)),
            dummy_hash: secrets::hash_password(crate::random_token(16)).await?,
        })
    }

    /// Forgets keys whose limits have recovered, so an address or account
    /// that tried once does not stay in memory for good.
    pub fn evict(&self) {
        self.by_account.retain_recent();
        self.by_account.shrink_to_fit();
        self.by_address.retain_recent();
        self.by_address.shrink_to_fit();
    }
}

/// A signed-in staff member.
#[derive(Clone, Debug)]
pub struct Staff {
    pub user_id: i64,
    pub is_operator: bool,
    pub email: String,
    pub name: Option<String>,
    pub tenants: Vec<TenantMembership>,
    pub csrf_token: String,
    pub token_hash: String,
    /// When the sign-in ends (sockets it opened close then).
    pub expires_at: chrono::DateTime<Utc>,
}

impl Staff {
    pub fn role_in(&self, tenant: TenantId) -> Option<Role> {
        self.tenants.iter().find(|t| t.tenant_id == tenant).map(|t| t.role)
    }

    /// The tenant `tenant` if this staff member administers it: 404 if they
    /// are not a member, 403 if they are staff only.
    pub fn admin_of(&self, tenant: TenantId) -> Result<TenantId, ApiError> {
        match self.role_in(tenant) {
            Some(Role::Admin) => Ok(tenant),
            Some(Role::Staff) => Err(ApiError::Forbidden("only the tenant's admins may do this")),
            None => Err(ApiError::NotFound("tenant not found")),
        }
    }

    /// Operators see the whole installation.
    pub fn operator(self) -> Result<Staff, ApiError> {
        if self.is_operator {
            Ok(self)
        } else {
            Err(ApiError::Forbidden("operators only"))
        }
    }

    /// Reads the session cookie, if any (sockets use this on the upgrade).
    pub async fn from_cookie(headers: &HeaderMap, state: &AppState) -> Result<Option<Staff>, ApiError> {
        let jar = CookieJar::from_headers(headers);
        let Some(token) = jar.get(SESSION_COOKIE).map(|c| c.value().to_owned()) else { return Ok(None) };
        let token_hash = secrets::token_hash(&token);
        let Some(session) = state.store.auth_session(&token_hash, Utc::now()).await? else { return Ok(None) };
        let Some(user) = state.store.user_by_id(session.user_id).await? else { return Ok(None) };
        Ok(Some(Staff {
            tenants: state.store.memberships(user.id).await?,
            user_id: user.id,
            is_operator: user.is_operator,
            email: user.email,
            name: user.name,
            csrf_token: session.csrf_token,
            token_hash,
            expires_at: session.expires_at,
        }))
    }
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let staff = Staff::from_cookie(&parts.headers, state).await?.ok_or(ApiError::Unauthorized)?;
        if !parts.method.is_safe() {
            let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
            if !crate::intake::secret_matches(sent, &SecretString::from(staff.csrf_token.clone())) {
                return Err(ApiError::Forbidden("missing or wrong CSRF token"));
            }
        }
        Ok(staff)
    }
}

/// A staff member or a tenant's API key.
#[derive(Clone, Debug)]
pub enum Principal {
    Staff(Staff),
    ApiKey { tenant: TenantId, key: i64 },
}

impl Principal {
    /// The tenant named by `college`, if this principal may act for it; the
    /// caller answers 404 otherwise, so other tenants' ids reveal nothing.
    pub fn tenant(&self, college: &CollegeId) -> Result<TenantId, ApiError> {
        let tenant = college.tenant().ok_or(ApiError::NotFound("tenant not found"))?;
        let allowed = match self {
            Principal::Staff(staff) => staff.role_in(tenant).is_some(),
            Principal::ApiKey { tenant: own, .. } => *own == tenant,
        };
        allowed.then_some(tenant).ok_or(ApiError::NotFound("tenant not found"))
    }

    /// The tenant a call is about: the one named in `?tenantId=` or
    /// `x-tenant-id` if the caller belongs to it (404 otherwise; the header
    /// only picks, it never grants), else the caller's own (an API key's
    /// tenant, a staff member's first admin or first tenant).
    pub fn select_tenant(&self, named: Option<String>, headers: &HeaderMap) -> Result<TenantId, ApiError> {
        let named = named.or_else(|| headers.get("x-tenant-id").and_then(|v| v.to_str().ok()).map(str::to_owned));
        match (self, named) {
            (_, Some(id)) => self.tenant(&CollegeId::new(id)),
            (Principal::ApiKey { tenant: own, .. }, None) => Ok(*own),
            (Principal::Staff(staff), None) => staff
                .tenants
                .iter()
                .find(|t| t.role == Role::Admin)
                .or(staff.tenants.first())
                .map(|t| t.tenant_id)
                .ok_or(ApiError::NotFound("tenant not found")),
        }
    }

    /// Like [`Self::select_tenant`], for changes only its admins (or its
    /// own API key) may make.
    pub fn admin_tenant(&self, named: Option<String>, headers: &HeaderMap) -> Result<TenantId, ApiError> {
        let tenant = self.select_tenant(named, headers)?;
        match self {
            Principal::Staff(staff) => staff.admin_of(tenant),
            Principal::ApiKey { .. } => Ok(tenant),
        }
    }

    /// The user a staff caller is; `None` for API keys.
    pub fn user(&self) -> Option<i64> {
        match self {
            Principal::Staff(staff) => Some(staff.user_id),
            Principal::ApiKey { .. } => None,
        }
    }

    /// Who, as the activity log names them.
    pub fn actor(&self) -> String {
        match self {
            Principal::Staff(staff) => staff.email.clone(),
            Principal::ApiKey { key, .. } => format!("API key #{key}"),
        }
    }

    /// Who, as a channel token's subject: what revokes the sockets it
    /// opens.
    pub fn subject(&self) -> channel_token::Subject {
        match self {
            Principal::Staff(staff) => channel_token::Subject::User(staff.user_id),
            Principal::ApiKey { key, .. } => channel_token::Subject::ApiKey(*key),
        }
    }
}

/// The API key in `Authorization: Bearer …`, if one is sent.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get("authorization")?.to_str().ok()?.strip_prefix("Bearer ").map(str::trim)
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(key) = bearer(&parts.headers) {
            let (tenant, key) = state.store.api_key(&secrets::token_hash(key)).await?.ok_or(ApiError::Unauthorized)?;
            return Ok(Principal::ApiKey { tenant, key });
        }
        Ok(Principal::Staff(Staff::from_request_parts(parts, state).await?))
    }
}

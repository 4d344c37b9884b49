//! The tenant a tenant-scoped call is about: `?tenantId=` or `x-tenant-id`
//! picks among the caller's tenants and grants nothing by itself; without
//! either, the caller's own. Another tenant's id answers 404.
//!
//! A tenant-scoped call may also carry a channel token for `tenant:K` as
//! its bearer: a page on another site (see [`crate::cors`]) reads the
//! notifications and dashboard with the token its own back end minted
//! with an API key, and never holds the key. The key must still be live.

use super::channel_token::{self, Subject, TokenChannel};
use super::Principal;
use crate::error::ApiError;
use crate::state::AppState;
use app::protocol::TenantId;
use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TenantQuery {
    tenant_id: Option<String>,
}

fn named(parts: &Parts) -> Option<String> {
    Query::<TenantQuery>::try_from_uri(&parts.uri).ok().and_then(|q| q.0.tenant_id)
}

/// A caller acting in one of its tenants (staff or the tenant's API key).
pub struct TenantScope {
    pub principal: Principal,
    pub tenant: TenantId,
}

/// A caller administering one of its tenants (its admins or its API key).
pub struct AdminScope {
    pub principal: Principal,
    pub tenant: TenantId,
}

impl FromRequestParts<AppState> for TenantScope {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let principal = match super::bearer(&parts.headers).filter(|b| channel_token::looks_like(b)) {
            Some(token) => token_principal(token, state).await?,
            None => Principal::from_request_parts(parts, state).await?,
        };
        let tenant = principal.select_tenant(named(parts), &parts.headers)?;
        Ok(Self { principal, tenant })
    }
}

/// The API key a tenant channel token speaks for, while that key is live.
async fn token_principal(token: &str, state: &AppState) -> Result<Principal, ApiError> {
    let claims = channel_token::verify(token, &state.auth.channel_key, chrono::Utc::now()).map_err(|_| ApiError::Unauthorized)?;
    let (TokenChannel::Tenant(tenant), Subject::ApiKey(key)) = (claims.channel, claims.sub) else {
        return Err(ApiError::Unauthorized);
    };
    let live = state.store.list_api_keys(tenant).await?.iter().any(|k| k.id == key && k.revoked_at.is_none());
    live.then_some(Principal::ApiKey { tenant, key }).ok_or(ApiError::Unauthorized)
}

impl FromRequestParts<AppState> for AdminScope {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let principal = Principal::from_request_parts(parts, state).await?;
        let tenant = principal.admin_tenant(named(parts), &parts.headers)?;
        Ok(Self { principal, tenant })
    }
}

//! The tenant a tenant-scoped call is about: `?tenantId=` or `x-tenant-id`
//! picks among the caller's tenants and grants nothing by itself; without
//! either, the caller's own. Another tenant's id answers 404.

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
        let principal = Principal::from_request_parts(parts, state).await?;
        let tenant = principal.select_tenant(named(parts), &parts.headers)?;
        Ok(Self { principal, tenant })
    }
}

impl FromRequestParts<AppState> for AdminScope {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let principal = Principal::from_request_parts(parts, state).await?;
        let tenant = principal.admin_tenant(named(parts), &parts.headers)?;
        Ok(Self { principal, tenant })
    }
}

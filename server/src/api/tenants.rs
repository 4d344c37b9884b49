//! Tenant settings for signed-in staff: their tenants, and for admins the
//! staff, API keys and activity log of the tenants they administer.

use crate::accounts;
use crate::auth::Staff;
use crate::error::ApiError;
use crate::events::Change;
use crate::events::Revocation;
use crate::state::AppState;
use crate::store::Activity;
use app::protocol::{
    ActivityEntry, ActivityKind, ApiKeyView, CreatedApiKey, CreatedInvitation, Envelope, MemberView, Role, TenantId, TenantMembership,
};
use axum::extract::{Path, Query, State};
use axum::Json;
use chrono::Utc;
use serde::Deserialize;

#[utoipa::path(
    get,
    path = "/api/tenants",
    operation_id = "list_tenants",
    tag = "Tenants",
    responses(
        (status = 200, description = "The caller's tenants", body = Envelope<Vec<TenantMembership>>),
        (status = 401, response = crate::api::openapi::responses::Unauthorized),
        (status = 500, response = crate::api::openapi::responses::Internal),
    ),
    security(("session" = [])),
)]
pub async fn list(staff: Staff) -> Json<Envelope<Vec<TenantMembership>>> {
    Json(Envelope::ok(staff.tenants))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewTenant {
    name: String,
}

/// Admins may create tenants; they become the new tenant's admin.
#[utoipa::path(
    post,
    path = "/api/tenants",
    operation_id = "create_tenant",
    tag = "Tenants",
    request_body = NewTenant,
    responses(
        (status = 200, description = "OK", body = Envelope<TenantMembership>),
        (status = 400, response = crate::api::openapi::responses::BadRequest),
        (status = 401, response = crate::api::openapi::responses::Unauthorized),
        (status = 403, response = crate::api::openapi::responses::Forbidden),
        (status = 500, response = crate::api::openapi::responses::Internal),
        crate::api::openapi::responses::JsonBodyErrors,
    ),
    security(("session" = [])),
)]
pub async fn create(
    State(state): State<AppState>,
    staff: Staff,
    Json(req): Json<NewTenant>,
) -> Result<Json<Envelope<TenantMembership>>, ApiError> {
    if !staff.is_operator && !staff.tenants.iter().any(|t| t.role == Role::Admin) {
        return Err(ApiError::Forbidden("only admins may create tenants"));
    }
    let tenant = accounts::create_tenant(state.store.as_ref(), &req.name, Some((staff.user_id, &staff.email)))
        .await
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    Ok(Json(Envelope::ok(TenantMembership { tenant_id: tenant, name: req.name.trim().to_owned(), role: Role::Admin })))
}

#[utoipa::path(
    get,
    path = "/api/tenants/{tenant}/members",
    operation_id = "list_members",
    tag = "Tenants",
    params(("tenant" = i64, Path, description = "The tenant's id")),
    responses(
        (status = 200, description = "OK", body = Envelope<Vec<MemberView>>),
        crate::api::openapi::responses::ScopedErrors,
    ),
    security(("session" = [])),
)]
pub async fn members(
    State(state): State<AppState>,
    staff: Staff,
    Path(tenant): Path<TenantId>,
) -> Result<Json<Envelope<Vec<MemberView>>>, ApiError> {
    let tenant = staff.admin_of(tenant)?;
    Ok(Json(Envelope::ok(state.store.members(tenant).await?)))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewMember {
    email: String,
    #[serde(default = "staff_role")]
    role: Role,
}

fn staff_role() -> Role {
    Role::Staff
}

/// Invites staff: the answer is a one-time link for the admin to hand to
/// the person, whoever they are (the answer is the same whether or not the
/// email has an account).
#[utoipa::path(
    post,
    path = "/api/tenants/{tenant}/members",
    operation_id = "add_member",
    tag = "Tenants",
    params(("tenant" = i64, Path, description = "The tenant's id")),
    request_body = NewMember,
    responses(
        (status = 200, description = "An invitation for the email", body = Envelope<CreatedInvitation>),
        crate::api::openapi::responses::ScopedErrors,
        crate::api::openapi::responses::JsonBodyErrors,
    ),
    security(("session" = [])),
)]
pub async fn add_member(
    State(state): State<AppState>,
    staff: Staff,
    Path(tenant): Path<TenantId>,
    Json(req): Json<NewMember>,
) -> Result<Json<Envelope<CreatedInvitation>>, ApiError> {
    let tenant = staff.admin_of(tenant)?;
    let invited = accounts::invite(state.store.as_ref(), tenant, &req.email, req.role, Some(&staff.email))
        .await
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    Ok(Json(Envelope::ok(invited)))
}

/// Takes a member out of the tenant; the sockets they opened for it close
/// on every node.
#[utoipa::path(
    delete,
    path = "/api/tenants/{tenant}/members/{user}",
    operation_id = "remove_member",
    tag = "Tenants",
    params(("tenant" = i64, Path, description = "The tenant's id"), ("user" = i64, Path, description = "The member's user id")),
    responses(
        (status = 200, description = "OK", body = Envelope<bool>),
        crate::api::openapi::responses::ScopedErrors,
    ),
    security(("session" = [])),
)]
pub async fn remove_member(
    State(state): State<AppState>,
    staff: Staff,
    Path((tenant, user)): Path<(TenantId, i64)>,
) -> Result<Json<Envelope<bool>>, ApiError> {
    let tenant = staff.admin_of(tenant)?;
    if user == staff.user_id {
        return Err(ApiError::BadRequest("admins cannot remove themselves; ask another admin".into()));
    }
    let email = state.store.members(tenant).await?.into_iter().find(|m| m.user_id == user).map(|m| m.email);
    let Some(email) = email else { return Err(ApiError::NotFound("member not found")) };
    if !state.store.remove_membership(user, tenant).await? {
        return Err(ApiError::NotFound("member not found"));
    }
    state.bus.publish(&Change::Revoked { revocation: Revocation::Member { tenant, user } }, None).await?;
    let activity =
        Activity { tenant: Some(tenant), actor: Some(&staff.email), kind: ActivityKind::StaffRemoved, detail: format!("removed {email}") };
    state.store.log_activity(&activity, Utc::now()).await?;
    Ok(Json(Envelope::ok(true)))
}

#[utoipa::path(
    get,
    path = "/api/tenants/{tenant}/api-keys",
    operation_id = "list_api_keys",
    tag = "Tenants",
    params(("tenant" = i64, Path, description = "The tenant's id")),
    responses(
        (status = 200, description = "OK", body = Envelope<Vec<ApiKeyView>>),
        crate::api::openapi::responses::ScopedErrors,
    ),
    security(("session" = [])),
)]
pub async fn api_keys(
    State(state): State<AppState>,
    staff: Staff,
    Path(tenant): Path<TenantId>,
) -> Result<Json<Envelope<Vec<ApiKeyView>>>, ApiError> {
    let tenant = staff.admin_of(tenant)?;
    Ok(Json(Envelope::ok(state.store.list_api_keys(tenant).await?)))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewApiKey {
    name: String,
}

#[utoipa::path(
    post,
    path = "/api/tenants/{tenant}/api-keys",
    operation_id = "create_api_key",
    tag = "Tenants",
    params(("tenant" = i64, Path, description = "The tenant's id")),
    request_body = NewApiKey,
    responses(
        (status = 200, description = "The key, shown this once", body = Envelope<CreatedApiKey>),
        crate::api::openapi::responses::ScopedErrors,
        crate::api::openapi::responses::JsonBodyErrors,
    ),
    security(("session" = [])),
)]
pub async fn create_api_key(
    State(state): State<AppState>,
    staff: Staff,
    Path(tenant): Path<TenantId>,
    Json(req): Json<NewApiKey>,
) -> Result<Json<Envelope<CreatedApiKey>>, ApiError> {
    let tenant = staff.admin_of(tenant)?;
    let created = accounts::create_api_key(state.store.as_ref(), tenant, &req.name, Some(&staff.email))
        .await
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    Ok(Json(Envelope::ok(created)))
}

#[utoipa::path(
    delete,
    path = "/api/tenants/{tenant}/api-keys/{key}",
    operation_id = "revoke_api_key",
    tag = "Tenants",
    params(("tenant" = i64, Path, description = "The tenant's id"), ("key" = i64, Path, description = "The key's id")),
    responses(
        (status = 200, description = "OK", body = Envelope<bool>),
        crate::api::openapi::responses::ScopedErrors,
    ),
    security(("session" = [])),
)]
pub async fn revoke_api_key(
    State(state): State<AppState>,
    staff: Staff,
    Path((tenant, key)): Path<(TenantId, i64)>,
) -> Result<Json<Envelope<bool>>, ApiError> {
    let tenant = staff.admin_of(tenant)?;
    if !state.store.revoke_api_key(tenant, key, Utc::now()).await? {
        return Err(ApiError::NotFound("API key not found"));
    }
    state.bus.publish(&Change::Revoked { revocation: Revocation::ApiKey { key } }, None).await?;
    let activity = Activity {
        tenant: Some(tenant),
        actor: Some(&staff.email),
        kind: ActivityKind::ApiKeyRevoked,
        detail: format!("revoked API key #{key}"),
    };
    state.store.log_activity(&activity, Utc::now()).await?;
    Ok(Json(Envelope::ok(true)))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ActivityQuery {
    kind: Option<ActivityKind>,
    limit: Option<i64>,
}

#[utoipa::path(
    get,
    path = "/api/tenants/{tenant}/activity",
    operation_id = "tenant_activity",
    tag = "Tenants",
    params(("tenant" = i64, Path, description = "The tenant's id"), ActivityQuery),
    responses(
        (status = 200, description = "OK", body = Envelope<Vec<ActivityEntry>>),
        crate::api::openapi::responses::ScopedErrors,
    ),
    security(("session" = [])),
)]
pub async fn activity(
    State(state): State<AppState>,
    staff: Staff,
    Path(tenant): Path<TenantId>,
    Query(query): Query<ActivityQuery>,
) -> Result<Json<Envelope<Vec<ActivityEntry>>>, ApiError> {
    let tenant = staff.admin_of(tenant)?;
    let limit = query.limit.unwrap_or(100).clamp(1, 500);
    Ok(Json(Envelope::ok(state.store.list_activity(tenant, query.kind, limit).await?)))
}

//! Seed 004's notifications API: list (filters, cursor paging both ways),
//! create, mark read or dismissed, mark all read. Scoped to the caller's
//! tenant; staff read the tenant-wide notifications and their own, with
//! read state of their own (one person's "mark all read" changes nobody
//! else's view). Each change is one unit of work and reaches the pages
//! that show it, with the unread count.

use crate::auth::{Principal, TenantScope};
use crate::error::ApiError;
use crate::events::tenant::NotificationPayload;
use crate::events::{Audience, Change, NotificationChange};
use crate::process::notify::notify;
use crate::state::AppState;
use crate::store::{self, NewNotification, NotificationQuery};
use app::protocol::{Envelope, Notification, NotificationPage, TenantId};
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::Json;
use serde::Deserialize;

const DEFAULT_LIMIT: i64 = 50;
const MAX_LIMIT: i64 = 200;

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    user_id: Option<i64>,
    limit: Option<i64>,
    include_read: Option<bool>,
    include_dismissed: Option<bool>,
    /// The previous page's `nextCursor` (older ones, newest first).
    before: Option<i64>,
    /// The newest id a page holds (newer ones, oldest first): a page that
    /// was offline catches up with these, however many there are.
    after: Option<i64>,
}

/// Whose view: staff always read as themselves; a back end may name a user.
fn reader(principal: &Principal, asked: Option<i64>) -> Option<i64> {
    principal.user().or(asked)
}

/// Whose view a change by `reader` is for.
fn audience(reader: Option<i64>) -> Audience {
    reader.map_or(Audience::Tenant, Audience::User)
}

#[utoipa::path(
    get,
    path = "/api/notifications",
    operation_id = "list_notifications",
    tag = "Notifications",
    params(crate::api::openapi::TenantParams, ListQuery),
    responses(
        (status = 200, description = "OK", body = Envelope<NotificationPage>),
        (status = 400, response = crate::api::openapi::responses::BadRequest),
        (status = 401, response = crate::api::openapi::responses::Unauthorized),
        (status = 404, response = crate::api::openapi::responses::NotFound),
        (status = 500, response = crate::api::openapi::responses::Internal),
    ),
    security(("session" = []), ("api_key" = []), ("channel_token" = [])),
)]
pub async fn list(
    State(state): State<AppState>,
    scope: TenantScope,
    Query(q): Query<ListQuery>,
) -> Result<Json<Envelope<NotificationPage>>, ApiError> {
    let user = reader(&scope.principal, q.user_id);
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    let query = NotificationQuery {
        tenant: scope.tenant,
        user,
        include_read: q.include_read.unwrap_or(true),
        include_dismissed: q.include_dismissed.unwrap_or(false),
        before: q.before.filter(|_| q.after.is_none()),
        after: q.after,
        limit: limit + 1,
    };
    let mut notifications = state.store.list_notifications(&query).await?;
    let next_cursor = (notifications.len() as i64 > limit).then(|| {
        notifications.truncate(limit as usize);
        notifications.last().map(|n| n.id)
    });
    let unread_count = state.store.unread_count(scope.tenant, user).await?;
    Ok(Json(Envelope::ok(NotificationPage { notifications, next_cursor: next_cursor.flatten(), unread_count })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateQuery {
    tenant_id: Option<String>,
}

#[utoipa::path(
    post,
    path = "/api/notifications",
    operation_id = "create_notification",
    tag = "Notifications",
    params(crate::api::openapi::TenantParams),
    request_body(content = NotificationPayload, description = "The notification; may also name its tenant in `tenantId`."),
    responses(
        (status = 200, description = "OK", body = Envelope<Notification>),
        crate::api::openapi::responses::ScopedErrors,
        crate::api::openapi::responses::JsonBodyErrors,
    ),
    security(("session" = []), ("api_key" = [])),
)]
pub async fn create(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    Query(q): Query<CreateQuery>,
    Json(body): Json<serde_json::Value>,
) -> Result<Json<Envelope<Notification>>, ApiError> {
    // Seed 004's clients name the tenant in the body.
    let named = q.tenant_id.or_else(|| body.get("tenantId").map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned)));
    let tenant = principal.select_tenant(named, &headers)?;
    let n: NotificationPayload = serde_json::from_value(body).map_err(|e| ApiError::BadRequest(format!("invalid notification: {e}")))?;
    n.check().map_err(ApiError::BadRequest)?;
    let new = NewNotification::from_payload(tenant, n, None);
    let (created, outbox) = store::run(state.store.as_ref(), move |tx| {
        if let Some(user) = new.user {
            if !tx.is_member(new.tenant, user)? {
                return Ok(None);
            }
        }
        notify(tx, &new)
    })
    .await?;
    state.relay.publish(outbox);
    Ok(Json(Envelope::ok(created.ok_or(ApiError::BadRequest("userId is not a member of this tenant".into()))?)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = NotificationPatch)]
pub struct Patch {
    is_read: Option<bool>,
    is_dismissed: Option<bool>,
}

#[utoipa::path(
    patch,
    path = "/api/notifications/{id}",
    operation_id = "update_notification",
    tag = "Notifications",
    params(crate::api::openapi::TenantParams, ("id" = i64, Path, description = "The notification's id")),
    request_body = Patch,
    responses(
        (status = 200, description = "OK", body = Envelope<Notification>),
        crate::api::openapi::responses::ScopedErrors,
        crate::api::openapi::responses::JsonBodyErrors,
    ),
    security(("session" = []), ("api_key" = []), ("channel_token" = [])),
)]
pub async fn update(
    State(state): State<AppState>,
    scope: TenantScope,
    Path(id): Path<i64>,
    Json(patch): Json<Patch>,
) -> Result<Json<Envelope<Notification>>, ApiError> {
    let (tenant, user) = (scope.tenant, scope.principal.user());
    let (changed, outbox) = store::run(state.store.as_ref(), move |tx| {
        let Some(n) = tx.set_notification_state(tenant, id, user, patch.is_read, patch.is_dismissed)? else { return Ok(None) };
        let counts = tx.unread_counts(tenant)?;
        let change = NotificationChange::Updated { notification: n.clone() };
        tx.publish(Change::Notification { tenant, audience: audience(user), change, counts })?;
        Ok(Some(n))
    })
    .await?;
    state.relay.publish(outbox);
    Ok(Json(Envelope::ok(changed.ok_or(ApiError::NotFound("notification not found"))?)))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct MarkAllQuery {
    user_id: Option<i64>,
}

#[utoipa::path(
    post,
    path = "/api/notifications/mark-all-read",
    operation_id = "mark_all_notifications_read",
    tag = "Notifications",
    params(crate::api::openapi::TenantParams, MarkAllQuery),
    responses(
        (status = 200, description = "How many were marked", body = Envelope<i64>),
        crate::api::openapi::responses::ScopedErrors,
    ),
    security(("session" = []), ("api_key" = []), ("channel_token" = [])),
)]
pub async fn mark_all_read(
    State(state): State<AppState>,
    scope: TenantScope,
    Query(q): Query<MarkAllQuery>,
) -> Result<Json<Envelope<i64>>, ApiError> {
    let tenant: TenantId = scope.tenant;
    let user = reader(&scope.principal, q.user_id);
    let (changed, outbox) = store::run(state.store.as_ref(), move |tx| {
        let changed = tx.mark_all_read(tenant, user)?;
        let counts = tx.unread_counts(tenant)?;
        let change = NotificationChange::MarkedAllRead { user };
        tx.publish(Change::Notification { tenant, audience: audience(user), change, counts })?;
        Ok(changed)
    })
    .await?;
    state.relay.publish(outbox);
    Ok(Json(Envelope::ok(changed)))
}

//! Seed 004's notifications API: list (filters, cursor paging), create,
//! mark read or dismissed, mark all read. Scoped to the caller's tenant and,
//! for staff, to what they may read: the tenant-wide notifications and
//! their own. Each change reaches the tenant's pages with the unread count.

use crate::auth::Principal;
use crate::bus::{Event, NotificationChange};
use crate::error::ApiError;
use crate::intake::tenant_payload::NotificationPayload;
use crate::process::{tenant::notify, Processor};
use crate::state::AppState;
use crate::store::NotificationQuery;
use app::protocol::{Envelope, Notification, NotificationPage, TenantId};
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::Json;
use serde::Deserialize;

const DEFAULT_LIMIT: i64 = 50;
const MAX_LIMIT: i64 = 200;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListQuery {
    tenant_id: Option<String>,
    user_id: Option<i64>,
    limit: Option<i64>,
    include_read: Option<bool>,
    include_dismissed: Option<bool>,
    /// The previous page's `nextCursor`.
    before: Option<i64>,
}

/// Whose notifications: staff always read as themselves; a back end may
/// name a user.
fn reader(principal: &Principal, asked: Option<i64>) -> Option<i64> {
    principal.user().or(asked)
}

pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Result<Json<Envelope<NotificationPage>>, ApiError> {
    let tenant = principal.select_tenant(q.tenant_id, &headers)?;
    let user = reader(&principal, q.user_id);
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    let query = NotificationQuery {
        tenant,
        user,
        include_read: q.include_read.unwrap_or(true),
        include_dismissed: q.include_dismissed.unwrap_or(false),
        before: q.before,
        limit: limit + 1,
    };
    let mut notifications = state.store.list_notifications(&query).await?;
    let next_cursor = (notifications.len() as i64 > limit).then(|| {
        notifications.truncate(limit as usize);
        notifications.last().map(|n| n.id)
    });
    let counts = state.store.unread_counts(tenant).await?;
    let unread_count = user.map_or(counts.wide, |u| counts.for_user(u));
    Ok(Json(Envelope::ok(NotificationPage { notifications, next_cursor: next_cursor.flatten(), unread_count })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateQuery {
    tenant_id: Option<String>,
}

pub async fn create(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    Query(q): Query<CreateQuery>,
    Json(body): Json<serde_json::Value>,
) -> Result<Json<Envelope<Notification>>, ApiError> {
    let named = q.tenant_id.or_else(|| body.get("tenantId").map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned)));
    let tenant = principal.select_tenant(named, &headers)?;
    let n: NotificationPayload = serde_json::from_value(body).map_err(|e| ApiError::BadRequest(format!("invalid notification: {e}")))?;
    n.check().map_err(ApiError::BadRequest)?;
    if let Some(user) = n.user_id {
        if !crate::accounts::is_member(state.store.as_ref(), tenant, user).await? {
            return Err(ApiError::BadRequest("userId is not a member of this tenant".into()));
        }
    }
    let new = n.into_new(tenant);
    let processor = Processor::new(state.store.clone(), state.bus.clone());
    Ok(Json(Envelope::ok(notify(&processor, new).await?)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Patch {
    is_read: Option<bool>,
    is_dismissed: Option<bool>,
}

/// The notification if the caller may change it (404 otherwise).
async fn visible(state: &AppState, principal: &Principal, tenant: TenantId, id: i64) -> Result<Notification, ApiError> {
    let n = state.store.notification(tenant, id).await?.ok_or(ApiError::NotFound("notification not found"))?;
    match (principal.user(), n.user_id) {
        (Some(me), Some(owner)) if me != owner => Err(ApiError::NotFound("notification not found")),
        _ => Ok(n),
    }
}

pub async fn update(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<CreateQuery>,
    Json(patch): Json<Patch>,
) -> Result<Json<Envelope<Notification>>, ApiError> {
    let tenant = principal.select_tenant(q.tenant_id, &headers)?;
    visible(&state, &principal, tenant, id).await?;
    let n = state
        .store
        .set_notification_state(tenant, id, patch.is_read, patch.is_dismissed)
        .await?
        .ok_or(ApiError::NotFound("notification not found"))?;
    let counts = state.store.unread_counts(tenant).await?;
    let change = NotificationChange::Updated { notification: n.clone() };
    state.bus.publish(Event::Notification { tenant, user: n.user_id, change, counts }).await?;
    Ok(Json(Envelope::ok(n)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MarkAllQuery {
    tenant_id: Option<String>,
    user_id: Option<i64>,
}

pub async fn mark_all_read(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    Query(q): Query<MarkAllQuery>,
) -> Result<Json<Envelope<u64>>, ApiError> {
    let tenant = principal.select_tenant(q.tenant_id, &headers)?;
    let user = reader(&principal, q.user_id);
    let changed = state.store.mark_all_read(tenant, user).await?;
    let counts = state.store.unread_counts(tenant).await?;
    // Tenant-wide notifications changed too, so every reader hears of it.
    let change = NotificationChange::MarkedAllRead { user };
    state.bus.publish(Event::Notification { tenant, user: None, change, counts }).await?;
    Ok(Json(Envelope::ok(changed)))
}

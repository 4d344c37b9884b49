//! The JSON API on the seeds' contract.

pub mod dashboard;
pub mod deliveries;
pub mod health;
pub mod invitations;
pub mod notifications;
pub mod openapi;
pub mod outbound;
pub mod sessions;
pub mod stats;
pub mod tenants;
pub mod webhook_settings;
pub mod whatsapp;
pub mod whatsapp_numbers;

use crate::auth::Principal;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::Activity;
use app::protocol::{ActivityKind, TenantId};

/// Records what `principal` did in `tenant`'s activity log.
async fn log_activity(
    state: &AppState,
    principal: &Principal,
    tenant: TenantId,
    kind: ActivityKind,
    detail: String,
) -> Result<(), ApiError> {
    let actor = principal.actor();
    let activity = Activity { tenant: Some(tenant), actor: Some(&actor), kind, detail };
    state.store.log_activity(&activity, chrono::Utc::now()).await?;
    Ok(())
}

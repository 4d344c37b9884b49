//! WebSocket endpoints, on one shared loop ([`pump`]).

pub mod connections;
mod pump;
pub mod tenant;
pub mod whatsapp;

use crate::auth::Staff;
use crate::state::AppState;
use crate::store::Activity;
use app::protocol::{ActivityKind, TenantId};

/// Records a refused subscription in the tenant's activity log, off the
/// socket's path (the foreign key drops it if the tenant does not exist).
fn log_refusal(state: &AppState, staff: Option<&Staff>, tenant: TenantId, detail: String) {
    let store = state.store.clone();
    let actor = staff.map(|s| s.email.clone());
    tokio::spawn(async move {
        let activity = Activity { tenant: Some(tenant), actor: actor.as_deref(), kind: ActivityKind::SubscriptionRefused, detail };
        let _ = store.log_activity(&activity, chrono::Utc::now()).await;
    });
}

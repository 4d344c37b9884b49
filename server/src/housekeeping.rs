//! The background chores that keep memory and storage bounded: every
//! minute (by default) the refused socket subscriptions counted per tenant
//! go to its activity log as one line, and rate limiters forget idle keys;
//! every retention interval, what is past its retention period is purged.

use crate::state::AppState;
use crate::store::{Activity, PurgeBefore};
use app::protocol::ActivityKind;
use chrono::Utc;

pub async fn run(state: AppState) {
    let mut minute = tokio::time::interval(state.settings.retention.housekeeping);
    let mut retention = tokio::time::interval(state.settings.retention.every);
    for tick in [&mut minute, &mut retention] {
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    }
    loop {
        tokio::select! {
            _ = minute.tick() => every_minute(&state).await,
            _ = retention.tick() => purge(&state).await,
        }
    }
}

async fn every_minute(state: &AppState) {
    state.limits.evict();
    state.auth.evict();
    for (tenant, count) in state.limits.refusals.take_socket_refusals() {
        let detail = format!("{count} socket subscription(s) refused since the last count");
        let activity = Activity { tenant: Some(tenant), actor: None, kind: ActivityKind::SubscriptionRefused, detail };
        // The foreign key drops counts for tenants that do not exist.
        let _ = state.store.log_activity(&activity, Utc::now()).await;
    }
}

/// Purges what is past its retention period.
pub async fn purge(state: &AppState) {
    let now = Utc::now();
    let keep = &state.settings.retention;
    let before = PurgeBefore {
        webhook_bodies: now - keep.webhook_bodies,
        activity: now - keep.activity,
        outbound_attempts: now - keep.outbound_attempts,
        expired: now - keep.expired_sessions,
    };
    match state.store.purge(&before).await {
        Ok(purged) => tracing::info!(?purged, "retention purge"),
        Err(err) => tracing::error!(error = %err, "retention purge failed"),
    }
}

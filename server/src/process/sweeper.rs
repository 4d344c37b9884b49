//! Ends unscanned sessions: after their expiry they become `abandoned`, and
//! the pages showing them are told so they can offer a new code.

use crate::bus::{Bus, Event};
use crate::store::Store;
use chrono::Utc;
use std::sync::Arc;
use std::time::Duration;

pub async fn run(store: Arc<dyn Store>, bus: Arc<dyn Bus>, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let abandoned = match store.abandon_expired(Utc::now()).await {
            Ok(sessions) => sessions,
            Err(err) => {
                tracing::error!(error = %err, "could not sweep expired sessions");
                continue;
            }
        };
        for session in abandoned {
            tracing::debug!(session_id = %session.session_id, "session expired unscanned");
            let event = Event::SessionStatus {
                session_id: session.session_id,
                status: session.status,
                connection_id: session.connection_id,
                their_label: session.their_label,
                at: session.updated_at,
            };
            if let Err(err) = bus.publish(event).await {
                tracing::error!(error = %err, "could not publish an expiry");
            }
        }
    }
}

//! Ends unscanned sessions: after their expiry they become `abandoned`, and
//! the pages showing them are told so they can offer a new code. Each sweep
//! is one unit of work, so a session and its page's news commit together.

use super::relay::Relay;
use crate::events::Change;
use crate::store::{self, Store};
use std::sync::Arc;
use std::time::Duration;

pub async fn run(store: Arc<dyn Store>, relay: Relay, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let swept = store::run(store.as_ref(), |tx| {
            let now = tx.now();
            for session in tx.abandon_expired(now)? {
                tracing::debug!(session_id = %session.session_id, "session expired unscanned");
                tx.publish(Change::SessionStatus {
                    session_id: session.session_id,
                    status: session.status,
                    connection_id: session.connection_id,
                    their_label: session.their_label,
                    at: session.updated_at,
                })?;
            }
            Ok(())
        })
        .await;
        match swept {
            Ok(((), outbox)) => relay.publish(outbox),
            Err(err) => tracing::error!(error = %err, "could not sweep expired sessions"),
        }
    }
}

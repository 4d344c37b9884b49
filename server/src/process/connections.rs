//! Applies a connection event: find its session, step its status forward,
//! and publish the change for the hub.

use super::{Outcome, Processor};
use crate::bus::Event;
use crate::intake::confirmd_payload::ConnectionEvent;
use crate::matching::{self, Candidates, Verdict};
use crate::store::MatchRule;
use crate::outbound;
use app::protocol::{DeliveryStatus, OutboundEventType};
use chrono::Utc;

/// Attempts at the compare-and-set before giving the delivery back to the
/// retry schedule.
const CAS_ATTEMPTS: usize = 5;

pub async fn apply(p: &Processor, event: &ConnectionEvent) -> anyhow::Result<Outcome> {
    let candidates = candidates(p, event).await?;
    let (mut session, verdict) = match matching::choose(event, candidates, p.legacy_matching) {
        Ok(found) => found,
        Err(reason) => {
        tracing::warn!(connection_id = ?event.connection_id, invitation_ids = ?event.invitation_ids, reason, "connection event matched no session");
        return Ok(Outcome { status: DeliveryStatus::Unmatched, session: None });
        }
    };
    let session_id = session.view.session_id.clone();
    if verdict == Verdict::Matched(MatchRule::LegacyGuess) {
        tracing::warn!(connection_id = ?event.connection_id, "legacy mode: guessed the session by recency");
    }
    for _ in 0..CAS_ATTEMPTS {
        let Some(change) = matching::plan(&session, event, &verdict, Utc::now()) else {
            tracing::debug!(%session_id, state = %event.state, "event changes nothing");
            return Ok(Outcome { status: DeliveryStatus::Processed, session: Some(session_id) });
        };
        if p.store.apply_status(&change).await? {
            tracing::info!(from = %change.from, to = %change.to, "session updated");
            tracing::debug!(%session_id, "session updated");
            if change.to != change.from {
                let outbound = p.connect_tenant.map(|tenant| {
                    let event = serde_json::json!({
                        "sessionId": session_id, "status": change.to,
                        "connectionId": change.connection_id.as_ref().or(session.view.connection_id.as_ref()),
                        "theirLabel": change.their_label.as_ref().or(session.view.their_label.as_ref()),
                    });
                    (tenant, event)
                });
                // The page first: endpoints are queued right after, before
                // the delivery counts as processed.
                p.bus
                    .publish(Event::SessionStatus {
                        session_id: session_id.clone(),
                        status: change.to,
                        connection_id: change.connection_id.or(session.view.connection_id),
                        their_label: change.their_label.or(session.view.their_label),
                        at: change.at,
                    })
                    .await?;
                if let Some((tenant, event)) = outbound {
                    outbound::enqueue(p.store.as_ref(), tenant, OutboundEventType::ConnectionStatus, event).await?;
                }
            }
            return Ok(Outcome { status: DeliveryStatus::Processed, session: Some(session_id) });
        }
        // Another writer moved the session: re-read and plan again.
        let Some(fresh) = p.store.session(&session_id).await? else { anyhow::bail!("session vanished") };
        session.view = fresh;
    }
    anyhow::bail!("session {session_id} kept changing under us")
}

async fn candidates(p: &Processor, event: &ConnectionEvent) -> anyhow::Result<Candidates> {
    let mut c = Candidates::default();
    if let Some(connection) = &event.connection_id {
        c.by_connection = p.store.session_by_connection(connection).await?;
        if c.by_connection.is_some() {
            return Ok(c);
        }
    }
    if !event.invitation_ids.is_empty() {
        c.by_invitation = p.store.sessions_by_invitation(&event.invitation_ids).await?;
    }
    if p.legacy_matching && c.by_invitation.is_empty() {
        c.newest_waiting = p.store.newest_waiting_session().await?;
    }
    Ok(c)
}

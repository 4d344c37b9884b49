//! Applies a connection event: find its session, step its status forward,
//! and tell the session's page and the connect tenant's endpoints.

use super::Context;
use crate::events::platform::ConnectionEvent;
use crate::events::Change;
use crate::matching::{self, Candidates, Verdict};
use crate::outbound::events::ConnectionStatusChanged;
use crate::store::{Applied, ApplyTx, MatchRule};
use app::protocol::OutboundEventType;

pub fn apply(tx: &mut dyn ApplyTx, ctx: &Context, event: &ConnectionEvent, delivery: i64) -> anyhow::Result<Applied> {
    let candidates = candidates(tx, ctx, event)?;
    let (session, verdict) = match matching::choose(event, candidates, ctx.legacy_matching) {
        Ok(found) => found,
        Err(reason) => {
            tracing::warn!(connection_id = ?event.connection_id, invitation_ids = ?event.invitation_ids, reason, "connection event matched no session");
            return Ok(Applied::unmatched());
        }
    };
    let session_id = session.view.session_id.clone();
    if verdict == Verdict::Matched(MatchRule::LegacyGuess) {
        tracing::warn!(connection_id = ?event.connection_id, "legacy mode: guessed the session by recency");
    }
    let processed = Applied { session: Some(session_id.clone()), ..Applied::default() };
    // Inside the unit's transaction nothing else moves the session, so the
    // plan made from this read holds; the compare-and-set guards it anyway.
    let Some(change) = matching::plan(&session, event, &verdict, tx.now()) else {
        tracing::debug!(%session_id, state = %event.state, "event changes nothing");
        return Ok(processed);
    };
    if !tx.apply_status(&change)? {
        anyhow::bail!("session {session_id} moved while being applied");
    }
    if change.to == change.from {
        return Ok(processed);
    }
    tracing::info!(from = %change.from, to = %change.to, "session updated");
    tracing::debug!(%session_id, "session updated");
    let connection_id = change.connection_id.or(session.view.connection_id);
    let their_label = change.their_label.or(session.view.their_label);
    if let Some(tenant) = ctx.connect_tenant {
        let payload = serde_json::json!(ConnectionStatusChanged {
            session_id: session_id.clone(),
            status: change.to,
            connection_id: connection_id.clone(),
            their_label: their_label.clone(),
        });
        tx.enqueue(tenant, OutboundEventType::ConnectionStatus, &payload, &format!("delivery:{delivery}"))?;
    }
    tx.publish(Change::SessionStatus { session_id, status: change.to, connection_id, their_label, at: change.at })?;
    Ok(processed)
}

fn candidates(tx: &mut dyn ApplyTx, ctx: &Context, event: &ConnectionEvent) -> anyhow::Result<Candidates> {
    let mut c = Candidates::default();
    if let Some(connection) = &event.connection_id {
        c.by_connection = tx.session_by_connection(connection)?;
        if c.by_connection.is_some() {
            return Ok(c);
        }
    }
    if !event.invitation_ids.is_empty() {
        c.by_invitation = tx.sessions_by_invitation(&event.invitation_ids)?;
    }
    if ctx.legacy_matching && c.by_invitation.is_empty() {
        c.newest_waiting = tx.newest_waiting_session()?;
    }
    Ok(c)
}

//! Which session a connection event belongs to, and what it changes. Pure
//! functions: the processor looks the candidates up, these decide.
//!
//! Each session has its own single-use invitation, so the exact rule is:
//! first the connection id (once linked), then the invitation id. The seeds'
//! multi-use invitation can only be matched by guessing ("the newest waiting
//! session"), which mixes up students who scan at the same moment; that
//! guess is made only in the explicit legacy mode, and counted.

use crate::events::platform::ConnectionEvent;
use crate::store::{MatchRule, SessionRecord, StatusChange};
use app::protocol::ConnectionStatus;
use chrono::{DateTime, Utc};

/// Candidates the processor found for one event.
#[derive(Debug, Default)]
pub struct Candidates {
    /// The session already linked to the event's connection id.
    pub by_connection: Option<SessionRecord>,
    /// Sessions whose invitation the event names, newest first.
    pub by_invitation: Vec<SessionRecord>,
    /// The newest waiting, unlinked session (looked up in legacy mode only).
    pub newest_waiting: Option<SessionRecord>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Already linked: no new rule was used.
    Linked,
    Matched(MatchRule),
}

/// Why no session claims an event.
pub type Unmatched = &'static str;

/// Picks the session for `event`.
pub fn choose(event: &ConnectionEvent, c: Candidates, legacy: bool) -> Result<(SessionRecord, Verdict), Unmatched> {
    if let Some(session) = c.by_connection {
        return Ok((session, Verdict::Linked));
    }
    let unlinked = |s: &SessionRecord| s.view.connection_id.is_none();
    match c.by_invitation.len() {
        1 => {
            let session = c.by_invitation.into_iter().next().expect("one");
            if !unlinked(&session) && event.connection_id.is_some() {
                // A single-use invitation already used by another connection.
                return Err("invitation already used by another connection");
            }
            Ok((session, Verdict::Matched(MatchRule::Invitation)))
        }
        0 if legacy => match c.newest_waiting {
            Some(s) => Ok((s, Verdict::Matched(MatchRule::LegacyGuess))),
            None => Err("no waiting session to guess"),
        },
        0 => Err("no session has this connection or invitation"),
        _ if legacy => {
            let waiting = c.by_invitation.into_iter().find(|s| unlinked(s) && s.view.status == ConnectionStatus::Invitation);
            match waiting {
                Some(s) => Ok((s, Verdict::Matched(MatchRule::LegacyGuess))),
                None => Err("no waiting session shares this invitation"),
            }
        }
        _ => Err("several sessions share this invitation (multi-use); enable legacy mode"),
    }
}

/// What `event` changes on `session`: a status step forward and/or the link
/// to its connection. `None` when it changes nothing (a repeat, a late or
/// unknown state), so nothing is written or broadcast.
pub fn plan(session: &SessionRecord, event: &ConnectionEvent, verdict: &Verdict, at: DateTime<Utc>) -> Option<StatusChange> {
    let current = session.view.status;
    let next = event.status.and_then(|s| current.advance(s));
    let links = session.view.connection_id.is_none() && event.connection_id.is_some();
    if next.is_none() && !links {
        return None;
    }
    Some(StatusChange {
        session_id: session.view.session_id.clone(),
        from: current,
        to: next.unwrap_or(current),
        connection_id: event.connection_id.clone(),
        their_label: event.their_label.clone(),
        their_did: event.their_did.clone(),
        matched_by: match verdict {
            Verdict::Matched(rule) => Some(*rule),
            Verdict::Linked => None,
        },
        at,
    })
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;

//! Reconciliation: a second way in for connect events. A wallet platform's
//! webhooks can be lost (ACA-Py retries five times from memory, then drops
//! them; a restart of either side forgets them), so a session that has not
//! moved for `RECONCILE_AFTER_SECS` is looked up on the platform, and a
//! state found there that would move it is stored and applied exactly like
//! a webhook carrying it: deduplicated (by the platform's delivery id, or
//! the record's bytes), matched, monotonic.
//! Such deliveries are marked as reconciled (their key says so) and each is
//! written to the connect tenant's activity log.
//!
//! Checked: every open session at start-up (webhooks may have been refused
//! while this node was down), every stalled one as it stalls, and a session
//! whose page reconnects after a long gap ([`Nudge`]).

use super::confirmd::stored_as;
use super::delivery_key;
use crate::events::platform::parse;
use crate::events::{Parsed, RECONCILED_KEY_PREFIX};
use crate::platform::InvitationRef;
use crate::state::AppState;
use crate::store::{Activity, OpenSession, Recorded, StalledWindow};
use app::protocol::{ActivityKind, SessionId};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use std::collections::HashMap;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Sessions looked up per pass; the rest wait for the next pass.
const BATCH: i64 = 200;
/// Platform lookups in flight at once.
const CONCURRENCY: usize = 8;
/// A nudged session is looked up again no sooner than this.
const NUDGE_SPACING: Duration = Duration::from_secs(1);

/// Asks for one session to be checked now (a page came back to it after a
/// long gap). Never blocks: a full queue drops the nudge, and the periodic
/// pass still finds the session.
#[derive(Clone)]
pub struct Nudge(mpsc::Sender<SessionId>);

pub type Nudged = mpsc::Receiver<SessionId>;

pub fn channel() -> (Nudge, Nudged) {
    let (tx, rx) = mpsc::channel(256);
    (Nudge(tx), rx)
}

impl Nudge {
    pub fn check(&self, session: SessionId) {
        let _ = self.0.try_send(session);
    }
}

/// Runs until the server stops.
pub async fn run(state: AppState, mut nudged: Nudged) {
    let after = state.settings.reconcile_after;
    let stalled_for = chrono::Duration::from_std(after).unwrap_or(chrono::Duration::MAX);
    let mut tick = tokio::time::interval((after / 2).clamp(Duration::from_millis(100), Duration::from_secs(5)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // When each session was last looked up, so a stalled one is asked
    // about once per `after`, not once per tick.
    let mut checked: HashMap<SessionId, Instant> = HashMap::new();
    let mut started = false;
    // Where the periodic pass goes on from (the epoch: from the start; an
    // earlier time would not fit PostgreSQL's range): a pass lists at most BATCH
    // sessions, and the next one the sessions that moved after them.
    let mut since = DateTime::<Utc>::UNIX_EPOCH;
    loop {
        let (only, spacing) = tokio::select! {
            _ = tick.tick() => (None, after),
            Some(session) = nudged.recv() => (Some(session), NUDGE_SPACING),
        };
        let now = Utc::now();
        // The first pass takes every open session, however recent.
        let before =
            if started || only.is_some() { now.checked_sub_signed(stalled_for).unwrap_or(DateTime::<Utc>::UNIX_EPOCH) } else { now };
        let window = StalledWindow { since: if only.is_some() { DateTime::<Utc>::UNIX_EPOCH } else { since }, before, only: only.as_ref() };
        let sessions = match state.store.stalled_sessions(window, now, BATCH).await {
            Ok(sessions) => sessions,
            Err(err) => {
                tracing::warn!(error = %err, "could not list stalled sessions");
                continue;
            }
        };
        if only.is_none() {
            // A short page was the last: start over next time.
            since = match sessions.last() {
                Some(last) if sessions.len() as i64 == BATCH => last.updated_at,
                _ => DateTime::<Utc>::UNIX_EPOCH,
            };
        }
        started |= only.is_none();
        checked.retain(|_, at| at.elapsed() < after.max(NUDGE_SPACING));
        let due: Vec<OpenSession> =
            sessions.into_iter().filter(|s| checked.get(&s.session_id).is_none_or(|at| at.elapsed() >= spacing)).collect();
        for session in &due {
            checked.insert(session.session_id.clone(), Instant::now());
        }
        if due.is_empty() {
            continue;
        }
        let apps = match state.store.platform_apps().await {
            Ok(apps) => apps,
            Err(err) => {
                tracing::warn!(error = %err, "could not list the platform's webhook apps");
                continue;
            }
        };
        futures_util::stream::iter(due)
            .for_each_concurrent(CONCURRENCY, |session| {
                let (state, apps) = (&state, &apps);
                async move {
                    if let Err(err) = check(state, &session, apps).await {
                        tracing::warn!(error = %err, "could not reconcile a session with the platform");
                    }
                }
            })
            .await;
    }
}

/// Looks `session` up on the platform and stores each record that would
/// move it. Returns how many were stored.
pub async fn check(state: &AppState, session: &OpenSession, apps: &[String]) -> anyhow::Result<usize> {
    let invitation =
        InvitationRef { out_of_band_id: session.out_of_band_id.as_str(), invitation_id: session.invitation_id.as_deref(), apps };
    let mut stored = 0;
    for record in state.platform.connections_of(&invitation).await? {
        let event = parse(&record.body, record.topic)?;
        let Some(connection) = &event.connection else { continue };
        // Only what moves the session forward: a record still at the
        // session's own step (a multi-use template, an unscanned
        // invitation) would only add a row on every pass.
        if connection.status.is_none_or(|s| session.status.advance(s).is_none()) {
            continue;
        }
        // Under the key it would have had as a webhook, marked: polling the
        // same record again stores nothing new.
        let key = format!("{RECONCILED_KEY_PREFIX}{}", delivery_key(event.delivery_id.as_deref(), &record.body));
        let delivery = stored_as(&event, key, record.body);
        let recorded = state.store.record_deliveries(std::slice::from_ref(&delivery), &state.lease()).await?[0];
        let Recorded::New(id) = recorded else { continue };
        let detail = format!(
            "connection {} found {} on the platform after {}s without a webhook",
            connection.connection_id.as_ref().map_or("(none)", |c| c.as_str()),
            connection.state,
            (Utc::now() - session.updated_at).num_seconds(),
        );
        tracing::info!(provider = %delivery.provider, topic = %event.topic, "reconciled a stalled session from the platform");
        state.deliveries.fresh(id, delivery, Parsed::platform(event), None);
        let activity = Activity { tenant: Some(state.settings.connect_tenant), actor: None, kind: ActivityKind::SessionReconciled, detail };
        state.store.log_activity(&activity, Utc::now()).await?;
        stored += 1;
    }
    Ok(stored)
}

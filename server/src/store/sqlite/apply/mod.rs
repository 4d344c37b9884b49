//! [`ApplyTx`] on SQLite: units of work run on the delivery writer's thread,
//! each in a savepoint of the writer's transaction, with prepared statements
//! kept on its connection. A unit that fails (or whose delivery is no longer
//! this node's) is rolled back alone; the rest share one commit.

mod effects;
mod notifications;
pub(super) mod rows;
mod sessions;
mod tenant;
mod whatsapp;

use crate::events::{Change, Provider, UnreadCounts};
use crate::store::*;
use app::protocol::{
    CollegeId, ConnectionId, DeliveryStatus, IncomingMessage, Notification, OrderView, OutboundEventType, OutgoingMessage, Room, SessionId,
    SessionView, TenantId,
};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};
use serde_json::Value;
use std::collections::HashSet;

/// A unit of work's view of the writer's transaction.
struct SqliteApply<'c> {
    conn: &'c Connection,
    now: DateTime<Utc>,
    outbox: Vec<OutboxEntry>,
}

fn db(err: rusqlite::Error) -> StoreError {
    StoreError::database(err)
}

impl ApplyTx for SqliteApply<'_> {
    fn now(&self) -> DateTime<Utc> {
        self.now
    }

    fn insert_session(&mut self, session: &NewSession) -> StoreResult<()> {
        sessions::insert(self.conn, session).map_err(db)
    }

    fn session(&mut self, id: &SessionId) -> StoreResult<Option<SessionView>> {
        Ok(sessions::by_id(self.conn, id).map_err(db)?.map(|r| r.view))
    }

    fn session_by_connection(&mut self, id: &ConnectionId) -> StoreResult<Option<SessionRecord>> {
        sessions::by_connection(self.conn, id).map_err(db)
    }

    fn sessions_by_invitation(&mut self, ids: &[String]) -> StoreResult<Vec<SessionRecord>> {
        sessions::by_invitation(self.conn, ids).map_err(db)
    }

    fn newest_waiting_session(&mut self) -> StoreResult<Option<SessionRecord>> {
        sessions::newest_waiting(self.conn).map_err(db)
    }

    fn apply_status(&mut self, change: &StatusChange) -> StoreResult<bool> {
        sessions::apply_status(self.conn, change).map_err(db)
    }

    fn abandon_expired(&mut self, now: DateTime<Utc>) -> StoreResult<Vec<SessionView>> {
        sessions::abandon_expired(self.conn, now).map_err(db)
    }

    fn insert_outgoing(&mut self, message: &NewOutgoing) -> StoreResult<(OutgoingMessage, bool)> {
        whatsapp::insert_outgoing(self.conn, message).map_err(db)
    }

    fn outgoing_by_wamid(&mut self, wamid: &str) -> StoreResult<Option<OutgoingMessage>> {
        whatsapp::by_wamid(self.conn, wamid).map_err(db)
    }

    fn apply_message_change(&mut self, change: &MessageChange) -> StoreResult<bool> {
        whatsapp::apply_change(self.conn, change).map_err(db)
    }

    fn number_owners(&mut self, phone_number_id: &str) -> StoreResult<Vec<TenantId>> {
        whatsapp::number_owners(self.conn, phone_number_id).map_err(db)
    }

    fn last_confirmed_college(&mut self, contact: &str, phone_number_id: &str, candidates: &[TenantId]) -> StoreResult<Option<CollegeId>> {
        whatsapp::last_confirmed(self.conn, contact, phone_number_id, candidates).map_err(db)
    }

    fn insert_incoming(&mut self, message: &NewIncoming) -> StoreResult<Option<IncomingMessage>> {
        whatsapp::insert_incoming(self.conn, message).map_err(db)
    }

    fn upsert_order(&mut self, order: &NewOrder) -> StoreResult<Upserted<OrderView>> {
        tenant::upsert_order(self.conn, order, self.now).map_err(db)
    }

    fn record_payment(&mut self, payment: &NewPayment) -> StoreResult<Upserted<Option<OrderView>>> {
        tenant::record_payment(self.conn, payment, self.now).map_err(db)
    }

    fn upsert_entity(&mut self, tenant: TenantId, room: Room, id: &str, data: &Value) -> StoreResult<()> {
        tenant::upsert_entity(self.conn, tenant, room, id, data, self.now).map_err(db)
    }

    fn insert_notification(&mut self, notification: &NewNotification) -> StoreResult<Option<Notification>> {
        notifications::insert(self.conn, notification, self.now).map_err(db)
    }

    fn set_notification_state(
        &mut self,
        tenant: TenantId,
        id: i64,
        reader: Option<i64>,
        read: Option<bool>,
        dismissed: Option<bool>,
    ) -> StoreResult<Option<Notification>> {
        notifications::set_state(self.conn, tenant, id, reader, read, dismissed).map_err(db)
    }

    fn mark_all_read(&mut self, tenant: TenantId, reader: Option<i64>) -> StoreResult<i64> {
        notifications::mark_all_read(self.conn, tenant, reader).map_err(db)
    }

    fn unread_counts(&mut self, tenant: TenantId) -> StoreResult<UnreadCounts> {
        notifications::unread_counts(self.conn, tenant).map_err(db)
    }

    fn is_member(&mut self, tenant: TenantId, user: i64) -> StoreResult<bool> {
        notifications::is_member(self.conn, tenant, user).map_err(db)
    }

    fn enqueue(&mut self, tenant: TenantId, event_type: OutboundEventType, payload: &Value, source: &str) -> StoreResult<()> {
        effects::enqueue(self.conn, tenant, event_type, payload, source, self.now).map_err(db)
    }

    fn publish(&mut self, change: Change) -> StoreResult<()> {
        let entry = effects::publish(self.conn, change, self.now).map_err(db)?;
        self.outbox.push(entry);
        Ok(())
    }

    fn requeue_unmatched(&mut self, provider: Provider, claim: &str) -> StoreResult<Vec<i64>> {
        effects::requeue_unmatched(self.conn, provider, claim).map_err(db)
    }
}

/// Runs `work` in a savepoint of `tx`: kept if it succeeds, rolled back if
/// it fails.
pub(in crate::store::sqlite) fn run<T>(conn: &Connection, now: DateTime<Utc>, work: Work<T>) -> anyhow::Result<(T, Vec<OutboxEntry>)> {
    in_savepoint(conn, |conn| {
        let mut view = SqliteApply { conn, now, outbox: Vec::new() };
        let result = work(&mut view)?;
        Ok((result, view.outbox))
    })
}

/// Runs `f` between `SAVEPOINT` and `RELEASE`, rolling back to the
/// savepoint if it fails. (Prepared once and kept: rusqlite's own savepoints
/// parse their SQL on every use.)
pub(in crate::store::sqlite) fn in_savepoint<T>(conn: &Connection, f: impl FnOnce(&Connection) -> anyhow::Result<T>) -> anyhow::Result<T> {
    conn.prepare_cached("SAVEPOINT unit")?.execute([])?;
    let result = f(conn);
    if result.is_err() {
        conn.prepare_cached("ROLLBACK TO unit")?.execute([])?;
    }
    conn.prepare_cached("RELEASE unit")?.execute([])?;
    result
}

/// Applies a job's units, each in a savepoint of `tx`, and marks their
/// deliveries with their outcomes. A unit whose delivery `owner` no longer
/// holds (another node took it, or it was applied already) is not run.
/// Inside the writer's transaction nothing else can take a delivery, so the
/// one check up front holds for the whole job.
pub(in crate::store::sqlite) fn apply(conn: &Connection, owner: &str, now: DateTime<Utc>, units: Vec<Unit>) -> Vec<Done> {
    match apply_units(conn, owner, now, units) {
        Ok(done) => done,
        Err((count, err)) => (0..count).map(|_| Done::Failed(format!("{err:#}"))).collect(),
    }
}

type JobFailure = (usize, anyhow::Error);

fn apply_units(conn: &Connection, owner: &str, now: DateTime<Utc>, units: Vec<Unit>) -> Result<Vec<Done>, JobFailure> {
    let count = units.len();
    let fail = |err: anyhow::Error| (count, err);
    if units.iter().all(|u| u.work.is_none()) {
        // Nothing to apply, only to mark: the marking is the lease check.
        let marks: Vec<_> = units.iter().map(|u| (u.delivery, DeliveryStatus::Processed, None)).collect();
        let marked = mark(conn, owner, now, &marks).map_err(|e| fail(e.into()))?;
        let done = |u: &Unit| {
            if marked.contains(&u.delivery) {
                Done::Applied { applied: Applied::default(), outbox: Vec::new() }
            } else {
                Done::Lost
            }
        };
        return Ok(units.iter().map(done).collect());
    }
    let held: HashSet<i64> = (|| {
        let mut select = conn.prepare_cached("SELECT 1 FROM webhook_deliveries WHERE id = ?1 AND status = ?2 AND lease_owner = ?3")?;
        let mut held = HashSet::with_capacity(count);
        for unit in &units {
            if select.exists(params![unit.delivery, DeliveryStatus::Pending.as_str(), owner])? {
                held.insert(unit.delivery);
            }
        }
        rusqlite::Result::Ok(held)
    })()
    .map_err(|e: rusqlite::Error| fail(e.into()))?;
    // Usually every unit succeeds: one savepoint for the job. Should one
    // fail, the job is undone and each unit run again in a savepoint of its
    // own, so the failure stays its own.
    type Ran = Option<(Applied, Vec<OutboxEntry>)>;
    let together: anyhow::Result<Vec<Ran>> = in_savepoint(conn, |conn| {
        units.iter().map(|unit| if held.contains(&unit.delivery) { run_unit(conn, now, unit) } else { Ok(None) }).collect()
    });
    let outcomes: Vec<anyhow::Result<Ran>> = match together {
        Ok(outcomes) => outcomes.into_iter().map(Ok).collect(),
        Err(_) => units
            .iter()
            .map(|unit| if held.contains(&unit.delivery) { in_savepoint(conn, |conn| run_unit(conn, now, unit)) } else { Ok(None) })
            .collect(),
    };
    let mut done = Vec::with_capacity(count);
    let mut marks: Vec<(i64, DeliveryStatus, Option<SessionId>)> = Vec::with_capacity(count);
    for (unit, outcome) in units.iter().zip(outcomes) {
        match outcome {
            Ok(Some((applied, outbox))) => {
                marks.push((unit.delivery, applied.status.into(), applied.session.clone()));
                done.push(Done::Applied { applied, outbox });
            }
            Ok(None) => done.push(Done::Lost),
            Err(err) => done.push(Done::Failed(format!("{err:#}"))),
        }
    }
    mark(conn, owner, now, &marks).map_err(|e| fail(e.into()))?;
    Ok(done)
}

/// Runs a held delivery's unit (if it has work): what it applied.
fn run_unit(conn: &Connection, now: DateTime<Utc>, unit: &Unit) -> anyhow::Result<Option<(Applied, Vec<OutboxEntry>)>> {
    let Some(work) = &unit.work else { return Ok(Some((Applied::default(), Vec::new()))) };
    let mut view = SqliteApply { conn, now, outbox: Vec::new() };
    let applied = work(&mut view)?;
    Ok(Some((applied, view.outbox)))
}

/// Marks deliveries `owner` holds with their outcomes. Returns the ids
/// marked (the others were not `owner`'s any more).
fn mark(
    conn: &Connection,
    owner: &str,
    now: DateTime<Utc>,
    marks: &[(i64, DeliveryStatus, Option<SessionId>)],
) -> rusqlite::Result<HashSet<i64>> {
    let at = rows::timestamp(now);
    // By primary key, one delivery at a time: cheaper than one statement
    // over a JSON list of ids (a profile of ingest).
    let mut update = conn.prepare_cached(
        "UPDATE webhook_deliveries SET status = ?1, session_id = ?2, processed_at = ?3, attempts = attempts + 1, \
         last_error = NULL, next_attempt_at = NULL, lease_owner = NULL, lease_until = NULL \
         WHERE id = ?4 AND status = ?5 AND lease_owner = ?6",
    )?;
    let pending = DeliveryStatus::Pending.as_str();
    let mut marked = HashSet::with_capacity(marks.len());
    for (id, status, session) in marks {
        let session = session.as_ref().map(|s| s.as_str());
        if update.execute(params![status.as_str(), session, at, id, pending, owner])? == 1 {
            marked.insert(*id);
        }
    }
    Ok(marked)
}

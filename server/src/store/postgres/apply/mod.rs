//! [`ApplyTx`] on PostgreSQL: units of work run on the writer's thread,
//! each statement a blocking call on the writer's connection, inside the
//! writer's transaction. A unit first locks its delivery (`FOR UPDATE`), so
//! no other node's claim or unit touches it until the commit.

mod effects;
mod notifications;
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
use serde_json::Value;
use sqlx::{Executor, PgConnection};
use std::collections::HashSet;
use tokio::runtime::Runtime;

/// A unit of work's view of the writer's transaction.
struct PgApply<'c> {
    rt: &'c Runtime,
    conn: &'c mut PgConnection,
    now: DateTime<Utc>,
    outbox: Vec<OutboxEntry>,
}

impl ApplyTx for PgApply<'_> {
    fn now(&self) -> DateTime<Utc> {
        self.now
    }

    fn insert_session(&mut self, session: &NewSession) -> StoreResult<()> {
        Ok(self.rt.block_on(sessions::insert(&mut *self.conn, session))?)
    }

    fn session(&mut self, id: &SessionId) -> StoreResult<Option<SessionView>> {
        Ok(self.rt.block_on(sessions::by_id(&mut *self.conn, id))?.map(|r| r.view))
    }

    fn session_by_connection(&mut self, id: &ConnectionId) -> StoreResult<Option<SessionRecord>> {
        Ok(self.rt.block_on(sessions::by_connection(&mut *self.conn, id))?)
    }

    fn sessions_by_invitation(&mut self, ids: &[String]) -> StoreResult<Vec<SessionRecord>> {
        Ok(self.rt.block_on(sessions::by_invitation(&mut *self.conn, ids))?)
    }

    fn newest_waiting_session(&mut self) -> StoreResult<Option<SessionRecord>> {
        Ok(self.rt.block_on(sessions::newest_waiting(&mut *self.conn))?)
    }

    fn apply_status(&mut self, change: &StatusChange) -> StoreResult<bool> {
        Ok(self.rt.block_on(sessions::apply_status(&mut *self.conn, change))?)
    }

    fn abandon_expired(&mut self, now: DateTime<Utc>) -> StoreResult<Vec<SessionView>> {
        Ok(self.rt.block_on(sessions::abandon_expired(&mut *self.conn, now))?)
    }

    fn insert_outgoing(&mut self, message: &NewOutgoing) -> StoreResult<(OutgoingMessage, bool)> {
        Ok(self.rt.block_on(whatsapp::insert_outgoing(&mut *self.conn, message))?)
    }

    fn outgoing_by_wamid(&mut self, wamid: &str) -> StoreResult<Option<OutgoingMessage>> {
        Ok(self.rt.block_on(whatsapp::by_wamid(&mut *self.conn, wamid))?)
    }

    fn apply_message_change(&mut self, change: &MessageChange) -> StoreResult<bool> {
        Ok(self.rt.block_on(whatsapp::apply_change(&mut *self.conn, change))?)
    }

    fn number_owners(&mut self, phone_number_id: &str) -> StoreResult<Vec<TenantId>> {
        Ok(self.rt.block_on(whatsapp::number_owners(&mut *self.conn, phone_number_id))?)
    }

    fn last_confirmed_college(&mut self, contact: &str, phone_number_id: &str, candidates: &[TenantId]) -> StoreResult<Option<CollegeId>> {
        Ok(self.rt.block_on(whatsapp::last_confirmed(&mut *self.conn, contact, phone_number_id, candidates))?)
    }

    fn insert_incoming(&mut self, message: &NewIncoming) -> StoreResult<Option<IncomingMessage>> {
        Ok(self.rt.block_on(whatsapp::insert_incoming(&mut *self.conn, message))?)
    }

    fn upsert_order(&mut self, order: &NewOrder) -> StoreResult<Upserted<OrderView>> {
        let now = self.now;
        Ok(self.rt.block_on(tenant::upsert_order(&mut *self.conn, order, now))?)
    }

    fn record_payment(&mut self, payment: &NewPayment) -> StoreResult<Upserted<Option<OrderView>>> {
        let now = self.now;
        Ok(self.rt.block_on(tenant::record_payment(&mut *self.conn, payment, now))?)
    }

    fn upsert_entity(&mut self, tenant: TenantId, room: Room, id: &str, data: &Value) -> StoreResult<()> {
        let now = self.now;
        Ok(self.rt.block_on(tenant::upsert_entity(&mut *self.conn, tenant, room, id, data, now))?)
    }

    fn insert_notification(&mut self, notification: &NewNotification) -> StoreResult<Option<Notification>> {
        let now = self.now;
        Ok(self.rt.block_on(notifications::insert(&mut *self.conn, notification, now))?)
    }

    fn set_notification_state(
        &mut self,
        tenant: TenantId,
        id: i64,
        reader: Option<i64>,
        read: Option<bool>,
        dismissed: Option<bool>,
    ) -> StoreResult<Option<Notification>> {
        Ok(self.rt.block_on(notifications::set_state(&mut *self.conn, tenant, id, reader, read, dismissed))?)
    }

    fn mark_all_read(&mut self, tenant: TenantId, reader: Option<i64>) -> StoreResult<i64> {
        Ok(self.rt.block_on(notifications::mark_all_read(&mut *self.conn, tenant, reader))?)
    }

    fn unread_counts(&mut self, tenant: TenantId) -> StoreResult<UnreadCounts> {
        Ok(self.rt.block_on(notifications::unread_counts(&mut *self.conn, tenant))?)
    }

    fn is_member(&mut self, tenant: TenantId, user: i64) -> StoreResult<bool> {
        Ok(self.rt.block_on(notifications::is_member(&mut *self.conn, tenant, user))?)
    }

    fn enqueue(&mut self, tenant: TenantId, event_type: OutboundEventType, payload: &Value, source: &str) -> StoreResult<()> {
        let now = self.now;
        Ok(self.rt.block_on(effects::enqueue(&mut *self.conn, tenant, event_type, payload, source, now))?)
    }

    fn publish(&mut self, change: Change) -> StoreResult<()> {
        let now = self.now;
        let entry = self.rt.block_on(effects::publish(&mut *self.conn, change, now))?;
        self.outbox.push(entry);
        Ok(())
    }

    fn requeue_unmatched(&mut self, provider: Provider, claim: &str) -> StoreResult<Vec<i64>> {
        Ok(self.rt.block_on(effects::requeue_unmatched(&mut *self.conn, provider, claim))?)
    }
}

/// Runs `work` in a savepoint of the writer's transaction: kept if it
/// succeeds, rolled back if it fails.
pub(super) fn run<T>(rt: &Runtime, conn: &mut PgConnection, now: DateTime<Utc>, work: Work<T>) -> anyhow::Result<(T, Vec<OutboxEntry>)> {
    in_savepoint(rt, conn, |conn| {
        let mut view = PgApply { rt, conn, now, outbox: Vec::new() };
        let result = work(&mut view)?;
        Ok((result, view.outbox))
    })
}

/// Runs `f` between `SAVEPOINT` and `RELEASE`, rolling back to the
/// savepoint if it fails (which also clears PostgreSQL's aborted state).
pub(super) fn in_savepoint<T>(
    rt: &Runtime,
    conn: &mut PgConnection,
    f: impl FnOnce(&mut PgConnection) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    rt.block_on(conn.execute("SAVEPOINT unit"))?;
    let result = f(conn);
    if result.is_err() {
        rt.block_on(conn.execute("ROLLBACK TO SAVEPOINT unit"))?;
    }
    rt.block_on(conn.execute("RELEASE SAVEPOINT unit"))?;
    result
}

/// Applies a job's units and marks their deliveries with their outcomes. A
/// unit whose delivery `owner` no longer holds (another node took it, or it
/// was applied already) is not run. The held deliveries are locked first,
/// so the check holds until the commit.
pub(super) fn apply(rt: &Runtime, conn: &mut PgConnection, owner: &str, now: DateTime<Utc>, units: Vec<Unit>) -> Vec<Done> {
    let count = units.len();
    match in_savepoint(rt, conn, |conn| apply_units(rt, conn, owner, now, &units)) {
        Ok(done) => done,
        Err(err) => (0..count).map(|_| Done::Failed(format!("{err:#}"))).collect(),
    }
}

fn apply_units(rt: &Runtime, conn: &mut PgConnection, owner: &str, now: DateTime<Utc>, units: &[Unit]) -> anyhow::Result<Vec<Done>> {
    let ids: Vec<i64> = units.iter().map(|u| u.delivery).collect();
    let held: HashSet<i64> = rt
        .block_on(
            sqlx::query_scalar::<_, i64>(
                "SELECT id FROM webhook_deliveries WHERE id = ANY($1) AND status = $2 AND lease_owner = $3 ORDER BY id FOR UPDATE",
            )
            .bind(&ids)
            .bind(DeliveryStatus::Pending)
            .bind(owner)
            .fetch_all(&mut *conn),
        )?
        .into_iter()
        .collect();
    // Usually every unit succeeds: one savepoint for the job. Should one
    // fail, the job is undone and each unit run again in a savepoint of its
    // own, so the failure stays its own.
    type Ran = Option<(Applied, Vec<OutboxEntry>)>;
    let run = |conn: &mut PgConnection, unit: &Unit| -> anyhow::Result<Ran> {
        if !held.contains(&unit.delivery) {
            return Ok(None);
        }
        let Some(work) = &unit.work else { return Ok(Some((Applied::default(), Vec::new()))) };
        let mut view = PgApply { rt, conn, now, outbox: Vec::new() };
        let applied = work(&mut view)?;
        Ok(Some((applied, view.outbox)))
    };
    let together: anyhow::Result<Vec<Ran>> = in_savepoint(rt, conn, |conn| units.iter().map(|unit| run(conn, unit)).collect());
    let outcomes: Vec<anyhow::Result<Ran>> = match together {
        Ok(outcomes) => outcomes.into_iter().map(Ok).collect(),
        Err(_) => units.iter().map(|unit| in_savepoint(rt, conn, |conn| run(conn, unit))).collect(),
    };
    let mut done = Vec::with_capacity(units.len());
    let (mut marked, mut statuses, mut sessions) = (Vec::new(), Vec::new(), Vec::new());
    for (unit, outcome) in units.iter().zip(outcomes) {
        match outcome {
            Ok(Some((applied, outbox))) => {
                marked.push(unit.delivery);
                statuses.push(DeliveryStatus::from(applied.status).as_str());
                sessions.push(applied.session.as_ref().map(|s| s.as_str().to_owned()));
                done.push(Done::Applied { applied, outbox });
            }
            Ok(None) => done.push(Done::Lost),
            Err(err) => done.push(Done::Failed(format!("{err:#}"))),
        }
    }
    // One statement for the job's marks; the rows are locked, so each held
    // delivery is marked.
    rt.block_on(
        sqlx::query(
            "UPDATE webhook_deliveries AS d SET status = m.status, session_id = m.session, processed_at = $4, \
             attempts = d.attempts + 1, last_error = NULL, next_attempt_at = NULL, lease_owner = NULL, lease_until = NULL \
             FROM UNNEST($1::bigint[], $2::text[], $3::text[]) AS m (id, status, session) WHERE d.id = m.id",
        )
        .bind(&marked)
        .bind(&statuses)
        .bind(&sessions)
        .bind(now)
        .execute(&mut *conn),
    )?;
    Ok(done)
}

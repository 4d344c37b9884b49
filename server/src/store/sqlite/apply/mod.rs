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
    CollegeId, ConnectionId, DeliveryStatus, IncomingMessage, Notification, OrderView, OutboundEventType, OutgoingMessage, Room,
    SessionId, SessionView, TenantId,
};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, Transaction};
use serde_json::Value;

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
pub(super) fn run<T>(tx: &mut Transaction<'_>, now: DateTime<Utc>, work: Work<T>) -> anyhow::Result<(T, Vec<OutboxEntry>)> {
    let savepoint = tx.savepoint()?;
    let mut view = SqliteApply { conn: &savepoint, now, outbox: Vec::new() };
    let result = work(&mut view)?;
    let outbox = view.outbox;
    savepoint.commit()?;
    Ok((result, outbox))
}

/// Applies one delivery's unit in a savepoint of `tx`, then marks the
/// delivery with the outcome, if `owner` still holds its lease; otherwise
/// (or if the work fails) nothing of it stays.
pub(super) fn apply(tx: &mut Transaction<'_>, owner: &str, now: DateTime<Utc>, unit: Unit) -> Done {
    let outcome = (|| -> anyhow::Result<Option<(Applied, Vec<OutboxEntry>)>> {
        let savepoint = tx.savepoint()?;
        let mut view = SqliteApply { conn: &savepoint, now, outbox: Vec::new() };
        let applied = (unit.work)(&mut view)?;
        let outbox = view.outbox;
        let status = DeliveryStatus::from(applied.status);
        let marked = savepoint
            .prepare_cached(
                "UPDATE webhook_deliveries SET status = ?1, session_id = ?2, processed_at = ?3, attempts = attempts + 1, \
                 last_error = NULL, next_attempt_at = NULL, lease_owner = NULL, lease_until = NULL \
                 WHERE id = ?4 AND status = ?5 AND lease_owner = ?6",
            )?
            .execute(params![
                status.as_str(),
                applied.session.as_ref().map(|s| s.as_str()),
                rows::timestamp(now),
                unit.delivery,
                DeliveryStatus::Pending.as_str(),
                owner,
            ])?;
        if marked == 0 {
            // Dropping the savepoint rolls the unit back.
            return Ok(None);
        }
        savepoint.commit()?;
        Ok(Some((applied, outbox)))
    })();
    match outcome {
        Ok(Some((applied, outbox))) => Done::Applied { applied, outbox },
        Ok(None) => Done::Lost,
        Err(err) => Done::Failed(format!("{err:#}")),
    }
}

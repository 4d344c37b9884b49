//! The delivery writer: one thread with a SQLite connection of its own
//! writes webhook deliveries and runs the worker's units of work.
//!
//! - **Group commit.** Deliveries from many concurrent requests share one
//!   durable transaction, and each request is answered only after its
//!   commit. SQLite has one writer and a commit costs an fsync, so
//!   committing one delivery at a time would cap intake; batching lifts
//!   the cap without weakening "a 2xx means it is on disk". Under load a
//!   batch waits a moment for the requests in flight (as PostgreSQL's
//!   `commit_delay` does), so each commit carries more of them.
//! - **Units ride along.** The worker's units of work (a delivery's state
//!   change, what it causes, and its mark) queue here too and go in the
//!   same transaction as whatever deliveries are waiting, so intake and the
//!   worker take one turn at the write lock between them. A transaction of
//!   units alone skips the fsync (`synchronous=NORMAL`): a unit and its
//!   delivery's mark commit together, so losing the last commits to a power
//!   cut leaves their deliveries pending, to be applied again.
//! - **A job fails alone.** Each job runs in a savepoint of the shared
//!   transaction: one that fails is rolled back alone, and the rest commit.
//! - **One hand-off per batch.** The batch crosses to this thread once;
//!   every statement is prepared once and kept on the connection.

use super::apply;
use crate::events::NewDelivery;
use crate::store::jobs::{gather, Answer, Job, Watch};
use crate::store::{Lease, Recorded, StoreError, WriteStats};
use app::protocol::DeliveryStatus;
use apply::rows::timestamp;
use chrono::Utc;
use rusqlite::{params, Connection};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, Mutex};

pub(super) use crate::store::jobs::Writer;

/// Jobs folded into one transaction at most.
const MAX_BATCH: usize = 512;
/// How long a batch under load (at least [`GATHER_FROM`] jobs) waits for
/// more before it commits.
const GATHER: Duration = Duration::from_micros(100);
const GATHER_FROM: usize = 2;

/// Opens the writer's connection to the database at `path` and starts its
/// thread, which ends when the last handle is dropped. It writes in turn
/// with the other writers queued at `gate`.
pub(super) fn start(path: &Path, gate: Arc<Mutex<()>>, stats: WriteStats) -> anyhow::Result<Writer> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    // The schema's `status IN (…)` checks build a temporary index on
    // every execution; this connection writes statuses only from the
    // protocol's enums, whose names are exactly the checked ones.
    conn.pragma_update(None, "ignore_check_constraints", true)?;
    // Every statement the writer runs stays prepared.
    conn.set_prepared_statement_cache_capacity(256);
    let (writer, rx) = Writer::new();
    std::thread::Builder::new().name("tidings-writer".into()).spawn(move || run(conn, gate, rx, &stats))?;
    Ok(writer)
}

fn run(mut conn: Connection, gate: Arc<Mutex<()>>, mut rx: mpsc::Receiver<Job>, stats: &WriteStats) {
    let _watch = Watch;
    let mut durable = true;
    while let Some(first) = rx.blocking_recv() {
        let mut batch = vec![first];
        gather(&mut rx, &mut batch, MAX_BATCH);
        // Under load (jobs already queue up), a moment's wait lets the
        // requests in flight join this commit: fewer, larger commits cost
        // less per delivery. A lone job never waits.
        if batch.len() >= GATHER_FROM {
            std::thread::sleep(GATHER);
            gather(&mut rx, &mut batch, MAX_BATCH);
        }
        let turn = gate.blocking_lock();
        // What arrived while this waited for its turn joins the batch.
        gather(&mut rx, &mut batch, MAX_BATCH);
        write(&mut conn, batch, &mut durable, stats);
        drop(turn);
    }
}

/// Writes a batch in one transaction, each job in a savepoint of its own,
/// and answers every job once the transaction has committed. The
/// transaction's own statements are prepared once and kept, like every
/// other (rusqlite's transactions parse theirs on every use).
fn write(conn: &mut Connection, batch: Vec<Job>, durable: &mut bool, stats: &WriteStats) {
    let records = batch.iter().any(|job| matches!(job, Job::Record { .. }));
    if records != *durable {
        let pragma = if records { "PRAGMA synchronous = FULL" } else { "PRAGMA synchronous = NORMAL" };
        if let Err(err) = conn.prepare_cached(pragma).and_then(|mut p| p.execute([])) {
            tracing::error!(error = %err, "the delivery writer could not set its durability");
        }
        *durable = records;
    }
    if let Err(err) = conn.prepare_cached("BEGIN IMMEDIATE").and_then(|mut begin| begin.execute([])) {
        tracing::error!(error = %err, jobs = batch.len(), "the delivery writer could not begin a transaction");
        for job in batch {
            job.fail(&err);
        }
        return;
    }
    let now = Utc::now();
    let mut answers = Vec::with_capacity(batch.len());
    for job in batch {
        answers.push(match job {
            Job::Record { deliveries, lease, reply } => {
                Answer::Record(reply, record(conn, &deliveries, &lease).map_err(StoreError::database))
            }
            Job::Apply { owner, units, reply } => Answer::Apply(reply, apply::apply(conn, &owner, now, units)),
            Job::Run { work, reply } => Answer::Run(reply, apply::run(conn, now, work)),
        });
    }
    let committing = Instant::now();
    let committed = conn.prepare_cached("COMMIT").and_then(|mut commit| commit.execute([]));
    stats.committed(answers.len(), committing.elapsed());
    if let Err(err) = &committed {
        tracing::error!(error = %err, jobs = answers.len(), "the delivery writer's transaction failed");
        let _ = conn.prepare_cached("ROLLBACK").and_then(|mut rollback| rollback.execute([]));
    }
    for answer in answers {
        answer.send(committed.as_ref().map(|_| ()).map_err(|e| e as &dyn std::fmt::Display));
    }
}

/// Stores one request's deliveries, together; a first row with a new
/// key is new (and leased), a repeat (in this batch or from before) is a
/// duplicate of the stored one.
fn record(conn: &Connection, deliveries: &[NewDelivery], lease: &Lease) -> rusqlite::Result<Vec<Recorded>> {
    // One delivery is one INSERT, all or nothing on its own. A savepoint
    // would copy every page the insert touches into its statement journal
    // first; only several deliveries need one.
    if deliveries.len() <= 1 {
        return insert(conn, deliveries, lease);
    }
    apply::in_savepoint(conn, |conn| Ok(insert(conn, deliveries, lease)?)).map_err(|e| match e.downcast::<rusqlite::Error>() {
        Ok(err) => err,
        Err(other) => rusqlite::Error::ToSqlConversionFailure(other.into()),
    })
}

fn insert(conn: &Connection, deliveries: &[NewDelivery], lease: &Lease) -> rusqlite::Result<Vec<Recorded>> {
    let mut recorded = Vec::with_capacity(deliveries.len());
    {
        let mut insert = conn.prepare_cached(
            "INSERT INTO webhook_deliveries (provider, delivery_key, topic, body, status, received_at, claim, lease_owner, lease_until) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (provider, delivery_key) DO NOTHING",
        )?;
        let mut stored = conn.prepare_cached("SELECT id FROM webhook_deliveries WHERE provider = ?1 AND delivery_key = ?2")?;
        let until = timestamp(lease.until);
        for d in deliveries {
            let provider = d.provider.as_str();
            let params = params![
                provider,
                d.delivery_key,
                d.topic,
                d.body,
                DeliveryStatus::Pending.as_str(),
                timestamp(d.received_at),
                d.claim,
                &*lease.owner,
                until
            ];
            if insert.execute(params)? == 1 {
                recorded.push(Recorded::New(conn.last_insert_rowid()));
            } else {
                let id = stored.query_row(params![provider, d.delivery_key], |row| row.get(0))?;
                recorded.push(Recorded::Duplicate(id));
            }
        }
    }
    Ok(recorded)
}

#[cfg(test)]
mod tests {
    use super::{timestamp, Job};
    use crate::events::NewDelivery;
    use crate::store::{DeliveryStore, Lease, Recorded, SqliteStore};
    use chrono::Utc;
    use tokio::sync::oneshot;

    fn lease() -> Lease {
        Lease { owner: "test-node".into(), until: Utc::now() + chrono::Duration::seconds(30) }
    }

    async fn store(dir: &tempfile::TempDir) -> SqliteStore {
        SqliteStore::connect(&format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display())).await.unwrap()
    }

    #[tokio::test]
    async fn concurrent_requests_share_a_commit_and_repeats_are_duplicates() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(&dir).await;
        let first = store
            .record_deliveries(&[NewDelivery::sample("a"), NewDelivery::sample("b"), NewDelivery::sample("a")], &lease())
            .await
            .unwrap();
        let (Recorded::New(a), Recorded::New(b), Recorded::Duplicate(a_again)) = (first[0], first[1], first[2]) else {
            panic!("{first:?}");
        };
        assert_ne!(a, b);
        assert_eq!(a, a_again);
        let many = futures_util::future::join_all((0..50).map(|i| {
            let store = &store;
            async move { store.record_deliveries(&[NewDelivery::sample(&format!("k{}", i % 25))], &lease()).await.unwrap()[0] }
        }))
        .await;
        let new = many.iter().filter(|r| matches!(r, Recorded::New(_))).count();
        assert_eq!(new, 25, "each key stored once");
        assert_eq!(store.record_deliveries(&[NewDelivery::sample("b")], &lease()).await.unwrap(), vec![Recorded::Duplicate(b)]);
    }

    #[tokio::test]
    async fn a_large_batch_is_stored_whole_and_its_repeats_name_the_stored_rows() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(&dir).await;
        let batch: Vec<NewDelivery> = (0..1200).map(|i| NewDelivery::sample(&format!("k{}", i % 1000))).collect();
        let recorded = store.record_deliveries(&batch, &lease()).await.unwrap();
        assert!(recorded[..1000].iter().all(|r| matches!(r, Recorded::New(_))), "the first thousand keys are new");
        for (first, repeat) in recorded[..200].iter().zip(&recorded[1000..]) {
            let (Recorded::New(id), Recorded::Duplicate(again)) = (first, repeat) else { panic!("{first:?} {repeat:?}") };
            assert_eq!(id, again, "a repeat in the batch names the stored row");
        }
    }

    #[tokio::test]
    async fn a_job_that_fails_fails_alone_when_it_shares_a_transaction() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(&dir).await;
        sqlx::query(
            "CREATE TRIGGER poison BEFORE INSERT ON webhook_deliveries WHEN NEW.delivery_key = 'poison' \
             BEGIN SELECT RAISE(ABORT, 'poisoned'); END",
        )
        .execute(&store.pool)
        .await
        .unwrap();
        // Both jobs are queued while another writer holds the turn, so the
        // writer takes them in one batch.
        let turn = store.gate.lock().await;
        let (bad_reply, bad) = oneshot::channel();
        let (good_reply, good) = oneshot::channel();
        store.writer.send(Job::Record { deliveries: vec![NewDelivery::sample("poison")], lease: lease(), reply: bad_reply }).await.unwrap();
        store.writer.send(Job::Record { deliveries: vec![NewDelivery::sample("fine")], lease: lease(), reply: good_reply }).await.unwrap();
        drop(turn);
        assert!(bad.await.unwrap().is_err(), "the poisoned delivery is refused");
        let good = good.await.unwrap().expect("the other delivery is stored");
        assert!(matches!(good[..], [Recorded::New(_)]), "{good:?}");
    }

    #[test]
    fn times_are_written_as_sqlx_writes_them() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-11-22T10:11:12.345678Z").unwrap().with_timezone(&Utc);
        let mut args = Vec::new();
        let _ = sqlx::Encode::<sqlx::Sqlite>::encode_by_ref(&at, &mut args);
        let sqlx::sqlite::SqliteArgumentValue::Text(text) = &args[0] else { panic!("{args:?}") };
        assert_eq!(timestamp(at), text.as_ref());
    }
}

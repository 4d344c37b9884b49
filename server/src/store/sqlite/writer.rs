//! The delivery writer: one thread with a SQLite connection of its own
//! writes webhook deliveries and the worker's "processed" marks.
//!
//! - **Group commit.** Deliveries from many concurrent requests share one
//!   durable transaction, and each request is answered only after its
//!   commit. SQLite has one writer and a commit costs an fsync (about
//!   0.4 ms here), so committing one delivery at a time caps intake near
//!   2,500 a second; batching lifts the cap without weakening "a 2xx means
//!   it is on disk".
//! - **Marks ride along.** The worker's marks queue here too and go in the
//!   same transaction as whatever deliveries are waiting, so intake and the
//!   worker take one turn at the write lock between them, not one each. A
//!   transaction of marks alone skips the fsync (`synchronous=NORMAL`; see
//!   [`super::SqliteStore`] for why that is safe).
//! - **A job fails alone.** Should a shared transaction fail, each of its
//!   jobs is written again in a transaction of its own, so one bad
//!   delivery cannot fail the webhooks that happened to share its commit.
//! - **One hand-off per batch.** The batch crosses to this thread once;
//!   every row is written with a statement prepared once and kept. Through
//!   sqlx each statement, and each row it returned, was a hand-off between
//!   threads of its own: a profile of ingest showed commits of sixty rows
//!   taking 1.7 ms, most of it waiting for those hand-offs to be scheduled
//!   on two busy cores.

use crate::store::{Finished, NewDelivery, Recorded, StoreResult};
use app::protocol::DeliveryStatus;
use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{params, Connection, TransactionBehavior};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, Mutex};

/// Requests waiting for the writer before new ones wait to be queued.
const QUEUE: usize = 8192;
/// Jobs folded into one transaction at most.
const MAX_BATCH: usize = 512;

enum Job {
    Record { deliveries: Vec<NewDelivery>, reply: oneshot::Sender<StoreResult<Vec<Recorded>>> },
    Finish { finished: Vec<Finished>, at: DateTime<Utc>, reply: oneshot::Sender<StoreResult<()>> },
}

pub(super) struct Writer {
    jobs: mpsc::Sender<Job>,
}

impl Writer {
    /// Opens the writer's connection to the database at `path` and starts
    /// its thread, which ends when the last handle is dropped. It writes in
    /// turn with the other writers queued at `gate`.
    pub(super) fn start(path: &Path, gate: Arc<Mutex<()>>) -> anyhow::Result<Self> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(Duration::from_secs(5))?;
        conn.pragma_update(None, "foreign_keys", true)?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        // The schema's `status IN (…)` check builds a temporary index on
        // every execution (about 2.5 µs of an UPDATE's 9 µs, measured); this
        // connection writes statuses only from `DeliveryStatus`, whose names
        // are exactly the checked ones.
        conn.pragma_update(None, "ignore_check_constraints", true)?;
        let (jobs, rx) = mpsc::channel(QUEUE);
        std::thread::Builder::new().name("tidings-writer".into()).spawn(move || run(conn, gate, rx))?;
        Ok(Self { jobs })
    }

    /// Stores `deliveries` (all or none) and returns once they are durable.
    pub(super) async fn record(&self, deliveries: Vec<NewDelivery>) -> StoreResult<Vec<Recorded>> {
        let (reply, answer) = oneshot::channel();
        self.send(Job::Record { deliveries, reply }).await?;
        answer.await.map_err(|_| sqlx::Error::PoolClosed)?
    }

    /// Records the outcomes of applied deliveries.
    pub(super) async fn finish(&self, finished: Vec<Finished>, at: DateTime<Utc>) -> StoreResult<()> {
        let (reply, answer) = oneshot::channel();
        self.send(Job::Finish { finished, at, reply }).await?;
        answer.await.map_err(|_| sqlx::Error::PoolClosed)?
    }

    async fn send(&self, job: Job) -> StoreResult<()> {
        self.jobs.send(job).await.map_err(|_| sqlx::Error::PoolClosed)
    }
}

/// Says so if the writer's thread ends by panicking: every later write
/// then fails, and the log should name why.
struct Watch;

impl Drop for Watch {
    fn drop(&mut self) {
        if std::thread::panicking() {
            tracing::error!("the delivery writer stopped; webhooks can no longer be stored");
        }
    }
}

fn run(mut conn: Connection, gate: Arc<Mutex<()>>, mut rx: mpsc::Receiver<Job>) {
    let _watch = Watch;
    let mut durable = true;
    let gather = |rx: &mut mpsc::Receiver<Job>, batch: &mut Vec<Job>| {
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
    };
    while let Some(first) = rx.blocking_recv() {
        let mut batch = vec![first];
        gather(&mut rx, &mut batch);
        let turn = gate.blocking_lock();
        // What arrived while this waited for its turn joins the batch.
        gather(&mut rx, &mut batch);
        match write(&mut conn, &batch, &mut durable) {
            Ok(recorded) => reply(batch, Ok(recorded)),
            // One job's failure must not fail the others that happened to
            // share its transaction: each is tried again on its own.
            Err(err) if batch.len() > 1 => {
                tracing::warn!(error = %err, jobs = batch.len(), "a shared transaction failed; writing its jobs one by one");
                for job in batch {
                    let job = vec![job];
                    let outcome = write(&mut conn, &job, &mut durable);
                    reply(job, outcome);
                }
            }
            Err(err) => reply(batch, Err(err)),
        }
        drop(turn);
    }
}

/// Answers each job of a batch with the batch's outcome.
fn reply(batch: Vec<Job>, outcome: rusqlite::Result<std::vec::IntoIter<Vec<Recorded>>>) {
    match outcome {
        Ok(mut recorded) => {
            for job in batch {
                match job {
                    Job::Record { reply, .. } => drop(reply.send(Ok(recorded.next().expect("an outcome per record job")))),
                    Job::Finish { reply, .. } => drop(reply.send(Ok(()))),
                }
            }
        }
        Err(err) => {
            tracing::error!(error = %err, jobs = batch.len(), "delivery writer's transaction failed");
            let failed = || sqlx::Error::Protocol(err.to_string());
            for job in batch {
                match job {
                    Job::Record { reply, .. } => drop(reply.send(Err(failed()))),
                    Job::Finish { reply, .. } => drop(reply.send(Err(failed()))),
                }
            }
        }
    }
}

/// Writes a batch in one transaction; returns each record job's outcomes,
/// in order. A first row with a new key is new; a repeat (in this batch or
/// from before) is a duplicate of the stored one.
fn write(conn: &mut Connection, batch: &[Job], durable: &mut bool) -> rusqlite::Result<std::vec::IntoIter<Vec<Recorded>>> {
    let records = batch.iter().any(|job| matches!(job, Job::Record { .. }));
    if records != *durable {
        conn.pragma_update(None, "synchronous", if records { "FULL" } else { "NORMAL" })?;
        *durable = records;
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut results = Vec::new();
    {
        let mut insert = tx.prepare_cached(
            "INSERT INTO webhook_deliveries (provider, delivery_key, topic, body, status, received_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (provider, delivery_key) DO NOTHING",
        )?;
        let mut stored =
            tx.prepare_cached("SELECT id FROM webhook_deliveries WHERE provider = ?1 AND delivery_key = ?2")?;
        let mut mark = tx.prepare_cached(
            "UPDATE webhook_deliveries SET status = ?1, session_id = ?2, processed_at = ?3, \
             attempts = attempts + 1, last_error = NULL, next_attempt_at = NULL WHERE id = ?4",
        )?;
        for job in batch {
            match job {
                Job::Record { deliveries, .. } => {
                    let mut recorded = Vec::with_capacity(deliveries.len());
                    for d in deliveries {
                        let received_at = timestamp(d.received_at);
                        let pending = DeliveryStatus::Pending.as_str();
                        let params = params![d.provider, d.delivery_key, d.topic, d.body, pending, received_at];
                        if insert.execute(params)? == 1 {
                            recorded.push(Recorded::New(tx.last_insert_rowid()));
                        } else {
                            let id = stored.query_row(params![d.provider, d.delivery_key], |row| row.get(0))?;
                            recorded.push(Recorded::Duplicate(id));
                        }
                    }
                    results.push(recorded);
                }
                Job::Finish { finished, at, .. } => {
                    let at = timestamp(*at);
                    for f in finished {
                        mark.execute(params![f.status.as_str(), f.session.as_ref().map(|s| s.as_str()), at, f.id])?;
                    }
                }
            }
        }
    }
    tx.commit()?;
    Ok(results.into_iter())
}

/// A time as sqlx writes it, so that reads through sqlx decode it and the
/// store's comparisons of stored times (text in SQLite) hold.
fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

#[cfg(test)]
mod tests {
    use super::{timestamp, Job};
    use crate::store::{DeliveryStore, NewDelivery, Recorded, SqliteStore};
    use tokio::sync::oneshot;
    use chrono::Utc;

    fn delivery(key: &str) -> NewDelivery {
        NewDelivery { provider: "test", delivery_key: key.into(), topic: "t".into(), body: b"{}".to_vec(), received_at: Utc::now() }
    }

    async fn store(dir: &tempfile::TempDir) -> SqliteStore {
        SqliteStore::connect(&format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display())).await.unwrap()
    }

    #[tokio::test]
    async fn concurrent_requests_share_a_commit_and_repeats_are_duplicates() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(&dir).await;
        let first = store.record_deliveries(&[delivery("a"), delivery("b"), delivery("a")]).await.unwrap();
        let (Recorded::New(a), Recorded::New(b), Recorded::Duplicate(a_again)) = (first[0], first[1], first[2]) else {
            panic!("{first:?}");
        };
        assert_ne!(a, b);
        assert_eq!(a, a_again);
        let many = futures_util::future::join_all((0..50).map(|i| {
            let store = &store;
            async move { store.record_delivery(&delivery(&format!("k{}", i % 25))).await.unwrap() }
        }))
        .await;
        let new = many.iter().filter(|r| matches!(r, Recorded::New(_))).count();
        assert_eq!(new, 25, "each key stored once");
        assert_eq!(store.record_delivery(&delivery("b")).await.unwrap(), Recorded::Duplicate(b));
    }

    #[tokio::test]
    async fn a_large_batch_is_stored_whole_and_its_repeats_name_the_stored_rows() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(&dir).await;
        let batch: Vec<NewDelivery> = (0..1200).map(|i| delivery(&format!("k{}", i % 1000))).collect();
        let recorded = store.record_deliveries(&batch).await.unwrap();
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
        store.writer.send(Job::Record { deliveries: vec![delivery("poison")], reply: bad_reply }).await.unwrap();
        store.writer.send(Job::Record { deliveries: vec![delivery("fine")], reply: good_reply }).await.unwrap();
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


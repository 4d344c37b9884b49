//! The delivery writer on PostgreSQL: a thread of this node's, with one
//! connection, that records webhook deliveries and runs the worker's units
//! of work, many per transaction.
//!
//! - **Group commit.** Concurrent requests' deliveries share one commit,
//!   so its round trip and WAL flush (`synchronous_commit=on`) are paid
//!   once per batch; each request is answered only after the commit.
//! - **One statement for a batch's deliveries.** Every request's
//!   deliveries in the batch go in with one `INSERT … SELECT FROM UNNEST`.
//! - **A job fails alone.** PostgreSQL aborts the whole transaction on any
//!   error: should the batch's insert fail, each request's deliveries are
//!   tried again in a savepoint of their own; each unit of work runs in one.
//! - **Sync on purpose.** Units of work ([`crate::store::ApplyTx`]) are
//!   sync closures; the thread drives its connection with a runtime of its
//!   own and blocks on each statement.
//! - **Reconnects.** After a failed begin or commit the connection is
//!   dropped; the next batch opens a new one.

use super::apply;
use crate::events::NewDelivery;
use crate::store::jobs::{gather, Answer, Job, Watch};
use crate::store::{Lease, Recorded, StoreError, WriteStats};
use app::protocol::DeliveryStatus;
use chrono::Utc;
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, Executor, PgConnection};
use std::collections::HashMap;
use std::time::Instant;
use tokio::runtime::Runtime;
use tokio::sync::{mpsc, oneshot};

pub(super) use crate::store::jobs::Writer;

/// Jobs folded into one transaction at most.
const MAX_BATCH: usize = 512;

/// Connects the writer and starts its thread, which ends when the last
/// handle is dropped.
pub(super) async fn start(options: PgConnectOptions, stats: WriteStats) -> anyhow::Result<Writer> {
    let (writer, rx) = Writer::new();
    let (ready, connected) = oneshot::channel::<anyhow::Result<()>>();
    std::thread::Builder::new().name("tidings-writer".into()).spawn(move || {
        let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
            Ok(rt) => rt,
            Err(err) => return drop(ready.send(Err(err.into()))),
        };
        match rt.block_on(PgConnection::connect_with(&options)) {
            Ok(conn) => {
                let _ = ready.send(Ok(()));
                run(Link { rt, options, conn: Some(conn), stats }, rx);
            }
            Err(err) => drop(ready.send(Err(err.into()))),
        }
    })?;
    connected.await??;
    Ok(writer)
}

/// The writer's connection, opened again when it was lost.
struct Link {
    rt: Runtime,
    options: PgConnectOptions,
    conn: Option<PgConnection>,
    stats: WriteStats,
}

fn run(mut link: Link, mut rx: mpsc::Receiver<Job>) {
    let _watch = Watch;
    while let Some(first) = rx.blocking_recv() {
        let mut batch = vec![first];
        gather(&mut rx, &mut batch, MAX_BATCH);
        write(&mut link, batch);
    }
}

/// Writes a batch in one transaction, each job in a savepoint of its own,
/// and answers every job once the transaction has committed.
fn write(link: &mut Link, batch: Vec<Job>) {
    let Link { rt, options, conn, stats } = link;
    if conn.is_none() {
        match rt.block_on(PgConnection::connect_with(options)) {
            Ok(opened) => *conn = Some(opened),
            Err(err) => {
                tracing::error!(error = %err, jobs = batch.len(), "the delivery writer could not reach PostgreSQL");
                return batch.into_iter().for_each(|job| job.fail(&err));
            }
        }
    }
    let Some(c) = conn.as_mut() else { return };
    if let Err(err) = rt.block_on(c.execute("BEGIN")) {
        tracing::error!(error = %err, jobs = batch.len(), "the delivery writer could not begin a transaction");
        *conn = None;
        return batch.into_iter().for_each(|job| job.fail(&err));
    }
    let now = Utc::now();
    let mut together = record_together(rt, c, &batch).into_iter();
    let mut answers = Vec::with_capacity(batch.len());
    for job in batch {
        answers.push(match job {
            Job::Record { deliveries, lease, reply } => {
                let recorded = match together.next() {
                    Some(recorded) => Ok(recorded),
                    None => apply::in_savepoint(rt, c, |c| Ok(record(rt, c, &deliveries, &lease)?)),
                };
                Answer::Record(reply, recorded.map_err(|e| StoreError::Database(e.into())))
            }
            Job::Apply { owner, units, reply } => Answer::Apply(reply, apply::apply(rt, c, &owner, now, units)),
            Job::Run { work, reply } => Answer::Run(reply, apply::run(rt, c, now, work)),
        });
    }
    let committing = Instant::now();
    let committed = rt.block_on(c.execute("COMMIT"));
    stats.committed(answers.len(), committing.elapsed());
    if let Err(err) = &committed {
        tracing::error!(error = %err, jobs = answers.len(), "the delivery writer's transaction failed");
        // The connection may be the cause: start the next batch on a new one.
        if let Some(broken) = conn.take() {
            let _ = rt.block_on(broken.close());
        }
    }
    for answer in answers {
        answer.send(committed.as_ref().map(|_| ()).map_err(|e| e as &dyn std::fmt::Display));
    }
}

/// Stores the deliveries of every record job of `batch` in one statement:
/// each job's outcome, in order; none if that failed (nothing was written).
fn record_together(rt: &Runtime, conn: &mut PgConnection, batch: &[Job]) -> Vec<Vec<Recorded>> {
    let jobs: Vec<(&[NewDelivery], &Lease)> = batch
        .iter()
        .filter_map(|job| match job {
            Job::Record { deliveries, lease, .. } => Some((deliveries.as_slice(), lease)),
            _ => None,
        })
        .collect();
    if jobs.len() < 2 {
        return Vec::new();
    }
    let rows = jobs.iter().flat_map(|(deliveries, lease)| deliveries.iter().map(move |d| (d, *lease)));
    let (mut providers, mut keys, mut topics, mut bodies, mut received, mut claims, mut owners, mut until) =
        (vec![], vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
    for (d, lease) in rows {
        providers.push(d.provider.as_str());
        keys.push(d.delivery_key.as_str());
        topics.push(d.topic.as_str());
        bodies.push(d.body.as_slice());
        received.push(d.received_at);
        claims.push(d.claim.as_deref());
        owners.push(&*lease.owner);
        until.push(lease.until);
    }
    let inserted = apply::in_savepoint(rt, conn, |conn| {
        let rows: Vec<(i64, String, String)> = rt.block_on(
            sqlx::query_as(
                "INSERT INTO webhook_deliveries (provider, delivery_key, topic, body, status, received_at, claim, lease_owner, lease_until)                  SELECT d.provider, d.delivery_key, d.topic, d.body, $9, d.received_at, d.claim, d.lease_owner, d.lease_until                  FROM UNNEST($1::text[], $2::text[], $3::text[], $4::bytea[], $5::timestamptz[], $6::text[], $7::text[], $8::timestamptz[])                  AS d (provider, delivery_key, topic, body, received_at, claim, lease_owner, lease_until)                  ON CONFLICT (provider, delivery_key) DO NOTHING RETURNING id, provider, delivery_key",
            )
            .bind(&providers)
            .bind(&keys)
            .bind(&topics)
            .bind(&bodies)
            .bind(&received)
            .bind(&claims)
            .bind(&owners)
            .bind(&until)
            .bind(DeliveryStatus::Pending)
            .fetch_all(&mut *conn),
        )?;
        let new: HashMap<(String, String), i64> = rows.into_iter().map(|(id, p, k)| ((p, k), id)).collect();
        // The others were stored before (or by another node just now).
        let stored: Vec<(i64, String, String)> = rt.block_on(
            sqlx::query_as(
                "SELECT w.id, w.provider, w.delivery_key FROM webhook_deliveries w                  JOIN UNNEST($1::text[], $2::text[]) AS d (provider, delivery_key)                  ON w.provider = d.provider AND w.delivery_key = d.delivery_key",
            )
            .bind(&providers)
            .bind(&keys)
            .fetch_all(&mut *conn),
        )?;
        let stored: HashMap<(String, String), i64> = stored.into_iter().map(|(id, p, k)| ((p, k), id)).collect();
        Ok((new, stored))
    });
    let Ok((mut new, stored)) = inserted else { return Vec::new() };
    let mut outcome = Vec::with_capacity(jobs.len());
    for (deliveries, _) in &jobs {
        let mut recorded = Vec::with_capacity(deliveries.len());
        for d in *deliveries {
            let key = (d.provider.as_str().to_owned(), d.delivery_key.clone());
            // The first of a key in the batch is the new one.
            recorded.push(match (new.remove(&key), stored.get(&key)) {
                (Some(id), _) => Recorded::New(id),
                (None, Some(id)) => Recorded::Duplicate(*id),
                (None, None) => return Vec::new(),
            });
        }
        outcome.push(recorded);
    }
    outcome
}

/// Stores one request's deliveries; a first row with a new key is new (and
/// leased), a repeat (in this request, from before, or from another node
/// at the same moment) is a duplicate of the stored one.
fn record(rt: &Runtime, conn: &mut PgConnection, deliveries: &[NewDelivery], lease: &Lease) -> sqlx::Result<Vec<Recorded>> {
    rt.block_on(async {
        let mut recorded = Vec::with_capacity(deliveries.len());
        for d in deliveries {
            let inserted: Option<i64> = sqlx::query_scalar(
                "INSERT INTO webhook_deliveries (provider, delivery_key, topic, body, status, received_at, claim, lease_owner, lease_until) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (provider, delivery_key) DO NOTHING RETURNING id",
            )
            .bind(d.provider)
            .bind(&d.delivery_key)
            .bind(&d.topic)
            .bind(&d.body)
            .bind(DeliveryStatus::Pending)
            .bind(d.received_at)
            .bind(&d.claim)
            .bind(&*lease.owner)
            .bind(lease.until)
            .fetch_optional(&mut *conn)
            .await?;
            recorded.push(match inserted {
                Some(id) => Recorded::New(id),
                None => Recorded::Duplicate(
                    sqlx::query_scalar("SELECT id FROM webhook_deliveries WHERE provider = $1 AND delivery_key = $2")
                        .bind(d.provider)
                        .bind(&d.delivery_key)
                        .fetch_one(&mut *conn)
                        .await?,
                ),
            });
        }
        Ok(recorded)
    })
}

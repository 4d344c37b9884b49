//! What a backend's writer takes: deliveries to record, units of work to
//! apply, and one-off units to run, queued from async callers to the
//! writer's thread and answered once their transaction has committed.
//! Each backend drains the queue in batches of its own making.

use super::{Done, Lease, OutboxEntry, Recorded, StoreError, StoreResult, Unit, Work};
use crate::events::NewDelivery;
use prometheus::{Histogram, HistogramOpts};
use std::any::Any;
use std::fmt::Display;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// Requests waiting for the writer before new ones wait to be queued.
const QUEUE: usize = 8192;

pub(super) type Ran = anyhow::Result<(Box<dyn Any + Send>, Vec<OutboxEntry>)>;

pub(super) enum Job {
    Record { deliveries: Vec<NewDelivery>, lease: Lease, reply: oneshot::Sender<StoreResult<Vec<Recorded>>> },
    Apply { owner: Arc<str>, units: Vec<Unit>, reply: oneshot::Sender<Vec<Done>> },
    Run { work: Work<Box<dyn Any + Send>>, reply: oneshot::Sender<Ran> },
}

impl Job {
    /// Answers a job that could not run at all.
    pub(super) fn fail(self, err: &dyn Display) {
        match self {
            Job::Record { reply, .. } => drop(reply.send(Err(failure(err)))),
            Job::Apply { units, reply, .. } => drop(reply.send(units.iter().map(|_| Done::Failed(err.to_string())).collect())),
            Job::Run { reply, .. } => drop(reply.send(Err(anyhow::anyhow!("{err}")))),
        }
    }
}

/// A job's answer, sent once its transaction has committed.
pub(super) enum Answer {
    Record(oneshot::Sender<StoreResult<Vec<Recorded>>>, StoreResult<Vec<Recorded>>),
    Apply(oneshot::Sender<Vec<Done>>, Vec<Done>),
    Run(oneshot::Sender<Ran>, Ran),
}

impl Answer {
    /// Sends the answer; if the commit failed, the failure instead.
    pub(super) fn send(self, committed: Result<(), &dyn Display>) {
        match (self, committed) {
            (Answer::Record(reply, result), Ok(())) => drop(reply.send(result)),
            (Answer::Apply(reply, done), Ok(())) => drop(reply.send(done)),
            (Answer::Run(reply, result), Ok(())) => drop(reply.send(result)),
            (Answer::Record(reply, _), Err(err)) => drop(reply.send(Err(failure(err)))),
            (Answer::Apply(reply, done), Err(err)) => drop(reply.send(done.iter().map(|_| Done::Failed(err.to_string())).collect())),
            (Answer::Run(reply, _), Err(err)) => drop(reply.send(Err(anyhow::anyhow!("commit failed: {err}")))),
        }
    }
}

/// A failure to hand to every job of a batch (database errors are not
/// `Clone`).
fn failure(err: &dyn Display) -> StoreError {
    StoreError::Database(err.to_string().into())
}

/// How a backend's writers fare, for `/metrics`: the jobs each
/// transaction folds together, and how long its commit takes (an fsync,
/// or PostgreSQL's round trip and WAL flush). Clones share the counts.
#[derive(Clone)]
pub struct WriteStats {
    pub batch_jobs: Histogram,
    pub commit_seconds: Histogram,
}

impl Default for WriteStats {
    fn default() -> Self {
        let histogram = |name: &str, help: &str, buckets: Vec<f64>| {
            Histogram::with_opts(HistogramOpts::new(name, help).buckets(buckets)).expect("a valid histogram")
        };
        Self {
            batch_jobs: histogram(
                "write_batch_jobs",
                "Jobs (a request's deliveries, a batch of units) per writer transaction",
                vec![1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0],
            ),
            commit_seconds: histogram(
                "write_commit_seconds",
                "Time to commit one writer transaction",
                vec![0.000_1, 0.000_25, 0.000_5, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
            ),
        }
    }
}

impl WriteStats {
    pub(super) fn committed(&self, jobs: usize, took: Duration) {
        self.batch_jobs.observe(jobs as f64);
        self.commit_seconds.observe(took.as_secs_f64());
    }
}

/// The async side of a writer: queues jobs and waits for their answers.
pub(super) struct Writer {
    jobs: mpsc::Sender<Job>,
}

impl Writer {
    /// A writer and the queue its thread drains; the queue ends when the
    /// last handle is dropped.
    pub(super) fn new() -> (Self, mpsc::Receiver<Job>) {
        let (jobs, rx) = mpsc::channel(QUEUE);
        (Self { jobs }, rx)
    }

    /// Stores `deliveries` (all or none), the new ones leased to `lease`,
    /// and returns once they are durable.
    pub(super) async fn record(&self, deliveries: Vec<NewDelivery>, lease: Lease) -> StoreResult<Vec<Recorded>> {
        let (reply, answer) = oneshot::channel();
        self.send(Job::Record { deliveries, lease, reply }).await?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    /// Applies units of work as `owner`.
    pub(super) async fn apply(&self, owner: Arc<str>, units: Vec<Unit>) -> StoreResult<Vec<Done>> {
        let (reply, answer) = oneshot::channel();
        self.send(Job::Apply { owner, units, reply }).await?;
        answer.await.map_err(|_| StoreError::Closed)
    }

    /// Runs one unit of work that applies no delivery.
    pub(super) async fn run(&self, work: Work<Box<dyn Any + Send>>) -> Ran {
        let (reply, answer) = oneshot::channel();
        self.send(Job::Run { work, reply }).await?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    pub(super) async fn send(&self, job: Job) -> StoreResult<()> {
        self.jobs.send(job).await.map_err(|_| StoreError::Closed)
    }
}

/// Adds what is queued to `batch`, up to `max` jobs, without waiting.
pub(super) fn gather(rx: &mut mpsc::Receiver<Job>, batch: &mut Vec<Job>, max: usize) {
    while batch.len() < max {
        match rx.try_recv() {
            Ok(job) => batch.push(job),
            Err(_) => break,
        }
    }
}

/// Says so if a writer's thread ends by panicking: every later write then
/// fails, and the log should name why.
pub(super) struct Watch;

impl Drop for Watch {
    fn drop(&mut self) {
        if std::thread::panicking() {
            tracing::error!("the delivery writer stopped; webhooks can no longer be stored");
        }
    }
}

//! What a backend's writer takes: deliveries to record, units of work to
//! apply, and one-off units to run, queued from async callers to the
//! writer's thread and answered once their transaction has committed.
//! Each backend drains the queue in batches of its own making.

use super::{Done, Lease, OutboxEntry, Recorded, StoreError, StoreResult, Unit, Work};
use crate::events::NewDelivery;
use std::any::Any;
use std::fmt::Display;
use std::sync::Arc;
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

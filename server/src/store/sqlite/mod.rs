//! The embedded store: one SQLite file in WAL mode with `synchronous=FULL`,
//! so a committed delivery is on disk before the webhook is acknowledged.
//! One file per storage area.

mod accounts;
mod deliveries;
mod invitations;
mod notifications;
mod orders;
mod outbound;
mod retention;
mod sessions;
mod tenant_webhooks;
mod whatsapp;
mod whatsapp_numbers;
mod writer;

use sqlx::pool::PoolConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard};

pub struct SqliteStore {
    /// For reads.
    pool: SqlitePool,
    /// One connection for the durable writes of [`SqliteStore::write`]
    /// (webhook deliveries have their own writer). Only the holder of a turn
    /// uses it, so it is never busy when a turn begins; taking one of the
    /// readers' connections instead would make the writer, holding the
    /// lock's turn, wait behind reads (a batch of fifty connect flows
    /// queues fifty reads at once).
    writes: SqlitePool,
    /// For what the delivery worker derives from stored deliveries: status
    /// changes and failed attempts. Its commits skip the fsync
    /// (`synchronous=NORMAL`; so do the delivery writer's transactions of
    /// "processed" marks alone), which is safe because everything it writes
    /// can be derived again: a delivery stays pending until its "processed"
    /// mark is on disk, the WAL is made durable in order (any later full
    /// commit, or a checkpoint, covers these frames too), and re-applying a
    /// delivery changes nothing it already changed.
    derived: SqlitePool,
    /// Writes webhook deliveries, many per transaction, and the worker's
    /// "processed" marks.
    writer: writer::Writer,
    /// Every writer in the process (`writes`, `derived`, `writer`) takes turns
    /// here. SQLite has one write lock, and a
    /// connection that finds it taken sleeps in its busy handler, 1 ms, then
    /// 2, 5, 10… before it looks again: a trace at 1,000 webhooks a second
    /// counted thousands of such sleeps, each in some webhook's latency. A
    /// queue in the process hands the lock over the moment it is free, in
    /// order. (The busy timeout still covers other processes, such as
    /// `tidings admin`.) No method holds a turn while it calls another.
    gate: Arc<Mutex<()>>,
}

/// A turn at SQLite's write lock, and the connection to write on.
pub(super) struct WriteTurn {
    _turn: OwnedMutexGuard<()>,
    pub conn: PoolConnection<Sqlite>,
}

impl SqliteStore {
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        // The delivery writer opens the same file with a connection of its
        // own, which an in-memory database would not share.
        anyhow::ensure!(
            !url.contains(":memory:") && !options.get_filename().to_string_lossy().starts_with("file:"),
            "the embedded store needs a database file, not `{url}`"
        );
        if let Some(dir) = options.get_filename().parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        // No ping before each use: the database is in this process, and a
        // profile showed the ping's round trip to the driver's thread costing
        // as much as the query it precedes.
        let pool = SqlitePoolOptions::new().max_connections(4).test_before_acquire(false).connect_with(options.clone()).await?;
        sqlx::migrate!("../migrations/sqlite").run(&pool).await?;
        let writes = SqlitePoolOptions::new().max_connections(1).test_before_acquire(false).connect_with(options.clone()).await?;
        let derived = SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .connect_with(options.clone().synchronous(SqliteSynchronous::Normal))
            .await?;
        let gate = Arc::new(Mutex::new(()));
        let writer = writer::Writer::start(options.get_filename(), gate.clone())?;
        Ok(Self { pool, writes, derived, writer, gate })
    }

    /// Waits for the write lock's turn, then takes the write connection.
    async fn write(&self) -> sqlx::Result<WriteTurn> {
        let turn = self.gate.clone().lock_owned().await;
        Ok(WriteTurn { _turn: turn, conn: self.writes.acquire().await? })
    }

    /// Waits for the write lock's turn, then for the derived connection.
    async fn derived_write(&self) -> sqlx::Result<WriteTurn> {
        let turn = self.gate.clone().lock_owned().await;
        Ok(WriteTurn { _turn: turn, conn: self.derived.acquire().await? })
    }
}

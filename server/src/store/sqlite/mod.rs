//! The embedded store: one SQLite file in WAL mode with `synchronous=FULL`,
//! so a committed delivery is on disk before the webhook is acknowledged.
//! One file per storage area; deliveries and units of work go through the
//! writer thread ([`writer`]), the rest through sqlx.

mod accounts;
mod apply;
mod deliveries;
mod invitations;
mod notification_sql;
mod notifications;
mod orders;
mod outbound;
mod platform_webhooks;
mod retention;
mod sessions;
mod tenant_webhooks;
mod whatsapp;
mod whatsapp_numbers;
mod writer;

use crate::store::{StoreError, WriteStats};
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
    /// One connection for the durable writes of [`SqliteStore::write`]. Only
    /// the holder of a turn uses it, so it is never busy when a turn begins
    /// (a reader's connection could be, and the turn would wait on reads).
    writes: SqlitePool,
    /// For bookkeeping that can be lost without harm (a failed attempt's
    /// retry time, the outbox's "published" marks): commits skip the fsync
    /// (`synchronous=NORMAL`). Losing them means a retry comes sooner, or a
    /// change is published again, which pages take as the same state.
    derived: SqlitePool,
    /// Writes webhook deliveries, many per transaction, and runs the
    /// worker's units of work.
    writer: writer::Writer,
    write_stats: WriteStats,
    /// Every writer in the process (`writes`, `derived`, `writer`) takes
    /// turns here: SQLite has one write lock, and a connection that finds it
    /// taken sleeps in its busy handler and retries, where a queue in the
    /// process hands the lock over the moment it is free, in order. (The
    /// busy timeout still covers other processes, such as `tidings admin`.)
    /// No method holds a turn while it calls another.
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
        // No ping before each use: the database is in this process, and the
        // ping's round trip to the driver's thread costs as much as a query.
        let pool = SqlitePoolOptions::new().max_connections(4).test_before_acquire(false).connect_with(options.clone()).await?;
        sqlx::migrate!("../migrations/sqlite").run(&pool).await?;
        let writes = SqlitePoolOptions::new().max_connections(1).test_before_acquire(false).connect_with(options.clone()).await?;
        let derived = SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .connect_with(options.clone().synchronous(SqliteSynchronous::Normal))
            .await?;
        let gate = Arc::new(Mutex::new(()));
        let write_stats = WriteStats::default();
        let writer = writer::start(options.get_filename(), gate.clone(), write_stats.clone())?;
        Ok(Self { pool, writes, derived, writer, write_stats, gate })
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

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        match err {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::PoolClosed => StoreError::Closed,
            other => StoreError::database(other),
        }
    }
}

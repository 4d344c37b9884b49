//! The embedded store: one SQLite file in WAL mode with `synchronous=FULL`,
//! so a committed delivery is on disk before the webhook is acknowledged.
//! One file per storage area.

mod accounts;
mod deliveries;
mod group_commit;
mod notifications;
mod orders;
mod outbound;
mod sessions;
mod tenant_webhooks;
mod whatsapp;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use std::str::FromStr;
use std::time::Duration;

pub struct SqliteStore {
    pool: SqlitePool,
    /// For what the delivery worker derives from stored deliveries: status
    /// changes and "processed" marks. Its commits skip the fsync
    /// (`synchronous=NORMAL`), which is safe because everything it writes
    /// can be derived again: a delivery stays pending until its "processed"
    /// mark is on disk, the WAL is made durable in order (any later full
    /// commit, or a checkpoint, covers these frames too), and re-applying a
    /// delivery changes nothing it already changed.
    derived: SqlitePool,
    /// Writes webhook deliveries, many per transaction.
    writer: group_commit::GroupCommit,
}

impl SqliteStore {
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        if let Some(dir) = options.get_filename().parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        // No ping before each use: the database is in this process, and a
        // profile showed the ping's round trip to the driver's thread costing
        // as much as the query it precedes.
        let pool = SqlitePoolOptions::new().max_connections(4).test_before_acquire(false).connect_with(options.clone()).await?;
        sqlx::migrate!("../migrations/sqlite").run(&pool).await?;
        let derived = SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .connect_with(options.synchronous(SqliteSynchronous::Normal))
            .await?;
        let writer = group_commit::GroupCommit::start(pool.clone());
        Ok(Self { pool, derived, writer })
    }
}

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
        let pool = SqlitePoolOptions::new().max_connections(4).connect_with(options).await?;
        sqlx::migrate!("../migrations/sqlite").run(&pool).await?;
        let writer = group_commit::GroupCommit::start(pool.clone());
        Ok(Self { pool, writer })
    }
}

//! The store on PostgreSQL, for several nodes sharing one database
//! (`DATABASE_URL=postgres://…`). Reads and the API's writes go through a
//! pool; deliveries and units of work through two writers of this node's
//! own ([`writer`]), many per transaction, so a commit's round trip (and
//! its WAL flush, `synchronous_commit=on`) is shared. Deliveries have a
//! writer to themselves: unlike SQLite, PostgreSQL takes both writers'
//! transactions at once, and acknowledgements never wait on units. Nodes share work through
//! row locks: claims take pending deliveries `FOR UPDATE SKIP LOCKED`, and
//! a unit locks its delivery before it runs.

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
use crate::store::WriteStats;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;
use std::str::FromStr;

pub struct PostgresStore {
    pool: PgPool,
    /// Writes webhook deliveries.
    intake: writer::Writer,
    /// Runs the worker's units of work.
    writer: writer::Writer,
    /// Both writers'.
    write_stats: WriteStats,
}

impl PostgresStore {
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        // A 2xx means the delivery is on the server's disk: never let a
        // server default or a role setting weaken the commit.
        let options = PgConnectOptions::from_str(url)?.options([("synchronous_commit", "on")]);
        let pool = PgPoolOptions::new().max_connections(16).connect_with(options.clone()).await?;
        sqlx::migrate!("../migrations/postgres").run(&pool).await?;
        let write_stats = WriteStats::default();
        let intake = writer::start(options.clone(), write_stats.clone()).await?;
        let writer = writer::start(options, write_stats.clone()).await?;
        Ok(Self { pool, intake, writer, write_stats })
    }
}

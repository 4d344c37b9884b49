//! Moving an installation from its SQLite file to PostgreSQL (`tidings
//! admin copy-to-postgres`): every table, row for row, in one PostgreSQL
//! transaction, into an empty database with the current schema. Columns
//! are converted by the target's types (SQLite keeps times as text and
//! flags as integers); identities then continue after the copied ids.

use super::{PostgresStore, SqliteStore};
use chrono::{DateTime, Utc};
use sqlx::postgres::PgPool;
use sqlx::sqlite::SqliteRow;
use sqlx::{Connection, Postgres, QueryBuilder, Row, SqliteConnection};

/// Every table, parents before the tables that refer to them.
const TABLES: [&str; 27] = [
    "tenants",
    "users",
    "memberships",
    "auth_sessions",
    "api_keys",
    "activity_log",
    "tenant_webhook_settings",
    "tenant_webhook_secrets",
    "invitations",
    "whatsapp_numbers",
    "connection_sessions",
    "webhook_deliveries",
    "whatsapp_messages",
    "whatsapp_incoming",
    "orders",
    "payments",
    "notifications",
    "notification_cursors",
    "notification_reads",
    "helpdesk_entities",
    "outbound_endpoints",
    "outbound_messages",
    "outbound_deliveries",
    "outbound_attempts",
    "outbox",
    "platform_webhook_keys",
    "platform_webhook_apps",
];

/// Rows per INSERT: well under PostgreSQL's 65,535 parameters.
const CHUNK: usize = 1000;

/// A column's type on PostgreSQL, which says how to read it from SQLite.
#[derive(Clone, Copy)]
enum Kind {
    Integer,
    Flag,
    Time,
    Bytes,
    Text,
}

/// How many rows each table had.
pub type Copied = Vec<(&'static str, u64)>;

/// Copies the SQLite database at `from` into the empty PostgreSQL database
/// at `to`, bringing both schemas up to date first.
pub async fn sqlite_to_postgres(from: &str, to: &str) -> anyhow::Result<Copied> {
    anyhow::ensure!(from.starts_with("sqlite:"), "the source must be a SQLite database (DATABASE_URL=sqlite:…), not `{from}`");
    drop(SqliteStore::connect(from).await?);
    drop(PostgresStore::connect(to).await?);
    let mut source = SqliteConnection::connect(from).await?;
    let target = PgPool::connect(to).await?;
    let mut tx = target.begin().await?;
    for table in TABLES {
        let rows: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(&mut *tx).await?;
        anyhow::ensure!(rows == 0, "the target database is not empty ({table} has {rows} rows)");
    }
    let mut copied = Vec::with_capacity(TABLES.len());
    for table in TABLES {
        // Columns only PostgreSQL has (leases of its own) start empty.
        let here: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info(?)").bind(table).fetch_all(&mut source).await?;
        let columns: Vec<_> = columns(&mut tx, table).await?.into_iter().filter(|(name, _)| here.contains(name)).collect();
        let names: Vec<&str> = columns.iter().map(|(name, _)| name.as_str()).collect();
        let rows = sqlx::query(&format!("SELECT {} FROM {table}", names.join(", "))).fetch_all(&mut source).await?;
        for chunk in rows.chunks(CHUNK) {
            let mut insert = QueryBuilder::<Postgres>::new(format!("INSERT INTO {table} ({}) ", names.join(", ")));
            let mut failed = None;
            insert.push_values(chunk, |mut values, row| {
                for (index, (_, kind)) in columns.iter().enumerate() {
                    if let Err(err) = bind(&mut values, row, index, *kind) {
                        failed.get_or_insert(err);
                    }
                }
            });
            if let Some(err) = failed {
                anyhow::bail!("{table}: {err}");
            }
            insert.build().execute(&mut *tx).await?;
        }
        if columns.iter().any(|(name, _)| name == "id") {
            sqlx::query(&format!("SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM {table}"))
                .execute(&mut *tx)
                .await?;
        }
        copied.push((table, rows.len() as u64));
    }
    tx.commit().await?;
    Ok(copied)
}

/// The table's columns on PostgreSQL, in order, with their kinds.
async fn columns(tx: &mut sqlx::PgConnection, table: &str) -> anyhow::Result<Vec<(String, Kind)>> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT column_name::text, data_type::text FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
    )
    .bind(table)
    .fetch_all(tx)
    .await?;
    rows.into_iter()
        .map(|(name, data_type)| {
            let kind = match data_type.as_str() {
                "bigint" => Kind::Integer,
                "boolean" => Kind::Flag,
                "timestamp with time zone" => Kind::Time,
                "bytea" => Kind::Bytes,
                "text" => Kind::Text,
                other => anyhow::bail!("{table}.{name}: no copy rule for {other}"),
            };
            Ok((name, kind))
        })
        .collect()
}

fn bind(
    values: &mut sqlx::query_builder::Separated<'_, '_, Postgres, &str>,
    row: &SqliteRow,
    index: usize,
    kind: Kind,
) -> sqlx::Result<()> {
    match kind {
        Kind::Integer => values.push_bind(row.try_get::<Option<i64>, _>(index)?),
        Kind::Flag => values.push_bind(row.try_get::<Option<bool>, _>(index)?),
        Kind::Time => values.push_bind(row.try_get::<Option<DateTime<Utc>>, _>(index)?),
        Kind::Bytes => values.push_bind(row.try_get::<Option<Vec<u8>>, _>(index)?),
        Kind::Text => values.push_bind(row.try_get::<Option<String>, _>(index)?),
    };
    Ok(())
}

//! Which store and bus a test's server runs on: the embedded default
//! (SQLite file, in-process bus), or PostgreSQL and Redis when the test
//! command provides private servers (`TIDINGS_TEST_POSTGRES`: an admin URL;
//! `TIDINGS_TEST_REDIS`: a server's URL). Each test directory gets a
//! database (and a Redis database number) of its own, remembered in the
//! directory so a restarted server finds the same one.

use sqlx::{Connection, PgConnection};
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};

const REMEMBERED: &str = "test-backend.json";
/// Redis database numbers the private server has (`--databases`).
pub const REDIS_DATABASES: u32 = 1024;

/// Hands out Redis database numbers, one per test directory.
static NEXT_REDIS_DATABASE: AtomicU32 = AtomicU32::new(0);

/// The settings that select the backend for a server on `dir`.
pub async fn vars(dir: &Path) -> Vec<(String, String)> {
    let file = dir.join(REMEMBERED);
    if let Ok(text) = std::fs::read_to_string(&file) {
        return serde_json::from_str(&text).expect("remembered backend settings");
    }
    let mut vars = Vec::new();
    if let Ok(admin) = std::env::var("TIDINGS_TEST_POSTGRES") {
        let name = format!("t_{}", uuid::Uuid::new_v4().simple());
        let mut conn = PgConnection::connect(&admin).await.expect("the private PostgreSQL answers");
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.unwrap();
        let (base, _) = admin.rsplit_once('/').unwrap();
        vars.push(("DATABASE_URL".to_owned(), format!("{base}/{name}")));
    }
    if let Ok(redis) = std::env::var("TIDINGS_TEST_REDIS") {
        let number = NEXT_REDIS_DATABASE.fetch_add(1, Ordering::Relaxed) % REDIS_DATABASES;
        vars.push(("REDIS_URL".to_owned(), format!("{}/{number}", redis.trim_end_matches('/'))));
    }
    std::fs::write(&file, serde_json::to_string(&vars).unwrap()).unwrap();
    vars
}

/// The database of a server on `dir`, as its `DATABASE_URL`.
pub async fn database_url(dir: &Path) -> String {
    vars(dir)
        .await
        .into_iter()
        .find(|(k, _)| k == "DATABASE_URL")
        .map(|(_, v)| v)
        .unwrap_or_else(|| format!("sqlite://{}?mode=rwc", dir.join("tidings.db").display()))
}

/// The stored body length of every delivery, read from the database.
pub async fn body_lengths(dir: &Path) -> Vec<i64> {
    let url = database_url(dir).await;
    let sql = "SELECT length(body) FROM webhook_deliveries";
    if url.starts_with("postgres") {
        let mut conn = PgConnection::connect(&url).await.unwrap();
        sqlx::query_scalar::<_, i32>(sql).fetch_all(&mut conn).await.unwrap().into_iter().map(i64::from).collect()
    } else {
        let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::query_scalar(sql).fetch_all(&mut conn).await.unwrap()
    }
}

//! `tidings admin copy-to-postgres`: an installation on its SQLite file
//! moves to PostgreSQL with everything its users see, and carries on there.
//! Runs where the test command provides a private PostgreSQL.

use crate::helpers::*;
use app::protocol::{ConnectionStatus, MessageStatus};
use sqlx::{Connection, PgConnection};
use tidings::cli::simulate::Shape;

/// Runs the real command on the installation in `dir`; whether it succeeded.
async fn copy(dir: &std::path::Path, sqlite: &str, to: &str) -> bool {
    let status = tokio::process::Command::new(env!("CARGO_BIN_EXE_tidings"))
        .args(["admin", "copy-to-postgres", "--to", to])
        .env("DATABASE_URL", sqlite)
        .env("TIDINGS_DATA_DIR", dir)
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .await
        .unwrap();
    status.success()
}

#[tokio::test]
async fn an_installation_moves_from_sqlite_to_postgres_and_carries_on() {
    let Ok(admin) = std::env::var("TIDINGS_TEST_POSTGRES") else { return };
    let dir = tempfile::tempdir().unwrap();
    let sqlite = format!("sqlite://{}?mode=rwc", dir.path().join("tidings.db").display());
    let on_sqlite = [("DATABASE_URL", sqlite.as_str()), ("REDIS_URL", "")];
    let app = spawn_in(dir, &on_sqlite).await;
    let created = app.create_session().await;
    app.scan(&created.session_id, Shape::Flat, "Ada", 3).await;
    let tenant = app.first_tenant().await;
    app.register_message(&tenant, "wamid.MOVED").await;
    app.report("wamid.MOVED", "delivered", 1_700_000_001).await;
    app.add_staff(tenant.id, "moved@example.edu", "staff").await;
    let north = app.new_tenant("North").await;
    app.settled_stats().await;
    let before = app.session(&created.session_id).await;
    assert_eq!(before.status, ConnectionStatus::Active);
    let dir = app.stop().await;

    let name = format!("moved_{}", uuid::Uuid::new_v4().simple());
    let mut conn = PgConnection::connect(&admin).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.unwrap();
    let target = format!("{}/{name}", admin.rsplit_once('/').unwrap().0);
    assert!(copy(dir.path(), &sqlite, &target).await, "the copy succeeds");
    assert!(!copy(dir.path(), &sqlite, &target).await, "a second copy into a database with data is refused");

    let app = spawn_in(dir, &[("DATABASE_URL", target.as_str()), ("REDIS_URL", "")]).await;
    let after = app.session(&created.session_id).await;
    assert_eq!((after.status, after.their_label.as_deref()), (ConnectionStatus::Active, Some("Ada")));
    let messages = app.messages(&tenant).await;
    assert_eq!(
        messages.iter().map(|m| (m.whatsapp_message_id.as_str(), m.status)).collect::<Vec<_>>(),
        [("wamid.MOVED", MessageStatus::Delivered)]
    );
    assert!(app.sign_in("moved@example.edu", STAFF_PASSWORD).await.is_some(), "staff sign in with their password");
    assert_eq!(app.stats().await["total"], app.stats().await["processed"]);
    // New rows continue after the copied ones.
    assert_eq!(app.new_tenant("After the move").await.id, north.id + 1);
    app.stop().await;
}

//! `/healthz` and `/readyz`, as a load balancer reads them.

use crate::helpers::*;
use serde_json::{json, Value};

impl Api {
    /// `/readyz`'s status and body.
    pub async fn readiness(&self) -> (u16, Value) {
        let response = self.http.get(self.url("/readyz")).send().await.unwrap();
        (response.status().as_u16(), response.json().await.unwrap())
    }

    /// `/readyz` once its status is one `wanted` accepts (a node notices a
    /// lost link on its own time); the last answer after [`PATIENCE`].
    pub async fn readiness_when(&self, wanted: impl Fn(u16) -> bool) -> (u16, Value) {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let answer = self.readiness().await;
            if wanted(answer.0) || tokio::time::Instant::now() > deadline {
                return answer;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}

#[tokio::test]
async fn a_node_is_healthy_and_ready_until_its_backlog_passes_the_limit() {
    // Nothing is applied, so every delivery waits.
    let app = spawn_app(&[("PROCESS_PAUSED", "true"), ("READY_MAX_BACKLOG", "1")]).await;
    let health = app.http.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    assert_eq!(health.json::<Value>().await.unwrap(), json!({"status": "ok"}));
    let (status, body) = app.readiness().await;
    assert_eq!((status, &body["ready"]), (200, &json!(true)), "{body}");
    assert_eq!(body["checks"]["bus"], json!({"ok": true}));

    for n in 0..2 {
        let webhook = json!({"id": format!("wh-{n}"), "type": "Connection", "connectionId": format!("c-{n}"), "state": "request-received"});
        assert_eq!(app.post_webhook(webhook.to_string(), Some(SECRET)).await.status(), 200);
    }
    let (status, body) = app.readiness().await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["checks"]["store"], json!({"ok": true}));
    assert_eq!(body["checks"]["backlog"]["ok"], false);
    assert!(body["checks"]["backlog"]["reason"].as_str().unwrap().starts_with("2 deliveries wait"), "{body}");
}

/// Holds the store's write lock from another connection until dropped, as
/// a stuck process or an operator's long transaction would: SQLite's
/// `BEGIN IMMEDIATE`, or PostgreSQL's `EXCLUSIVE` lock on the deliveries
/// (reads go on; writes wait).
async fn hold_write_lock(database_url: &str) -> Box<dyn std::any::Any> {
    use sqlx::Connection;
    if database_url.starts_with("sqlite:") {
        let mut conn = sqlx::SqliteConnection::connect(database_url).await.unwrap();
        sqlx::query("BEGIN IMMEDIATE").execute(&mut conn).await.unwrap();
        Box::new(conn)
    } else {
        let mut conn = sqlx::PgConnection::connect(database_url).await.unwrap();
        sqlx::query("BEGIN").execute(&mut conn).await.unwrap();
        sqlx::query("LOCK TABLE webhook_deliveries IN EXCLUSIVE MODE").execute(&mut conn).await.unwrap();
        Box::new(conn)
    }
}

#[tokio::test]
async fn a_node_whose_store_takes_no_writes_is_not_ready_until_it_does_again() {
    let app = spawn_app(&[]).await;
    assert_eq!(app.readiness().await.0, 200);
    let lock = hold_write_lock(&app.settings.database_url).await;
    let (status, body) = app.readiness().await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["checks"]["writer"]["ok"], false, "{body}");
    assert!(body["checks"]["writer"]["reason"].as_str().unwrap().contains("no write"), "{body}");
    drop(lock);
    let (status, body) = app.readiness_when(|s| s == 200).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn every_answer_carries_a_request_id() {
    let app = spawn_app(&[]).await;
    let first = app.http.get(app.url("/healthz")).send().await.unwrap();
    let second = app.http.get(app.url("/healthz")).send().await.unwrap();
    let id = |r: &reqwest::Response| r.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(id(&first).len(), 36, "a UUID");
    assert_ne!(id(&first), id(&second));
    let given = app.http.get(app.url("/healthz")).header("x-request-id", "from-the-proxy").send().await.unwrap();
    assert_eq!(id(&given), "from-the-proxy", "a proxy's id is kept");
}

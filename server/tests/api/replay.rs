//! The webhook log for operators: one delivery's payload (credentials
//! redacted) and replaying deliveries, which applies them again through the
//! same path without anything they caused happening twice.

use crate::helpers::*;
use app::protocol::ConnectionStatus::Request;
use reqwest::Method;
use serde_json::{json, Value};

async fn get(app: &TestApp, path: &str) -> Value {
    app.as_admin(Method::GET, path).send().await.unwrap().json().await.unwrap()
}

async fn replay(app: &TestApp, request: Value) -> Value {
    let response = app.as_admin(Method::POST, "/api/admin/webhook-deliveries/replay").json(&request).send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

#[tokio::test]
async fn an_operator_replays_a_delivery_and_nothing_it_caused_happens_twice() {
    let app = spawn_app(&[]).await;
    let created = app.create_session().await;
    let mut socket = app.watch(&created.session_id).await;
    next_message(&mut socket).await;
    let webhook = json!({"id": "wh-replay", "type": "Connection", "connectionId": "c-1", "state": "request-received",
        "theirLabel": "Replay Wallet", "outOfBandId": created.out_of_band_id, "token": "s3cret-value"});
    assert_eq!(app.post_webhook(webhook.to_string(), Some(SECRET)).await.status(), 200);
    assert_eq!(next_status(&mut socket).await.0, Request);
    app.settled_stats().await;

    let id = get(&app, "/api/admin/webhook-deliveries").await[0]["id"].as_i64().unwrap();
    let shown = get(&app, &format!("/api/admin/webhook-deliveries/{id}")).await;
    let payload = shown["data"]["payload"].as_str().unwrap();
    assert!(payload.contains("\"token\": \"[redacted]\"") && !payload.contains("s3cret-value"), "{payload}");
    assert!(payload.contains("Replay Wallet") && payload.contains('\n'), "pretty and otherwise whole: {payload}");
    let first_applied = shown["data"]["processedAt"].as_str().unwrap().to_owned();
    let timeline = get(&app, "/api/admin/webhook-deliveries/timeline").await;
    let minutes = timeline["data"].as_array().unwrap();
    assert_eq!(minutes.len(), 1, "{timeline}");
    assert_eq!((&minutes[0]["received"], &minutes[0]["applied"], &minutes[0]["failed"]), (&json!(1), &json!(1), &json!(0)));
    assert_eq!(get(&app, "/api/admin/webhook-deliveries/999999").await["success"], false);

    assert_eq!(replay(&app, json!({"ids": [id]})).await["data"]["replayed"], 1);
    let applied_again = tokio::time::timeout(PATIENCE, async {
        loop {
            let shown = get(&app, &format!("/api/admin/webhook-deliveries/{id}")).await;
            if shown["data"]["status"] == "processed" && shown["data"]["processedAt"].as_str() != Some(&first_applied) {
                return shown;
            }
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("the delivery is applied again");
    assert_eq!(applied_again["data"]["lastError"], Value::Null);
    // The session did not move again, so its page heard nothing new.
    assert_quiet(&mut socket).await;
    assert_eq!(app.stats().await["total"], 1, "nothing new was stored");

    // Replaying by filter.
    assert_eq!(replay(&app, json!({"topic": "connections"})).await["data"]["replayed"], 1);
    let log = get(&app, "/api/tenants/1/activity?kind=deliveries_replayed").await;
    let entries = log["data"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{log}");
    assert!(entries.iter().all(|e| e["actor"] == ADMIN_EMAIL), "{log}");
}

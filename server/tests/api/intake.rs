//! Webhook intake: authentication, validation, durability and dedupe.

use crate::helpers::*;
use app::protocol::ConnectionStatus::*;
use serde_json::json;

fn flat(id: &str, state: &str, out_of_band_id: &str) -> String {
    json!({"id": id, "type": "Connection", "connectionId": "conn-1", "state": state,
        "theirLabel": "W", "outOfBandId": out_of_band_id, "timestamp": "2025-10-31T21:30:00.000Z"})
    .to_string()
}

#[tokio::test]
async fn a_wrong_or_missing_key_is_401_and_stores_nothing() {
    let app = spawn_app(&[]).await;
    let created = app.create_session().await;
    let body = flat("w1", "response-sent", created.out_of_band_id.as_str());
    for key in [None, Some("wrong"), Some("")] {
        let response = app.post_webhook(body.clone(), key).await;
        assert_eq!(response.status(), 401, "key {key:?}");
        let json: serde_json::Value = response.json().await.unwrap();
        assert_eq!(json["error"], "unauthorized");
    }
    assert_eq!(app.stats().await["total"], 0);
    assert_eq!(app.session(&created.session_id).await.status, Invitation);
}

#[tokio::test]
async fn bad_json_is_400_with_the_reason_and_stores_nothing() {
    let app = spawn_app(&[]).await;
    let response = app.post_webhook("{\"state\": ", Some(SECRET)).await;
    assert_eq!(response.status(), 400);
    let json: serde_json::Value = response.json().await.unwrap();
    assert!(json["error"].as_str().unwrap().starts_with("invalid JSON"), "{json}");

    let response = app.post_webhook(r#"{"test":"data"}"#, Some(SECRET)).await;
    assert_eq!(response.status(), 400);
    let json: serde_json::Value = response.json().await.unwrap();
    assert!(json["error"].as_str().unwrap().starts_with("unrecognised payload"), "{json}");
    assert_eq!(app.stats().await["total"], 0);
}

#[tokio::test]
async fn an_oversize_body_is_413_and_stores_nothing() {
    let app = spawn_app(&[("MAX_WEBHOOK_BYTES", "1024")]).await;
    let padding = "x".repeat(2048);
    let body = json!({"id": "big", "type": "Connection", "state": "completed", "connectionId": "c", "pad": padding});
    let response = app.post_webhook(body.to_string(), Some(SECRET)).await;
    assert_eq!(response.status(), 413);
    // The rest of the body is not read: the connection is not reused.
    assert_eq!(response.headers()["connection"], "close");
    let json: serde_json::Value = response.json().await.unwrap();
    assert!(json["error"].as_str().unwrap().contains("1024"));
    assert_eq!(app.stats().await["total"], 0);
    // The same pooled client's next request goes through.
    assert_eq!(app.post_webhook(r#"{"test":"data"}"#, Some(SECRET)).await.status(), 400);
}

#[tokio::test]
async fn a_repeated_delivery_is_acknowledged_and_changes_nothing() {
    let app = spawn_app(&[]).await;
    let created = app.create_session().await;
    let mut socket = app.watch(&created.session_id).await;
    next_message(&mut socket).await;
    let body = flat("wh-dup", "response-sent", created.out_of_band_id.as_str());

    let first: serde_json::Value = app.post_webhook(body.clone(), Some(SECRET)).await.json().await.unwrap();
    assert_eq!((first["received"].clone(), first["duplicate"].clone()), (json!(true), json!(false)));
    let second = app.post_webhook(body, Some(SECRET)).await;
    assert_eq!(second.status(), 200);
    let second: serde_json::Value = second.json().await.unwrap();
    assert_eq!(second["duplicate"], true);

    assert_eq!(next_status(&mut socket).await.0, Response);
    assert_quiet(&mut socket).await;
    let stats = app.stats().await;
    assert_eq!(stats["total"], 1);
}

#[tokio::test]
async fn a_delivery_without_an_id_is_deduplicated_by_its_bytes() {
    let app = spawn_app(&[]).await;
    let created = app.create_session().await;
    let body = json!({"connection_id": "c-acapy", "state": "request", "invitation_msg_id": created.out_of_band_id}).to_string();
    let url = app.url("/api/webhooks/confirmd/topic/connections/");
    for want_duplicate in [false, true] {
        let response = app.http.post(&url).header("x-api-key", SECRET).body(body.clone()).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let json: serde_json::Value = response.json().await.unwrap();
        assert_eq!(json["duplicate"], want_duplicate);
    }
    assert_eq!(app.stats().await["total"], 1);
}

#[tokio::test]
async fn stats_count_deliveries_by_outcome_and_topic() {
    let app = spawn_app(&[]).await;
    let created = app.create_session().await;
    let mut socket = app.watch(&created.session_id).await;
    next_message(&mut socket).await;
    app.scan(&created.session_id, tidings::cli::simulate::Shape::Flat, "W", 3).await;
    for _ in 0..3 {
        next_status(&mut socket).await;
    }
    let stranger = json!({"id": "x1", "type": "Connection", "connectionId": "nobody", "state": "request-received"});
    app.post_webhook(stranger.to_string(), Some(SECRET)).await;
    let credential = json!({"webhookId": "x2", "topic": "credentials.offer", "data": {}});
    app.post_webhook(credential.to_string(), Some(SECRET)).await;

    // The last two are processed after their answer: wait for the worker.
    let stats = app.settled_stats().await;
    assert_eq!(stats["total"], 5);
    assert_eq!(stats["processed"], 4);
    assert_eq!(stats["unmatched"], 1);
    assert_eq!(stats["last24h"], 5);
    assert_eq!(stats["legacyGuesses"], 0);
    let topics = stats["byTopic"].as_array().unwrap();
    let count = |t: &str| topics.iter().find(|e| e["topic"] == t).map(|e| e["count"].as_i64().unwrap());
    assert_eq!(count("connections.request-received"), Some(2));
    assert_eq!(count("connections.completed"), Some(1));
    assert_eq!(count("credentials.offer"), Some(1));

    let get = |path: &'static str| app.as_admin(reqwest::Method::GET, path).send();
    let listed: serde_json::Value = get("/api/admin/webhook-deliveries?topic=credentials").await.unwrap().json().await.unwrap();
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["topic"], "credentials.offer");
    assert_eq!(listed[0]["status"], "processed");
    let unmatched: serde_json::Value = get("/api/admin/webhook-deliveries?status=unmatched").await.unwrap().json().await.unwrap();
    assert_eq!(unmatched.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn the_webhook_path_answers_a_health_check() {
    let app = spawn_app(&[]).await;
    let body: serde_json::Value = app.http.get(app.url("/api/webhooks/confirmd")).send().await.unwrap().json().await.unwrap();
    assert_eq!(body["status"], "ok");
}

//! Per-tenant webhook settings and the verification of tenant webhooks.

use crate::helpers::*;
use hmac::{Hmac, Mac};
use reqwest::Method;
use serde_json::{json, Value};
use sha2::Sha256;
use standardwebhooks::Webhook;

async fn settings(app: &TestApp) -> Value {
    app.as_admin(Method::GET, "/api/webhooks/settings").send().await.unwrap().json::<Value>().await.unwrap()["data"].clone()
}

async fn rotate(app: &TestApp) -> Value {
    let response = app.as_admin(Method::POST, "/api/webhooks/settings/generate-secret").send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.json::<Value>().await.unwrap()["data"].clone()
}

/// Posts `body` to the signed ping endpoint with Standard Webhooks headers.
async fn ping_standard(app: &TestApp, secret: &str, body: &str, ts: i64) -> u16 {
    let signature = Webhook::new(secret).unwrap().sign("msg_1", ts, body.as_bytes()).unwrap();
    app.http
        .post(app.url("/api/webhooks/ping"))
        .header("webhook-id", "msg_1")
        .header("webhook-timestamp", ts.to_string())
        .header("webhook-signature", signature)
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Posts `body` signed the way seed 004's senders do.
async fn ping_hex(app: &TestApp, secret: &str, body: &str) -> u16 {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body.as_bytes());
    let signature = hex::encode(mac.finalize().into_bytes());
    let request = app.http.post(app.url("/api/webhooks/ping")).header("x-webhook-signature", signature);
    request.body(body.to_owned()).send().await.unwrap().status().as_u16()
}

const BODY: &str = r#"{"tenantId":1,"title":"Hello"}"#;

#[tokio::test]
async fn settings_read_and_change_with_validation() {
    let app = spawn_app(&[]).await;
    let s = settings(&app).await;
    assert_eq!(s["webhookEnabled"], true);
    assert_eq!(s["webhookEndpoints"], json!({"orders": true, "notifications": true, "payments": true}));
    assert_eq!((s["webhookRetryAttempts"].clone(), s["webhookTimeoutMs"].clone()), (json!(3), json!(30000)));
    assert_eq!(s["hasSecret"], false);

    let patch = json!({"webhookEndpoints": {"payments": false}, "webhookRetryAttempts": 5});
    let changed: Value = app.as_admin(Method::PATCH, "/api/webhooks/settings").json(&patch).send().await.unwrap().json().await.unwrap();
    assert_eq!(changed["data"]["webhookEndpoints"]["payments"], false);
    assert_eq!(changed["data"]["webhookEndpoints"]["orders"], true);
    assert_eq!(changed["data"]["webhookRetryAttempts"], 5);
    let bad = app.as_admin(Method::PATCH, "/api/webhooks/settings").json(&json!({"webhookTimeoutMs": 5})).send().await.unwrap();
    assert_eq!(bad.status(), 400);

    // The tenant's back end may read them with its API key; another's may not.
    let tenant = app.first_tenant().await;
    let other = app.new_tenant("Other").await;
    let with_key = |key: &str, query: &str| app.http.get(app.url(&format!("/api/webhooks/settings{query}"))).bearer_auth(key.to_owned());
    assert_eq!(with_key(&tenant.key, "").send().await.unwrap().status(), 200);
    assert_eq!(with_key(&other.key, "?tenantId=1").send().await.unwrap().status(), 404);
    let header_only = app.http.get(app.url("/api/webhooks/settings")).header("x-tenant-id", "1");
    assert_eq!(header_only.send().await.unwrap().status(), 401);
}

#[tokio::test]
async fn signed_webhooks_pass_and_everything_else_is_refused_with_its_reason() {
    let app = spawn_app(&[]).await;
    assert_eq!(ping_hex(&app, "anything", BODY).await, 401, "no secret yet: nothing passes");
    let secret = rotate(&app).await["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    let now = chrono::Utc::now().timestamp();

    assert_eq!(ping_standard(&app, &secret, BODY, now).await, 200);
    assert_eq!(ping_hex(&app, &secret, BODY).await, 200);
    assert_eq!(ping_standard(&app, &secret, BODY, now - 600).await, 401, "stale");
    assert_eq!(ping_standard(&app, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", BODY, now).await, 401, "wrong secret");
    let unsigned = app.http.post(app.url("/api/webhooks/ping")).body(BODY).send().await.unwrap();
    assert_eq!(unsigned.status(), 401);
    assert_eq!(ping_hex(&app, &secret, r#"{"tenantId":99}"#).await, 404, "unknown tenant");
    assert_eq!(ping_hex(&app, &secret, "{not json").await, 400);

    app.as_admin(Method::PATCH, "/api/webhooks/settings").json(&json!({"webhookEnabled": false})).send().await.unwrap();
    assert_eq!(ping_hex(&app, &secret, BODY).await, 403, "disabled");

    let log: Value = app.as_admin(Method::GET, "/api/tenants/1/activity").send().await.unwrap().json().await.unwrap();
    let entries = log["data"].as_array().unwrap();
    let has = |kind: &str, text: &str| entries.iter().any(|e| e["kind"] == kind && e["detail"].as_str().unwrap().contains(text));
    assert!(has("webhook_received", "signature verified"));
    assert!(has("webhook_rejected", "does not match"));
    // Four unsigned refusals from this address, logged once: the minute's
    // first.
    let unsigned = entries.iter().filter(|e| e["kind"] == "webhook_rejected" && !e["detail"].as_str().unwrap().contains("disabled"));
    assert_eq!(unsigned.count(), 1, "refusals from one source are logged once a minute");
    assert!(has("webhook_rejected", "disabled"));
    assert!(has("secret_rotated", "first signing secret"));
    assert!(has("settings_changed", "webhooks disabled"));
}

#[tokio::test]
async fn after_a_rotation_the_previous_secret_works_for_a_grace_period() {
    let app = spawn_app(&[]).await;
    let first = rotate(&app).await["secret"].as_str().unwrap().to_owned();
    let second = rotate(&app).await;
    assert!(second["previousSecretValidUntil"].is_string());
    let second = second["secret"].as_str().unwrap().to_owned();
    let now = chrono::Utc::now().timestamp();
    assert_eq!(ping_standard(&app, &first, BODY, now).await, 200, "the previous secret still works");
    assert_eq!(ping_standard(&app, &second, BODY, now).await, 200);
    let third = rotate(&app).await["secret"].as_str().unwrap().to_owned();
    assert_eq!(ping_standard(&app, &first, BODY, now).await, 401, "only the last rotated-out secret keeps a grace period");
    assert_eq!(ping_standard(&app, &second, BODY, now).await, 200);
    assert_eq!(ping_standard(&app, &third, BODY, now).await, 200);
    assert!(settings(&app).await["previousSecretValidUntil"].is_string());
}

#[tokio::test]
async fn the_test_delivery_signs_and_reports() {
    let app = spawn_app(&[]).await;
    let refused = app.as_admin(Method::POST, "/api/webhooks/settings/test").send().await.unwrap();
    assert_eq!(refused.status(), 400, "no secret yet");
    rotate(&app).await;
    let result: Value = app.as_admin(Method::POST, "/api/webhooks/settings/test").send().await.unwrap().json().await.unwrap();
    assert_eq!(result["data"]["success"], true, "{result}");
    assert_eq!(result["data"]["status"], 200);
}

#[tokio::test]
async fn staff_who_are_not_admins_cannot_change_settings() {
    let app = spawn_app(&[]).await;
    let (staff, _) = app.add_staff(1, "staff@one.test", "staff").await;
    let response = app.as_user(&staff, Method::POST, "/api/webhooks/settings/generate-secret").send().await.unwrap();
    assert_eq!(response.status(), 403);
}

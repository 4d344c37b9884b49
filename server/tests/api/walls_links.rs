//! Tenant walls around what tenants send: links a page follows, replayed
//! webhooks, statuses that only move forward, and the notifications of
//! people who are not the tenant's; and the headers every page carries.

use crate::helpers::*;
use hmac::{Hmac, Mac};
use reqwest::Method;
use serde_json::{json, Value};
use sha2::Sha256;

/// Posts a tenant webhook signed with seed 004's hex scheme, with whatever
/// `webhook-id` header the sender likes (it is not signed).
async fn post_hex(app: &TestApp, secret: &str, kind: &str, webhook_id: &str, body: &Value) -> reqwest::Response {
    let body = body.to_string();
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body.as_bytes());
    let signature = hex::encode(mac.finalize().into_bytes());
    let request = app.http.post(app.url(&format!("/api/webhooks/{kind}"))).header("x-webhook-signature", signature);
    request.header("webhook-id", webhook_id).header("content-type", "application/json").body(body).send().await.unwrap()
}

async fn notifications(app: &TestApp) -> Vec<Value> {
    let page = json_of(app.as_admin(Method::GET, "/api/notifications?limit=200")).await;
    page["data"]["notifications"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_script_link_is_refused_on_every_way_in() {
    let app = spawn_app(&[]).await;
    let one = app.first_tenant().await;
    let secret = app.tenant_secret().await;
    for link in ["javascript:alert(document.cookie)", " javascript:alert(1)", "//evil.example/x", "data:text/html,hi", "/\\evil.example"] {
        let note = json!({"tenantId": 1, "title": "Hi", "message": "Click", "actionUrl": link});
        let by_staff = app.as_admin(Method::POST, "/api/notifications").json(&note).send().await.unwrap();
        let by_key = app.http.post(app.url("/api/notifications")).bearer_auth(&one.key).json(&note).send().await.unwrap();
        let by_webhook = app.post_tenant(&secret, "notifications", &format!("msg-{link}"), &note).await;
        for (way, response) in [("staff", by_staff), ("API key", by_key), ("webhook", by_webhook)] {
            assert_eq!(response.status(), 400, "{way}: {link}");
            let reason = response.text().await.unwrap();
            assert!(reason.contains("actionUrl"), "{way} names the field: {reason}");
        }
    }
    assert!(notifications(&app).await.is_empty(), "nothing stored");
    let fine = json!({"tenantId": 1, "title": "Hi", "message": "Click", "actionUrl": "https://shop.example/orders/1"});
    assert_eq!(app.as_admin(Method::POST, "/api/notifications").json(&fine).send().await.unwrap().status(), 200);

    for url in ["javascript:alert(1)", "ftp://files.example/x", "/relative/path"] {
        let endpoint = app.as_admin(Method::POST, "/api/webhooks/endpoints").json(&json!({"url": url})).send().await.unwrap();
        assert_eq!(endpoint.status(), 400, "{url}");
        assert!(endpoint.text().await.unwrap().contains("`url`"));
    }
}

#[tokio::test]
async fn a_hex_signed_replay_with_a_fresh_webhook_id_creates_nothing() {
    let app = spawn_app(&[]).await;
    let secret = app.tenant_secret().await;
    let note = json!({"tenantId": 1, "title": "Once", "message": "only once"});
    let first: Value = post_hex(&app, &secret, "notifications", "id-1", &note).await.json().await.unwrap();
    assert!(first["notificationId"].is_i64(), "{first}");
    let replay: Value = post_hex(&app, &secret, "notifications", "id-2", &note).await.json().await.unwrap();
    assert_eq!(replay["duplicate"], true, "the body, not the unsigned header, names a hex-signed delivery");
    assert_eq!(notifications(&app).await.len(), 1);

    // A Standard Webhooks id is signed: a new one is a new message.
    app.post_tenant(&secret, "notifications", "msg-a", &note).await;
    app.post_tenant(&secret, "notifications", "msg-b", &note).await;
    assert_eq!(notifications(&app).await.len(), 3);
}

#[tokio::test]
async fn orders_and_payments_only_move_forward() {
    let app = spawn_app(&[]).await;
    let secret = app.tenant_secret().await;
    let order = |status: &str| json!({"tenantId": 1, "orderNumber": "ORD-9", "amount": 10.0, "status": status});
    app.post_tenant(&secret, "orders", "o-1", &order("paid")).await;
    app.post_tenant(&secret, "orders", "o-2", &order("pending")).await;
    let payment =
        |status: &str, id: &str| json!({"tenantId": 1, "orderNumber": "ORD-9", "amount": 10.0, "status": status, "paymentId": id});
    app.post_tenant(&secret, "payments", "p-1", &payment("paid", "pay_1")).await;
    let before = notifications(&app).await.len();
    let late: Value = app.post_tenant(&secret, "payments", "p-2", &payment("pending", "pay_1")).await.json().await.unwrap();
    assert_eq!(late["success"], true, "acknowledged");
    assert_eq!(notifications(&app).await.len(), before, "a late pending is history, not news");
    let dashboard = json_of(app.as_admin(Method::GET, "/api/dashboard")).await;
    assert_eq!(dashboard["data"]["recentOrders"][0]["status"], "paid");
    assert_eq!(dashboard["data"]["recentOrders"][0]["paymentStatus"], "paid");

    app.post_tenant(&secret, "payments", "p-3", &payment("refunded", "pay_1")).await;
    let dashboard = json_of(app.as_admin(Method::GET, "/api/dashboard")).await;
    assert_eq!(dashboard["data"]["recentOrders"][0]["status"], "refunded");
    assert_eq!(notifications(&app).await.len(), before + 1);
}

#[tokio::test]
async fn a_notification_for_someone_outside_the_tenant_is_refused() {
    let app = spawn_app(&[]).await;
    let two = app.new_tenant("Second College").await;
    let (_, outsider) = app.add_staff(1, "only-one@one.test", "staff").await;
    let note = json!({"tenantId": two.id, "title": "Hi", "message": "psst", "userId": outsider});
    let by_key = app.http.post(app.url("/api/notifications")).bearer_auth(&two.key).json(&note).send().await.unwrap();
    assert_eq!(by_key.status(), 400);
    let secret = json_of(app.http.post(app.url("/api/webhooks/settings/generate-secret")).bearer_auth(&two.key)).await;
    let secret = secret["data"]["secret"].as_str().unwrap().to_owned();
    let by_webhook = app.post_tenant(&secret, "notifications", "msg-u", &note).await;
    assert_eq!(by_webhook.status(), 400);
    assert!(by_webhook.text().await.unwrap().contains("userId"));
}

#[tokio::test]
async fn every_page_carries_a_content_security_policy() {
    let app = spawn_app(&[]).await;
    for path in ["/", "/register/connect", "/login", "/whatsapp", "/settings", "/no-such-page"] {
        let response = app.http.get(app.url(path)).send().await.unwrap();
        let headers = response.headers().clone();
        let csp = headers.get("content-security-policy").unwrap_or_else(|| panic!("{path}: no CSP")).to_str().unwrap();
        for part in ["default-src 'self'", "'wasm-unsafe-eval'", "frame-ancestors 'none'", "'nonce-"] {
            assert!(csp.contains(part), "{path}: {part} in {csp}");
        }
        let scripts = csp.split(';').map(str::trim).find(|d| d.starts_with("script-src")).unwrap();
        assert!(!scripts.contains("'unsafe-inline'") && !scripts.contains("'unsafe-eval'"), "{path}: {scripts}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert!(headers.contains_key("referrer-policy"), "{path}");
        let nonce = csp.split("'nonce-").nth(1).unwrap().split('\'').next().unwrap().to_owned();
        let html = response.text().await.unwrap();
        assert!(html.contains(&format!("nonce=\"{nonce}\"")), "{path}: the hydration script carries this response's nonce");
    }
    let api = app.http.get(app.url("/api/webhooks/health")).send().await.unwrap();
    assert_eq!(api.headers()["x-content-type-options"], "nosniff");
}

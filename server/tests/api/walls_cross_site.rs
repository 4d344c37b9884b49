//! Tenant walls for pages on other sites: a channel token is a bearer for
//! the notification and dashboard APIs of its own tenant only, only while
//! the API key that minted it is live, and for nothing else; CORS answers
//! go to the listed origins only.

use crate::helpers::*;
use reqwest::Method;
use serde_json::json;

async fn token(app: &TestApp, key: &str, channel: &str) -> String {
    let body = json_of(app.http.post(app.url("/api/realtime/token")).bearer_auth(key).json(&json!({ "channel": channel }))).await;
    body["token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_channel_token_reads_its_own_tenant_and_nothing_else() {
    let app = spawn_app(&[]).await;
    let one = app.first_tenant().await;
    let two = app.new_tenant("Second College").await;
    let created = app.http.post(app.url("/api/notifications")).bearer_auth(&two.key).json(&json!({"title": "Theirs", "message": "m"}));
    assert_eq!(created.send().await.unwrap().status(), 200);
    let mine = token(&app, &one.key, "tenant:1").await;

    let list = json_of(app.http.get(app.url("/api/notifications")).bearer_auth(&mine)).await;
    assert!(list["data"]["notifications"].as_array().unwrap().iter().all(|n| n["tenantId"] == 1));
    assert_eq!(app.http.get(app.url("/api/dashboard")).bearer_auth(&mine).send().await.unwrap().status(), 200);
    let theirs = app.http.get(app.url(&format!("/api/notifications?tenantId={}", two.id))).bearer_auth(&mine);
    assert_eq!(theirs.send().await.unwrap().status(), 404);
    // Not a key: nothing beyond the tenant's reads and read state.
    for (method, path) in
        [(Method::GET, "/api/tenants/1/api-keys"), (Method::GET, "/api/webhooks/endpoints"), (Method::GET, "/api/webhooks/settings")]
    {
        let answer = app.http.request(method, app.url(path)).bearer_auth(&mine).send().await.unwrap();
        assert_eq!(answer.status(), 401, "{path}");
    }
    let minted_again = app.http.post(app.url("/api/realtime/token")).bearer_auth(&mine).json(&json!({"channel": "tenant:1"}));
    assert_eq!(minted_again.send().await.unwrap().status(), 401);
    // A college token, a forged one: refused.
    let college = token(&app, &one.key, "college:1").await;
    assert_eq!(app.http.get(app.url("/api/notifications")).bearer_auth(&college).send().await.unwrap().status(), 401);
    let forged = format!("{}x", &mine[..mine.len() - 1]);
    assert_eq!(app.http.get(app.url("/api/notifications")).bearer_auth(&forged).send().await.unwrap().status(), 401);

    // Revoking the key that minted it ends it.
    let keys = json_of(app.as_admin(Method::GET, "/api/tenants/1/api-keys")).await;
    let id = keys["data"].as_array().unwrap().iter().find(|k| one.key.starts_with(k["prefix"].as_str().unwrap())).unwrap()["id"]
        .as_i64()
        .unwrap();
    assert_eq!(app.as_admin(Method::DELETE, &format!("/api/tenants/1/api-keys/{id}")).send().await.unwrap().status(), 200);
    assert_eq!(app.http.get(app.url("/api/notifications")).bearer_auth(&mine).send().await.unwrap().status(), 401);
}

#[tokio::test]
async fn cors_answers_only_the_listed_origins_and_only_for_the_front_end_apis() {
    let app = spawn_app(&[("CORS_ALLOWED_ORIGINS", "https://shop.example"), ("CLIENT_URL", "https://desk.example/app/")]).await;
    let preflight = |path: &str, origin: &str| {
        app.http
            .request(Method::OPTIONS, app.url(path))
            .header("origin", origin)
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "authorization")
    };
    for origin in ["https://shop.example", "https://desk.example"] {
        let answer = preflight("/api/notifications", origin).send().await.unwrap();
        assert_eq!(answer.headers()["access-control-allow-origin"], origin);
        assert!(answer.headers().get("access-control-allow-credentials").is_none());
    }
    let evil = preflight("/api/notifications", "https://evil.example").send().await.unwrap();
    assert!(evil.headers().get("access-control-allow-origin").is_none());
    let elsewhere = preflight("/api/tenants", "https://shop.example").send().await.unwrap();
    assert!(elsewhere.headers().get("access-control-allow-origin").is_none());
    let poll = |origin: &str| app.http.get(app.url("/socket.io/?EIO=4&transport=polling")).header("origin", origin);
    let open = poll("https://shop.example").send().await.unwrap();
    assert_eq!(open.status(), 200);
    assert_eq!(open.headers()["access-control-allow-origin"], "https://shop.example");
    assert!(open.text().await.unwrap().starts_with("0{"), "an Engine.IO open packet");
    assert_eq!(poll("https://evil.example").send().await.unwrap().status(), 403);
}

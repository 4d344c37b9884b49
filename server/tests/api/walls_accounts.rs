//! Tenant walls around accounts: staff join through a link they accept, so
//! no admin can add an account someone else controls; another tenant's ids
//! answer exactly as missing ones do; per-address limits hold.

use crate::helpers::*;
use reqwest::Method;
use serde_json::{json, Value};

async fn accept(app: &TestApp, token: &str, session: Option<&Session>, password: Option<&str>) -> reqwest::Response {
    let url = format!("/api/invitations/{token}/accept");
    let request = match session {
        Some(s) => app.as_user(s, Method::POST, &url),
        None => app.http.post(app.url(&url)),
    };
    request.json(&json!({"password": password})).send().await.unwrap()
}

#[tokio::test]
async fn an_invitation_joins_only_whoever_signs_in_as_the_invited_account() {
    let app = spawn_app(&[]).await;
    let two = app.new_tenant("Second College").await;
    // The second tenant's admin makes an account for an email of the
    // first tenant's staff and holds its password.
    let squatted = app.invite(two.id, "dean@one.test", "staff").await;
    assert_eq!(accept(&app, &squatted, None, Some("squatter-password")).await.status(), 200);
    let squatter = app.sign_in("dean@one.test", "squatter-password").await.unwrap();

    // The first tenant invites that email: nothing is granted until the
    // link is accepted, and the link is the first tenant's to hand over.
    let invitation = app.invite(1, "dean@one.test", "admin").await;
    let me = json_of(app.as_user(&squatter, Method::GET, "/api/auth/me")).await;
    assert_eq!(me["data"]["tenants"].as_array().unwrap().len(), 1, "still only the second tenant");
    let refused = app.as_user(&squatter, Method::GET, "/api/tenants/1/members").send().await.unwrap();
    assert_eq!(refused.status(), 404);

    // Opening the link signed out cannot take the account over.
    let taken = accept(&app, &invitation, None, Some("a-new-password")).await;
    assert_eq!(taken.status(), 409);
    assert!(app.sign_in("dean@one.test", "a-new-password").await.is_none());
    // Signed in as another account, it is refused too.
    let (other, _) = app.add_staff(1, "someone@one.test", "staff").await;
    assert_eq!(accept(&app, &invitation, Some(&other), None).await.status(), 409);
    // Only the invited account, signed in, joins; the link then is spent.
    assert_eq!(accept(&app, &invitation, Some(&squatter), None).await.status(), 200);
    assert_eq!(accept(&app, &invitation, Some(&squatter), None).await.status(), 404, "one link, one person");
    let shown = app.http.get(app.url(&format!("/api/invitations/{invitation}"))).send().await.unwrap();
    assert_eq!(shown.status(), 404);
}

#[tokio::test]
async fn inviting_answers_the_same_whether_or_not_the_email_has_an_account() {
    let app = spawn_app(&[]).await;
    let known = json_of(app.as_admin(Method::POST, "/api/tenants/1/members").json(&json!({"email": ADMIN_EMAIL}))).await;
    let unknown = json_of(app.as_admin(Method::POST, "/api/tenants/1/members").json(&json!({"email": "nobody@x.test"}))).await;
    let keys = |v: &Value| v["data"].as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&known), keys(&unknown));
    assert!(known["data"].get("userId").is_none() && known["data"].get("name").is_none());
}

#[tokio::test]
async fn another_tenants_ids_answer_as_missing_ones_do() {
    let app = spawn_app(&[("OUTBOUND_POLL_MS", "0"), ("OUTBOUND_ALLOW_INTERNAL", "true")]).await;
    let (one, two) = (app.first_tenant().await, app.new_tenant("Second College").await);
    let note =
        json_of(app.http.post(app.url("/api/notifications")).bearer_auth(&one.key).json(&json!({"title": "t", "message": "m"}))).await;
    let note = note["data"]["id"].as_i64().unwrap();
    let endpoint =
        json_of(app.http.post(app.url("/api/webhooks/endpoints")).bearer_auth(&one.key).json(&json!({"url": "http://127.0.0.1:9/x"})))
            .await;
    let endpoint = endpoint["data"]["endpoint"]["id"].as_i64().unwrap();
    let probes: Vec<(Method, String, Value)> = vec![
        (Method::PATCH, format!("/api/notifications/{{}}?tenantId={}", two.id), json!({"isRead": true})),
        (Method::PATCH, "/api/webhooks/endpoints/{}".into(), json!({"enabled": false})),
        (Method::POST, "/api/webhooks/endpoints/{}/rotate-secret".into(), json!({})),
        (Method::POST, "/api/webhooks/endpoints/{}/test".into(), json!({})),
        (Method::GET, "/api/webhooks/endpoints/{}/deliveries".into(), json!(null)),
        (Method::DELETE, "/api/webhooks/endpoints/{}".into(), json!(null)),
    ];
    for (method, path, body) in probes {
        let id = if path.starts_with("/api/notifications") { note } else { endpoint };
        let answer = |id: i64| {
            let request = app.http.request(method.clone(), app.url(&path.replace("{}", &id.to_string()))).bearer_auth(&two.key);
            let request = if body.is_null() { request } else { request.json(&body) };
            async move {
                let response = request.send().await.unwrap();
                (response.status(), response.text().await.unwrap())
            }
        };
        let (theirs, missing) = (answer(id).await, answer(987_654).await);
        assert_eq!(theirs.0, 404, "{method} {path}");
        assert_eq!(theirs, missing, "{method} {path}: another tenant's answers as a missing one");
    }
    // And the first tenant's things are untouched.
    let listed = json_of(app.http.get(app.url("/api/webhooks/endpoints")).bearer_auth(&one.key)).await;
    assert_eq!(listed["data"][0]["enabled"], true);
}

#[tokio::test]
async fn starting_connect_sessions_is_limited_per_address() {
    let app = spawn_app(&[("SESSIONS_PER_MINUTE_PER_IP", "2")]).await;
    let start = || app.http.post(app.url("/api/connections/session")).json(&json!({"requestType": "registration"})).send();
    assert_eq!(start().await.unwrap().status(), 200);
    assert_eq!(start().await.unwrap().status(), 200);
    assert_eq!(start().await.unwrap().status(), 429);
}

#[tokio::test]
async fn a_forwarded_address_counts_only_from_a_trusted_proxy() {
    let app = spawn_app(&[("SESSIONS_PER_MINUTE_PER_IP", "1"), ("TRUSTED_PROXIES", "127.0.0.1")]).await;
    let start = |from: &str| {
        app.http
            .post(app.url("/api/connections/session"))
            .header("x-forwarded-for", from)
            .json(&json!({"requestType": "registration"}))
            .send()
    };
    assert_eq!(start("203.0.113.1").await.unwrap().status(), 200);
    assert_eq!(start("203.0.113.2").await.unwrap().status(), 200, "another client behind the proxy");
    assert_eq!(start("203.0.113.1").await.unwrap().status(), 429);

    let untrusted = spawn_app(&[("SESSIONS_PER_MINUTE_PER_IP", "1")]).await;
    let start = |from: &str| {
        untrusted
            .http
            .post(untrusted.url("/api/connections/session"))
            .header("x-forwarded-for", from)
            .json(&json!({"requestType": "registration"}))
            .send()
    };
    assert_eq!(start("203.0.113.1").await.unwrap().status(), 200);
    assert_eq!(start("203.0.113.2").await.unwrap().status(), 429, "a claimed address from an untrusted peer counts for nothing");
}

#[tokio::test]
async fn retention_purges_what_is_past_its_period() {
    let app =
        spawn_app(&[("RETENTION_ACTIVITY_DAYS", "0"), ("RETENTION_WEBHOOK_BODY_DAYS", "0"), ("RETENTION_INTERVAL_SECS", "0.1")]).await;
    let one = app.first_tenant().await;
    app.register_message(&one, "wamid.OLD").await;
    app.report("wamid.OLD", "sent", 1_700_000_001).await;
    app.settled_stats().await;
    tokio::time::timeout(PATIENCE, async {
        loop {
            let log = json_of(app.as_admin(Method::GET, "/api/tenants/1/activity")).await;
            let bodies = crate::backend::body_lengths(app.dir.path()).await;
            if log["data"].as_array().unwrap().is_empty() && bodies.iter().all(|len| *len == 0) {
                return;
            }
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("the activity log and the applied bodies are purged");
    assert_eq!(app.stats().await["total"], 1, "the delivery row (its dedupe key) stays");
}

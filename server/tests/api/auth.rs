//! Sign-in, sessions, CSRF, API keys, channel tokens, and tenant isolation on
//! every route that takes a tenant.

use crate::helpers::*;
use crate::wa_helpers::*;
use app::protocol::WaServerMessage;
use futures_util::SinkExt;
use reqwest::Method;
use serde_json::{json, Value};
use tidings::cli::admin::{self, Admin, RoleArg};
use tokio_tungstenite::tungstenite::Message;

async fn status(request: reqwest::RequestBuilder) -> u16 {
    request.send().await.unwrap().status().as_u16()
}

/// A staff member of a new tenant, set up from the shell as an operator would.
async fn other_tenant_staff(app: &TestApp) -> (Tenant, Session) {
    let tenant = app.new_tenant("Other College").await;
    let user = Admin::CreateUser {
        email: "staff@other.test".into(),
        tenant: tenant.id,
        role: RoleArg::Staff,
        password: Some("other-password-1".into()),
    };
    admin::run(user, &app.settings).await.unwrap();
    let session = app.sign_in("staff@other.test", "other-password-1").await.expect("new staff signs in");
    (tenant, session)
}

#[tokio::test]
async fn signing_in_and_out() {
    let app = spawn_app(&[]).await;
    let admin = app.admin.clone().unwrap();
    let me: Value = app.as_user(&admin, Method::GET, "/api/auth/me").send().await.unwrap().json().await.unwrap();
    assert_eq!(me["data"]["email"], ADMIN_EMAIL);
    assert_eq!(me["data"]["tenants"][0]["role"], "admin");

    let wrong_password = app.http.post(app.url("/api/auth/login")).json(&json!({"email": ADMIN_EMAIL, "password": "nope"}));
    let unknown_email = app.http.post(app.url("/api/auth/login")).json(&json!({"email": "who@x.test", "password": "nope"}));
    let (a, b) = (wrong_password.send().await.unwrap(), unknown_email.send().await.unwrap());
    assert_eq!((a.status().as_u16(), b.status().as_u16()), (401, 401));
    assert_eq!(a.text().await.unwrap(), b.text().await.unwrap(), "the same answer for both");

    assert_eq!(status(app.as_user(&admin, Method::POST, "/api/auth/logout")).await, 200);
    assert_eq!(status(app.as_user(&admin, Method::GET, "/api/auth/me")).await, 401);
    assert_eq!(status(app.http.get(app.url("/api/auth/me"))).await, 401);
}

#[tokio::test]
async fn the_session_cookie_is_http_only_and_same_site() {
    let app = spawn_app(&[]).await;
    let response = app.http.post(app.url("/api/auth/login")).json(&json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}));
    let response = response.send().await.unwrap();
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|c| c.starts_with("tidings_session="))
        .unwrap()
        .to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(!cookie.contains("Secure"), "not over plain HTTP");
    let behind_tls = app.http.post(app.url("/api/auth/login")).header("x-forwarded-proto", "https");
    let response = behind_tls.json(&json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})).send().await.unwrap();
    assert!(response.headers().get_all("set-cookie").iter().all(|c| c.to_str().unwrap().contains("Secure")));
}

#[tokio::test]
async fn login_attempts_are_rate_limited_per_account() {
    let app = spawn_app(&[]).await;
    let attempt = || app.http.post(app.url("/api/auth/login")).json(&json!({"email": "target@x.test", "password": "guess"}));
    let mut codes = vec![];
    for _ in 0..6 {
        codes.push(status(attempt()).await);
    }
    assert_eq!(codes, vec![401, 401, 401, 401, 401, 429]);
}

#[tokio::test]
async fn cookie_authenticated_changes_need_the_csrf_token() {
    let app = spawn_app(&[]).await;
    let admin = app.admin.clone().unwrap();
    let without = app.http.post(app.url("/api/tenants")).header("cookie", &admin.cookie).json(&json!({"name": "X"}));
    assert_eq!(status(without).await, 403);
    let wrong = app.http.post(app.url("/api/tenants")).header("cookie", &admin.cookie).header("x-csrf-token", "nope");
    assert_eq!(status(wrong.json(&json!({"name": "X"}))).await, 403);
    assert_eq!(status(app.as_user(&admin, Method::POST, "/api/tenants").json(&json!({"name": "X"}))).await, 200);
}

#[tokio::test]
async fn staff_of_one_tenant_reach_nothing_of_another_by_any_route() {
    let app = spawn_app(&[]).await;
    let first = app.first_tenant().await;
    app.register_message(&first, "wamid.SECRET").await;
    let (_, outsider) = other_tenant_staff(&app).await;

    let routes = [
        (Method::GET, "/api/whatsapp/messages?collegeId=1".to_string(), json!(null)),
        (Method::GET, "/api/whatsapp/incoming?collegeId=1".into(), json!(null)),
        (Method::POST, "/api/whatsapp/messages".into(), json!({"collegeId": 1, "to": "1", "whatsappMessageId": "w"})),
        (Method::POST, "/api/whatsapp/send".into(), json!({"collegeId": 1, "to": "15551234567", "template": "hello_world"})),
        (Method::POST, "/api/realtime/token".into(), json!({"channel": "college:1"})),
        (Method::GET, "/api/tenants/1/members".into(), json!(null)),
        (Method::POST, "/api/tenants/1/members".into(), json!({"email": "mole@x.test"})),
        (Method::GET, "/api/tenants/1/api-keys".into(), json!(null)),
        (Method::POST, "/api/tenants/1/api-keys".into(), json!({"name": "mine"})),
        (Method::DELETE, "/api/tenants/1/api-keys/1".into(), json!(null)),
        (Method::GET, "/api/tenants/1/activity".into(), json!(null)),
        (Method::GET, "/api/webhooks/settings?tenantId=1".into(), json!(null)),
        (Method::PATCH, "/api/webhooks/settings?tenantId=1".into(), json!({"webhookEnabled": false})),
        (Method::POST, "/api/webhooks/settings/generate-secret?tenantId=1".into(), json!(null)),
        (Method::POST, "/api/webhooks/settings/test?tenantId=1".into(), json!(null)),
    ];
    for (method, path, body) in routes {
        let mut request = app.as_user(&outsider, method.clone(), &path);
        if !body.is_null() {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let code = response.status().as_u16();
        let text = response.text().await.unwrap();
        assert_eq!(code, 404, "{method} {path}: {text}");
        assert!(!text.contains("SECRET"), "{method} {path} leaked data");
    }
    // Operators' installation-wide views are refused too.
    assert_eq!(status(app.as_user(&outsider, Method::GET, "/api/admin/webhook-stats")).await, 403);

    // The socket refuses the other tenant's channel, and stays usable.
    let mut socket = app.socket_at("/ws/whatsapp").await;
    let register = json!({"type": "register", "collegeId": 1}).to_string();
    socket.send(Message::Text(register.into())).await.unwrap();
    assert!(matches!(next_wa(&mut socket).await, WaServerMessage::Error { .. }));
    assert_wa_quiet(&mut socket).await;
}

#[tokio::test]
async fn a_staff_member_may_subscribe_to_their_own_college_with_the_cookie() {
    let app = spawn_app(&[]).await;
    let (tenant, staff) = other_tenant_staff(&app).await;
    let url = format!("{}/ws/whatsapp", app.base.replacen("http", "ws", 1));
    let mut request = tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(url).unwrap();
    request.headers_mut().insert("cookie", staff.cookie.parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let register = json!({"type": "register", "collegeId": tenant.id}).to_string();
    socket.send(Message::Text(register.into())).await.unwrap();
    assert!(matches!(next_wa(&mut socket).await, WaServerMessage::Registered { .. }));
    let mine = app.register_message(&tenant, "wamid.MINE").await;
    assert_eq!(next_update(&mut socket).await.0, mine.whatsapp_message_id);
}

#[tokio::test]
async fn api_keys_grant_their_own_tenant_only_until_revoked() {
    let app = spawn_app(&[]).await;
    let first = app.first_tenant().await;
    let other = app.new_tenant("Other").await;
    let list =
        |key: &str, college: i64| app.http.get(app.url(&format!("/api/whatsapp/messages?collegeId={college}"))).bearer_auth(key.to_owned());
    assert_eq!(status(list(&first.key, 1)).await, 200);
    assert_eq!(status(list(&first.key, other.id)).await, 404);
    assert_eq!(status(list("tdk_made_up", 1)).await, 401);
    // A tenant id header alone grants nothing.
    let header_only = app.http.get(app.url("/api/whatsapp/messages?collegeId=1")).header("x-tenant-id", "1");
    assert_eq!(status(header_only).await, 401);

    let keys: Value = app.as_admin(Method::GET, "/api/tenants/1/api-keys").send().await.unwrap().json().await.unwrap();
    let id = keys["data"][0]["id"].as_i64().unwrap();
    assert!(!keys.to_string().contains(&first.key), "only the prefix is ever shown again");
    assert_eq!(status(app.as_admin(Method::DELETE, &format!("/api/tenants/1/api-keys/{id}"))).await, 200);
    assert_eq!(status(list(&first.key, 1)).await, 401);
}

#[tokio::test]
async fn a_token_for_one_channel_opens_no_other() {
    let app = spawn_app(&[]).await;
    let first = app.first_tenant().await;
    let other = app.new_tenant("Other").await;
    let token = app.channel_token(&first).await;
    let mut socket = app.socket_at("/ws/whatsapp").await;
    let wrong = json!({"type": "register", "collegeId": other.id, "token": token}).to_string();
    socket.send(Message::Text(wrong.into())).await.unwrap();
    assert!(matches!(next_wa(&mut socket).await, WaServerMessage::Error { .. }));
    let right = json!({"type": "register", "collegeId": first.id, "token": token}).to_string();
    socket.send(Message::Text(right.into())).await.unwrap();
    assert!(matches!(next_wa(&mut socket).await, WaServerMessage::Registered { .. }));
}

#[tokio::test]
async fn the_activity_log_records_who_did_what() {
    let app = spawn_app(&[]).await;
    app.first_tenant().await; // creates an API key
    let mut socket = app.socket_at("/ws/whatsapp").await;
    socket.send(Message::Text(json!({"type": "register", "collegeId": 1}).to_string().into())).await.unwrap();
    next_wa(&mut socket).await;
    let kinds = || async {
        let log: Value = app.as_admin(Method::GET, "/api/tenants/1/activity").send().await.unwrap().json().await.unwrap();
        log["data"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
    };
    // Refusals are counted off the socket's path and logged in aggregate:
    // wait for the count.
    let log = tokio::time::timeout(PATIENCE, async {
        loop {
            let log = kinds().await;
            if log.iter().any(|k| k == "subscription_refused") {
                return log;
            }
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("the refusal is logged");
    for kind in ["sign_in", "api_key_created", "subscription_refused"] {
        assert!(log.iter().any(|k| k == kind), "{kind} in {log:?}");
    }
    let filtered: Value = app.as_admin(Method::GET, "/api/tenants/1/activity?kind=sign_in").send().await.unwrap().json().await.unwrap();
    assert!(filtered["data"].as_array().unwrap().iter().all(|e| e["kind"] == "sign_in"));
}

#[tokio::test]
async fn admins_add_staff_who_can_then_sign_in() {
    let app = spawn_app(&[]).await;
    let (session, _) = app.add_staff(1, "New.Staff@Example.test", "staff").await;
    let members: Value = app.as_admin(Method::GET, "/api/tenants/1/members").send().await.unwrap().json().await.unwrap();
    assert!(members["data"].as_array().unwrap().iter().any(|m| m["email"] == "new.staff@example.test"), "stored lower-case");
    // Staff, not admin: may read messages, may not manage keys.
    assert_eq!(status(app.as_user(&session, Method::GET, "/api/whatsapp/messages?collegeId=1")).await, 200);
    assert_eq!(status(app.as_user(&session, Method::GET, "/api/tenants/1/api-keys")).await, 403);
}

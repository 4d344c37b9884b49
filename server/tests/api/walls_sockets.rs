//! Tenant walls around sockets: refused joins say nothing and are limited,
//! a cookie counts only from this site, and withdrawn credentials (logout,
//! a revoked API key, a removed member) close the sockets they opened.

use crate::helpers::*;
use crate::tenant_helpers::*;
use crate::wa_helpers::*;
use app::protocol::{TenantServerMessage, WaServerMessage};
use futures_util::{SinkExt, StreamExt};
use reqwest::Method;
use serde_json::json;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;

/// A `/ws/tenant` socket joined to `tenant` with a token minted by `key`.
async fn token_socket(app: &TestApp, key: &str, tenant: i64) -> Socket {
    let token =
        json_of(app.http.post(app.url("/api/realtime/token")).bearer_auth(key).json(&json!({"channel": format!("tenant:{tenant}")}))).await;
    let mut socket = app.socket_at("/ws/tenant").await;
    send(&mut socket, json!({"type": "join-tenant", "tenantId": tenant, "token": token["token"]})).await;
    assert!(matches!(next_tenant(&mut socket).await, TenantServerMessage::Joined { .. }));
    socket
}

#[tokio::test]
async fn refused_joins_say_nothing_and_a_few_close_the_socket() {
    let app = spawn_app(&[]).await;
    let two = app.new_tenant("Second College").await;
    let one = app.first_tenant().await;
    let token = app.channel_token(&one).await;
    let mut socket = app.socket_at("/ws/whatsapp").await;
    for attempt in 0..4 {
        let register = json!({"type": "register", "collegeId": two.id, "token": token});
        socket.send(Message::Text(register.to_string().into())).await.unwrap();
        match next_wa(&mut socket).await {
            WaServerMessage::Error { message } => assert!(!message.contains(&two.id.to_string()), "attempt {attempt}: {message}"),
            other => panic!("{other:?}"),
        }
    }
    socket.send(Message::Text(json!({"type": "register", "collegeId": 999}).to_string().into())).await.unwrap();
    assert_eq!(close_code(&mut socket).await, CloseCode::Policy, "the fifth refusal closes it");
}

#[tokio::test]
async fn a_socket_that_floods_is_closed() {
    let app = spawn_app(&[]).await;
    let mut socket = app.socket_at("/ws/tenant").await;
    const SENT: usize = 60;
    for _ in 0..SENT {
        socket.send(Message::Text(r#"{"type":"ping"}"#.into())).await.unwrap();
    }
    // The server answers a burst, then ends the socket (with a close frame,
    // or a reset when the rest of the flood is still unread).
    let mut answered = 0;
    loop {
        match tokio::time::timeout(PATIENCE, socket.next()).await.expect("the server ends the socket in time") {
            Some(Ok(Message::Text(_))) => answered += 1,
            Some(Ok(Message::Close(frame))) => {
                assert_eq!(frame.unwrap().code, CloseCode::Policy);
                break;
            }
            Some(Ok(_)) => {}
            Some(Err(_)) | None => break,
        }
    }
    assert!(answered < SENT, "answered {answered} of {SENT}: the flood was not cut off");
}

#[tokio::test]
async fn a_cookie_from_another_site_opens_nothing() {
    let app = spawn_app(&[]).await;
    let admin = app.admin.clone().unwrap();
    let url = format!("{}/ws/tenant", app.base.replacen("http", "ws", 1));
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert("cookie", admin.cookie.parse().unwrap());
    request.headers_mut().insert("origin", "https://evil.example".parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    send(&mut socket, json!({"type": "join-tenant", "tenantId": 1})).await;
    assert!(matches!(next_tenant(&mut socket).await, TenantServerMessage::Error { .. }), "the cookie did not count");
    // From this site, it does.
    let mine = app.tenant_socket(&admin, 1).await;
    drop(mine);
}

#[tokio::test]
async fn logging_out_closes_the_sockets_the_sign_in_opened() {
    let app = spawn_app(&[]).await;
    let (session, _) = app.add_staff(1, "leaving@one.test", "staff").await;
    let mut socket = app.tenant_socket(&session, 1).await;
    let mut other = app.tenant_socket(app.admin.as_ref().unwrap(), 1).await;
    assert_eq!(app.as_user(&session, Method::POST, "/api/auth/logout").send().await.unwrap().status(), 200);
    assert_eq!(close_code(&mut socket).await, CloseCode::Policy);
    assert_tenant_quiet(&mut other).await;
}

#[tokio::test]
async fn revoking_an_api_key_closes_the_sockets_its_tokens_opened() {
    let app = spawn_app(&[]).await;
    let one = app.first_tenant().await;
    let kept = app.first_tenant().await;
    let mut socket = token_socket(&app, &one.key, 1).await;
    let mut other = token_socket(&app, &kept.key, 1).await;
    let keys = json_of(app.as_admin(Method::GET, "/api/tenants/1/api-keys")).await;
    let id = keys["data"].as_array().unwrap().iter().find(|k| one.key.starts_with(k["prefix"].as_str().unwrap())).unwrap()["id"]
        .as_i64()
        .unwrap();
    let revoked = app.as_admin(Method::DELETE, &format!("/api/tenants/1/api-keys/{id}")).send().await.unwrap();
    assert_eq!(revoked.status(), 200);
    assert_eq!(close_code(&mut socket).await, CloseCode::Policy);
    assert_tenant_quiet(&mut other).await;
    let refused = app.http.post(app.url("/api/realtime/token")).bearer_auth(&one.key).json(&json!({"channel": "tenant:1"}));
    assert_eq!(refused.send().await.unwrap().status(), 401);
}

#[tokio::test]
async fn removing_a_member_closes_their_sockets_for_that_tenant() {
    let app = spawn_app(&[]).await;
    let (session, user) = app.add_staff(1, "removed@one.test", "staff").await;
    let mut socket = app.tenant_socket(&session, 1).await;
    let mut wa = app.socket_at_with_cookie("/ws/whatsapp", &session).await;
    wa.send(Message::Text(json!({"type": "register", "collegeId": 1}).to_string().into())).await.unwrap();
    assert!(matches!(next_wa(&mut wa).await, WaServerMessage::Registered { .. }));

    let other_tenant = app.as_admin(Method::DELETE, &format!("/api/tenants/2/members/{user}")).send().await.unwrap();
    assert_eq!(other_tenant.status(), 404, "no such tenant of the admin's: nothing disclosed");
    let removed = app.as_admin(Method::DELETE, &format!("/api/tenants/1/members/{user}")).send().await.unwrap();
    assert_eq!(removed.status(), 200);
    assert_eq!(close_code(&mut socket).await, CloseCode::Policy);
    assert_eq!(close_code(&mut wa).await, CloseCode::Policy);
    let gone = app.as_user(&session, Method::GET, "/api/notifications?tenantId=1").send().await.unwrap();
    assert_eq!(gone.status(), 404);
}

#[tokio::test]
async fn sockets_are_capped_per_address() {
    let app = spawn_app(&[("MAX_SOCKETS_PER_IP", "2")]).await;
    let _a = app.socket_at("/ws/tenant").await;
    let _b = app.socket_at("/ws/whatsapp").await;
    let url = format!("{}/ws/tenant", app.base.replacen("http", "ws", 1));
    match tokio_tungstenite::connect_async(url).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => assert_eq!(response.status(), 429),
        other => panic!("expected 429, got {other:?}"),
    }
    drop(_a);
    // The slot comes back once the socket's task has ended.
    tokio::time::timeout(PATIENCE, async {
        loop {
            let url = format!("{}/ws/tenant", app.base.replacen("http", "ws", 1));
            if tokio_tungstenite::connect_async(url).await.is_ok() {
                return;
            }
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("a slot is free again");
}

//! `WS /ws/deliveries`: the delivery log, live, for operators only. The
//! page is told `watching` at once and `moved` as deliveries arrive, then
//! reads the log again; nobody else gets a socket.

use crate::helpers::*;
use app::protocol::LogServerMessage;
use futures_util::StreamExt;
use reqwest::Method;
use serde_json::json;
use tokio_tungstenite::tungstenite::{self, client::IntoClientRequest, Message};

async fn next_log_message(socket: &mut Socket) -> LogServerMessage {
    loop {
        match tokio::time::timeout(PATIENCE, socket.next()).await.expect("a message in time") {
            Some(Ok(Message::Text(text))) => return serde_json::from_str(text.as_str()).expect("a log message"),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            other => panic!("unexpected frame {other:?}"),
        }
    }
}

/// The HTTP status an upgrade to `/ws/deliveries` is refused with.
async fn refused_with(app: &TestApp, cookie: Option<&str>) -> u16 {
    let mut request = format!("{}/ws/deliveries", app.base.replacen("http", "ws", 1)).into_client_request().unwrap();
    if let Some(cookie) = cookie {
        request.headers_mut().insert("cookie", cookie.parse().unwrap());
    }
    match tokio_tungstenite::connect_async(request).await {
        Err(tungstenite::Error::Http(response)) => response.status().as_u16(),
        other => panic!("expected a refused upgrade, got {other:?}"),
    }
}

#[tokio::test]
async fn an_operators_log_hears_of_each_new_delivery_and_nobody_else_gets_one() {
    let app = spawn_app(&[]).await;
    assert_eq!(refused_with(&app, None).await, 401, "not signed in");
    let (staff, _) = app.add_staff(1, "not.an.operator@example.test", "admin").await;
    assert_eq!(refused_with(&app, Some(&staff.cookie)).await, 403, "a tenant's admin is not an operator");
    // The pages learn which of the two they are showing.
    assert_eq!(json_of(app.as_user(&staff, Method::GET, "/api/auth/me")).await["data"]["isOperator"], false);
    assert_eq!(json_of(app.as_admin(Method::GET, "/api/auth/me")).await["data"]["isOperator"], true);

    let mut log = app.socket_at_with_cookie("/ws/deliveries", app.admin.as_ref().unwrap()).await;
    assert!(matches!(next_log_message(&mut log).await, LogServerMessage::Watching { .. }));
    let created = app.create_session().await;
    let webhook = json!({"id": "wh-live-log", "type": "Connection", "connectionId": "c-live", "state": "request-received",
        "outOfBandId": created.out_of_band_id});
    assert_eq!(app.post_webhook(webhook.to_string(), Some(SECRET)).await.status(), 200);
    // Told once it is stored, and again once it is applied (or both at
    // once): what the page reads after a move has it, and after the last
    // one, applied.
    let listed = loop {
        assert_eq!(next_log_message(&mut log).await, LogServerMessage::Moved {});
        let listed: serde_json::Value =
            app.as_admin(Method::GET, "/api/admin/webhook-deliveries").send().await.unwrap().json().await.unwrap();
        assert_eq!(listed[0]["topic"], "connections.request-received", "{listed}");
        if listed[0]["status"] == "processed" {
            break listed;
        }
    };
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");

    // Logging out closes the log's socket.
    let admin = app.admin.as_ref().unwrap();
    assert_eq!(app.as_user(admin, Method::POST, "/api/auth/logout").send().await.unwrap().status(), 200);
    loop {
        match tokio::time::timeout(PATIENCE, log.next()).await.expect("the socket closes in time") {
            Some(Ok(Message::Close(_))) | None => break,
            Some(Ok(_)) => continue,
            Some(Err(err)) => panic!("{err}"),
        }
    }
}

#[tokio::test]
async fn a_delivery_is_told_as_soon_as_it_is_stored_even_with_processing_paused() {
    let app = spawn_app(&[("PROCESS_PAUSED", "true")]).await;
    let mut log = app.socket_at_with_cookie("/ws/deliveries", app.admin.as_ref().unwrap()).await;
    assert!(matches!(next_log_message(&mut log).await, LogServerMessage::Watching { .. }));
    let webhook = json!({"id": "wh-paused", "type": "Connection", "connectionId": "c-paused", "state": "request-received",
        "outOfBandId": "nobody"});
    assert_eq!(app.post_webhook(webhook.to_string(), Some(SECRET)).await.status(), 200);
    assert_eq!(next_log_message(&mut log).await, LogServerMessage::Moved {});
    let listed: serde_json::Value = app.as_admin(Method::GET, "/api/admin/webhook-deliveries").send().await.unwrap().json().await.unwrap();
    assert_eq!(listed[0]["status"], "pending", "{listed}");
}

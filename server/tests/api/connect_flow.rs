//! The connect flow: session → socket → webhooks → status updates.

use crate::helpers::*;
use app::protocol::ConnectionStatus::{self, *};
use app::protocol::ServerMessage;
use tidings::cli::simulate::Shape;

#[tokio::test]
async fn a_scan_streams_each_step_in_order_for_every_payload_shape() {
    let app = spawn_app(&[]).await;
    for shape in [Shape::Flat, Shape::Nested, Shape::Acapy] {
        let created = app.create_session().await;
        let mut socket = app.watch(&created.session_id).await;
        match next_message(&mut socket).await {
            ServerMessage::Connected { session_id, status, .. } => {
                assert_eq!(session_id, created.session_id);
                assert_eq!(status, Invitation);
            }
            other => panic!("expected connected, got {other:?}"),
        }
        app.scan(&created.session_id, shape, "Ada's Wallet", 3).await;
        let steps: Vec<ConnectionStatus> =
            [next_status(&mut socket).await.0, next_status(&mut socket).await.0, next_status(&mut socket).await.0].into();
        assert_eq!(steps, vec![Request, Response, Active], "{shape:?}");
        assert_quiet(&mut socket).await;

        let session = app.session(&created.session_id).await;
        assert_eq!(session.status, Active);
        assert_eq!(session.their_label.as_deref(), Some("Ada's Wallet"));
        assert!(session.connection_id.is_some());
    }
}

#[tokio::test]
async fn a_reconnecting_socket_starts_from_the_current_state() {
    let app = spawn_app(&[]).await;
    let created = app.create_session().await;
    app.scan(&created.session_id, Shape::Flat, "Offline Wallet", 2).await;
    // No socket was open; the processor may still be applying the second step.
    let mut socket = app.watch(&created.session_id).await;
    let ServerMessage::Connected { mut status, .. } = next_message(&mut socket).await else { panic!("connected first") };
    while status != Response {
        status = next_status(&mut socket).await.0;
    }
    assert_eq!(app.session(&created.session_id).await.their_label.as_deref(), Some("Offline Wallet"));
}

#[tokio::test]
async fn two_students_scanning_at_once_each_get_their_own_connection() {
    let app = spawn_app(&[]).await;
    let (a, b) = (app.create_session().await, app.create_session().await);
    let (mut socket_a, mut socket_b) = (app.watch(&a.session_id).await, app.watch(&b.session_id).await);
    next_message(&mut socket_a).await;
    next_message(&mut socket_b).await;
    tokio::join!(app.scan(&a.session_id, Shape::Flat, "Wallet A", 3), app.scan(&b.session_id, Shape::Flat, "Wallet B", 3),);
    for (socket, label) in [(&mut socket_a, "Wallet A"), (&mut socket_b, "Wallet B")] {
        for want in [Request, Response, Active] {
            let (status, their_label, _) = next_status(socket).await;
            assert_eq!((status, their_label.as_deref()), (want, Some(label)));
        }
        assert_quiet(socket).await;
    }
    let (sa, sb) = (app.session(&a.session_id).await, app.session(&b.session_id).await);
    assert_ne!(sa.connection_id, sb.connection_id);
    assert_eq!(sa.their_label.as_deref(), Some("Wallet A"));
    assert_eq!(sb.their_label.as_deref(), Some("Wallet B"));
}

#[tokio::test]
async fn a_late_state_never_moves_a_session_back() {
    let app = spawn_app(&[]).await;
    let created = app.create_session().await;
    let mut socket = app.watch(&created.session_id).await;
    next_message(&mut socket).await;
    app.scan(&created.session_id, Shape::Flat, "W", 3).await;
    for _ in 0..3 {
        next_status(&mut socket).await;
    }
    let connection = app.session(&created.session_id).await.connection_id.unwrap();
    let late = serde_json::json!({"id": "late-1", "type": "Connection", "connectionId": connection,
        "state": "response-sent", "outOfBandId": created.out_of_band_id});
    assert_eq!(app.post_webhook(late.to_string(), Some(SECRET)).await.status(), 200);
    assert_quiet(&mut socket).await;
    assert_eq!(app.session(&created.session_id).await.status, Active);
}

#[tokio::test]
async fn sockets_without_a_known_session_are_refused_with_1008() {
    let app = spawn_app(&[]).await;
    for query in ["", "?sessionId=", "?sessionId=not-a-session"] {
        let mut socket = app.socket(query).await;
        assert_eq!(u16::from(close_code(&mut socket).await), 1008, "query {query:?}");
    }
}

#[tokio::test]
async fn a_socket_answers_pings_and_reports_unreadable_messages() {
    let app = spawn_app(&[]).await;
    let created = app.create_session().await;
    let mut socket = app.watch(&created.session_id).await;
    next_message(&mut socket).await;
    assert_quiet(&mut socket).await;
    use futures_util::SinkExt;
    socket.send(tokio_tungstenite::tungstenite::Message::Text("{\"type\":\"dance\"}".into())).await.unwrap();
    assert!(matches!(next_message(&mut socket).await, ServerMessage::Error { .. }));
}

#[tokio::test]
async fn the_session_api_speaks_the_seed_contract() {
    let app = spawn_app(&[]).await;
    let created = app.create_session().await;
    assert_eq!(created.session_id.as_str().len(), 32, "128 random bits, hex");
    assert!(created.invitation_url.contains("?oob="), "an out-of-band invitation URL");
    let other = app.create_session().await;
    assert_ne!(created.out_of_band_id, other.out_of_band_id, "one invitation per session");

    let raw = json_of(app.http.get(app.url("/api/connections/session")).query(&[("sessionId", created.session_id.as_str())])).await;
    assert_eq!(raw["success"], true);
    assert_eq!(raw["data"]["status"], "invitation");
    assert_eq!(raw["data"]["sessionId"], created.session_id.as_str());

    let missing = app.http.get(app.url("/api/connections/session")).query(&[("sessionId", "nope")]).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    let body: serde_json::Value = missing.json().await.unwrap();
    assert_eq!(body["success"], false);
    assert!(body["error"].as_str().unwrap().contains("not found"));

    let bad = app.http.post(app.url("/api/connections/session")).body("{oops").send().await.unwrap();
    assert_eq!(bad.status(), 400);
}

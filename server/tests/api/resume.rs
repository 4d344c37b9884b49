//! Resume by offset: a page that reconnects with the epoch and offset it
//! left off at gets exactly the updates it missed, in order, and no reload;
//! one the history cannot serve (another epoch, a gap beyond the history's
//! bound) is told to reload, and gets nothing replayed.

use crate::helpers::*;
use crate::tenant_helpers::*;
use crate::wa_helpers::*;
use app::protocol::MessageStatus::*;
use app::protocol::{Epoch, Position, Resume, ServerMessage, StreamStart, TenantServerMessage, WaServerMessage};
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tidings::cli::simulate::Shape;
use tokio_tungstenite::tungstenite::Message;

/// The next application frame's text.
async fn next_text(socket: &mut Socket) -> String {
    loop {
        let frame = tokio::time::timeout(PATIENCE, socket.next()).await.expect("a message in time");
        match frame.expect("socket open").expect("socket ok") {
            Message::Text(text) => return text.to_string(),
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("unexpected frame {other:?}"),
        }
    }
}

/// A college socket registered with `resume`, and where it starts.
async fn register(api: &Api, tenant: &Tenant, token: &str, resume: Option<&Resume>) -> (Socket, StreamStart) {
    let mut socket = api.socket_at("/ws/whatsapp").await;
    let register = json!({"type": "register", "collegeId": tenant.id, "token": token, "resume": resume});
    socket.send(Message::Text(register.to_string().into())).await.unwrap();
    match next_wa(&mut socket).await {
        WaServerMessage::Registered { start, .. } => (socket, start),
        other => panic!("expected registered, got {other:?}"),
    }
}

/// The next status update, and the offset it carries.
async fn next_update_at(socket: &mut Socket) -> ((String, app::protocol::MessageStatus), u64) {
    let text = next_text(socket).await;
    let offset = Position::of(&text).offset.expect("updates carry their offset");
    match serde_json::from_str(&text).unwrap() {
        WaServerMessage::MessageStatusUpdate { whatsapp_message_id, status, .. } => ((whatsapp_message_id, status), offset),
        other => panic!("expected a status update, got {other:?}"),
    }
}

#[tokio::test]
async fn a_whatsapp_page_resumes_with_exactly_what_it_missed() {
    let app = spawn_app(&[]).await;
    let (tenant, other) = (app.first_tenant().await, app.new_tenant("Other College").await);
    let token = app.channel_token(&tenant).await;
    let (mut socket, start) = register(&app, &tenant, &token, None).await;
    assert!(!start.resumed, "a first visit loads the list");
    app.register_message(&tenant, "wamid.A").await;
    let (update, seen) = next_update_at(&mut socket).await;
    assert_eq!(update, ("wamid.A".into(), Pending));
    assert!(seen > start.offset);
    drop(socket);
    // Another page stays, to tell when the hub has the changes (a bus
    // across nodes hands them over a moment after they are committed).
    let (mut watching, _) = register(&app, &tenant, &token, None).await;

    // Offline: two changes here, one at another college.
    app.register_message(&other, "wamid.OTHER").await;
    app.report("wamid.A", "sent", 1_700_000_001).await;
    app.report("wamid.A", "delivered", 1_700_000_002).await;
    assert_eq!(next_update_at(&mut watching).await.0, ("wamid.A".into(), Sent));
    assert_eq!(next_update_at(&mut watching).await.0, ("wamid.A".into(), Delivered));

    let left_off = Resume { epoch: start.epoch, offset: seen };
    let (mut socket, resumed) = register(&app, &tenant, &token, Some(&left_off)).await;
    assert!(resumed.resumed);
    let (sent, sent_at) = next_update_at(&mut socket).await;
    let (delivered, delivered_at) = next_update_at(&mut socket).await;
    assert_eq!((sent, delivered), (("wamid.A".into(), Sent), ("wamid.A".into(), Delivered)));
    assert!(seen < sent_at && sent_at < delivered_at && delivered_at <= resumed.offset);
    assert_wa_quiet(&mut socket).await;

    // Live again after the replay.
    app.report("wamid.A", "read", 1_700_000_003).await;
    assert_eq!(next_update_at(&mut socket).await.0, ("wamid.A".into(), Read));

    // Another epoch (a restarted server) cannot resume: reload, nothing replayed.
    let stale = Resume { epoch: Epoch(start.epoch.0.wrapping_add(1)), offset: seen };
    let (mut socket, start) = register(&app, &tenant, &token, Some(&stale)).await;
    assert!(!start.resumed);
    assert_wa_quiet(&mut socket).await;
}

#[tokio::test]
async fn a_gap_longer_than_the_history_means_a_reload() {
    let app = spawn_app(&[("RESUME_HISTORY_EVENTS", "2")]).await;
    let tenant = app.first_tenant().await;
    let token = app.channel_token(&tenant).await;
    let (socket, start) = register(&app, &tenant, &token, None).await;
    drop(socket);
    // Another page stays, to tell when the hub has the three (a bus across
    // nodes hands them over a moment after they are committed).
    let (mut watching, _) = register(&app, &tenant, &token, None).await;
    for wamid in ["wamid.1", "wamid.2", "wamid.3"] {
        app.register_message(&tenant, wamid).await;
        assert_eq!(next_update_at(&mut watching).await.0, (wamid.into(), Pending));
    }
    let left_off = Resume { epoch: start.epoch, offset: start.offset };
    let (mut socket, start) = register(&app, &tenant, &token, Some(&left_off)).await;
    assert!(!start.resumed, "three missed, two kept");
    assert_wa_quiet(&mut socket).await;
    assert_eq!(app.messages(&tenant).await.len(), 3, "the reload has them all");
}

#[tokio::test]
async fn a_connect_page_resumes_by_its_url() {
    let app = spawn_app(&[]).await;
    let session = app.create_session().await;
    let mut socket = app.watch(&session.session_id).await;
    let ServerMessage::Connected { start, .. } = next_message(&mut socket).await else { panic!("connected first") };
    drop(socket);
    // The wallet scans while the page is away.
    app.scan(&session.session_id, Shape::Flat, "Wallet", 2).await;
    app.settled_stats().await;

    let query = format!("?sessionId={}&epoch={}&offset={}", session.session_id, start.epoch, start.offset);
    let mut socket = app.socket(&query).await;
    let ServerMessage::Connected { start: resumed, .. } = next_message(&mut socket).await else { panic!("connected first") };
    assert!(resumed.resumed);
    let mut missed = Vec::new();
    for _ in 0..2 {
        missed.push(next_status(&mut socket).await.0);
    }
    assert_eq!(missed, [app::protocol::ConnectionStatus::Request, app::protocol::ConnectionStatus::Response]);
    assert_quiet(&mut socket).await;
}

#[tokio::test]
async fn a_bell_resumes_with_the_notifications_and_counts_it_missed() {
    let app = spawn_app(&[]).await;
    let secret = app.tenant_secret().await;
    let admin = app.admin.clone().unwrap();
    let mut socket = app.socket_at_with_cookie("/ws/tenant", &admin).await;
    send(&mut socket, json!({"type": "join-tenant", "tenantId": 1})).await;
    let TenantServerMessage::Joined { start, .. } = next_tenant(&mut socket).await else { panic!("joined") };
    drop(socket);
    for n in 0..3 {
        let body = json!({"tenantId": 1, "title": format!("While away {n}"), "message": "m"});
        assert_eq!(app.post_tenant(&secret, "notifications", &format!("away-{n}"), &body).await.status(), 200);
    }
    app.settled_stats().await;

    let mut socket = app.socket_at_with_cookie("/ws/tenant", &admin).await;
    send(&mut socket, json!({"type": "join-tenant", "tenantId": 1, "resume": {"epoch": start.epoch, "offset": start.offset}})).await;
    let TenantServerMessage::Joined { start, .. } = next_tenant(&mut socket).await else { panic!("joined") };
    assert!(start.resumed);
    for n in 0..3 {
        match next_tenant(&mut socket).await {
            TenantServerMessage::NewNotification { notification } => assert_eq!(notification.title, format!("While away {n}")),
            other => panic!("expected notification {n}, got {other:?}"),
        }
        assert_eq!(next_tenant(&mut socket).await, TenantServerMessage::UnreadCount { count: n + 1 });
    }
    assert_tenant_quiet(&mut socket).await;
}

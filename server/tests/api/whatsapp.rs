//! WhatsApp: the verification handshake, signed statuses reaching only their
//! college, monotonic statuses, sending through the simulator, replies.

use crate::helpers::*;
use crate::wa_helpers::*;
use app::protocol::MessageStatus::*;
use app::protocol::WaServerMessage;
use serde_json::Value;

#[tokio::test]
async fn the_verification_handshake_echoes_the_challenge_only_for_the_right_token() {
    let app = spawn_app(&[]).await;
    for path in ["/api/webhooks/whatsapp", "/college/whatsapp/webhook"] {
        let ok = app
            .http
            .get(app.url(path))
            .query(&[("hub.mode", "subscribe"), ("hub.verify_token", VERIFY_TOKEN), ("hub.challenge", "1158201444")])
            .send()
            .await
            .unwrap();
        assert_eq!(ok.status(), 200, "{path}");
        assert_eq!(ok.text().await.unwrap(), "1158201444");
        for (mode, token) in [("subscribe", "wrong"), ("unsubscribe", VERIFY_TOKEN)] {
            let refused = app
                .http
                .get(app.url(path))
                .query(&[("hub.mode", mode), ("hub.verify_token", token), ("hub.challenge", "x")])
                .send()
                .await
                .unwrap();
            assert_eq!(refused.status(), 403, "{path} {mode} {token}");
        }
    }
}

#[tokio::test]
async fn a_bad_signature_is_401_and_stores_nothing() {
    let app = spawn_app(&[]).await;
    let body = std::fs::read(format!("{}/tests/fixtures/whatsapp-status-sent.json", env!("CARGO_MANIFEST_DIR"))).unwrap();
    for signature in [None, Some("sha256=00"), Some("sha256=4a11fb8da9e9aa59dd1733b00ca25380d75e1512ade533f7ec2f2c0b9d43c7b1")] {
        assert_eq!(app.post_whatsapp_raw(body.clone(), signature).await.status(), 401, "{signature:?}");
    }
    assert_eq!(app.stats().await["total"], 0);
}

#[tokio::test]
async fn a_status_reaches_its_college_and_no_other() {
    let app = spawn_app(&[]).await;
    let (one, two) = (app.first_tenant().await, app.new_tenant("Second College").await);
    let mut mine = app.college_socket(&one).await;
    let mut theirs = app.college_socket(&two).await;
    app.register_message(&one, "wamid.ONE").await;
    app.register_message(&two, "wamid.TWO").await;
    assert_eq!(next_update(&mut mine).await, ("wamid.ONE".into(), Pending));
    assert_eq!(next_update(&mut theirs).await, ("wamid.TWO".into(), Pending));

    app.report("wamid.ONE", "sent", 1_700_000_001).await;
    assert_eq!(next_update(&mut mine).await, ("wamid.ONE".into(), Sent));
    assert_wa_quiet(&mut theirs).await;
    assert_eq!(app.messages(&two).await[0].status, Pending);
}

#[tokio::test]
async fn duplicates_and_late_statuses_end_right_with_one_broadcast_each() {
    let app = spawn_app(&[]).await;
    let one = app.first_tenant().await;
    let mut socket = app.college_socket(&one).await;
    app.register_message(&one, "wamid.X").await;
    next_update(&mut socket).await;

    app.report("wamid.X", "read", 1_700_000_003).await;
    app.report("wamid.X", "delivered", 1_700_000_002).await;
    app.report("wamid.X", "read", 1_700_000_003).await;
    app.report("wamid.X", "sent", 1_700_000_001).await;
    assert_eq!(next_update(&mut socket).await, ("wamid.X".into(), Read));
    app.settled_stats().await;
    assert_wa_quiet(&mut socket).await;

    let message = &app.messages(&one).await[0];
    assert_eq!(message.status, Read);
    assert_eq!(message.read_at.unwrap().timestamp(), 1_700_000_003);
    assert_eq!(message.delivered_at.unwrap().timestamp(), 1_700_000_002, "a late delivered still records its time");
    assert_eq!(message.sent_at.unwrap().timestamp(), 1_700_000_001);
    assert_eq!(app.stats().await["total"], 3, "the repeated read was not stored twice");
}

#[tokio::test]
async fn a_failed_status_keeps_its_reason_and_is_final() {
    let app = spawn_app(&[]).await;
    let one = app.first_tenant().await;
    let mut socket = app.college_socket(&one).await;
    app.register_message(&one, "wamid.F").await;
    next_update(&mut socket).await;
    app.report("wamid.F", "failed", 1_700_000_001).await;
    match next_wa(&mut socket).await {
        WaServerMessage::MessageStatusUpdate { status, message, .. } => {
            assert_eq!(status, Failed);
            let error = message.error.unwrap();
            assert_eq!((error.code, error.title.as_str()), (131047, "Re-engagement message"));
        }
        other => panic!("expected a status update, got {other:?}"),
    }
    app.report("wamid.F", "delivered", 1_700_000_002).await;
    app.settled_stats().await;
    assert_wa_quiet(&mut socket).await;
    assert_eq!(app.messages(&one).await[0].status, Failed);
}

#[tokio::test]
async fn a_status_that_arrives_before_its_message_is_applied_once_it_is_registered() {
    let app = spawn_app(&[]).await;
    let one = app.first_tenant().await;
    let mut socket = app.college_socket(&one).await;
    app.report("wamid.EARLY", "delivered", 1_700_000_002).await;
    assert_eq!(app.settled_stats().await["unmatched"], 1);
    app.register_message(&one, "wamid.EARLY").await;
    assert_eq!(next_update(&mut socket).await, ("wamid.EARLY".into(), Pending));
    assert_eq!(next_update(&mut socket).await, ("wamid.EARLY".into(), Delivered));
}

#[tokio::test]
async fn one_delivery_with_several_entries_stores_every_event() {
    let app = spawn_app(&[]).await;
    let body = std::fs::read(format!("{}/tests/fixtures/whatsapp-batch-two-entries.json", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let notification: Value = serde_json::from_slice(&body).unwrap();
    let answer: Value = app.post_whatsapp(&notification).await.json().await.unwrap();
    assert_eq!(answer["events"], 3);
    assert_eq!(app.settled_stats().await["total"], 3);
}

#[tokio::test]
async fn sending_through_the_simulator_shows_every_tick() {
    let app = spawn_app(&[("WHATSAPP_SIMULATOR_AUTO", "true"), ("WHATSAPP_SIMULATOR_STEP_MS", "5")]).await;
    let one = app.first_tenant().await;
    let mut socket = app.college_socket(&one).await;
    let send = |to: &'static str| {
        let request = app.http.post(app.url("/api/whatsapp/send")).bearer_auth(&one.key);
        async move {
            let body = serde_json::json!({"collegeId": 1, "to": to, "template": "hello_world"});
            let response = request.json(&body).send().await.unwrap();
            assert_eq!(response.status(), 200);
            response.json::<Value>().await.unwrap()["data"]["whatsappMessageId"].as_str().unwrap().to_owned()
        }
    };

    let wamid = send("15551230002").await;
    let mut seen = vec![];
    while seen.last() != Some(&Read) {
        let (id, status) = next_update(&mut socket).await;
        assert_eq!(id, wamid);
        seen.push(status);
    }
    assert_eq!(seen, vec![Pending, Sent, Delivered, Read]);

    let failing = send("15551230049").await;
    assert_eq!(next_update(&mut socket).await, (failing.clone(), Pending));
    match next_wa(&mut socket).await {
        WaServerMessage::MessageStatusUpdate { status: Failed, message, .. } => assert_eq!(message.error.unwrap().code, 131049),
        other => panic!("expected the failure, got {other:?}"),
    }
}

#[tokio::test]
async fn a_bad_send_is_refused_with_the_graph_api_reason() {
    let app = spawn_app(&[]).await;
    let body = serde_json::json!({"collegeId": 1, "to": "12", "template": "hello_world"});
    let response = app.as_admin(reqwest::Method::POST, "/api/whatsapp/send").json(&body).send().await.unwrap();
    assert_eq!(response.status(), 400);
    let json: Value = response.json().await.unwrap();
    assert!(json["error"].as_str().unwrap().contains("phone number"), "{json}");
}

#[tokio::test]
async fn a_reply_joins_the_conversation_of_the_college_that_wrote() {
    let app = spawn_app(&[]).await;
    let one = app.first_tenant().await;
    let mut socket = app.college_socket(&one).await;
    app.register_message(&one, "wamid.OUT").await;
    next_update(&mut socket).await;
    let at = chrono::DateTime::from_timestamp(1_700_000_005, 0).unwrap();
    let reply = tidings::graph::notifications::text(PHONE_NUMBER_ID, "wamid.IN", "15551234567", "Sheena", "Thanks!", at, None);
    assert_eq!(app.post_whatsapp(&reply).await.status(), 200);
    match next_wa(&mut socket).await {
        WaServerMessage::IncomingMessage { message } => {
            assert_eq!((message.from.as_str(), message.text.as_deref()), ("15551234567", Some("Thanks!")));
            assert_eq!(message.profile_name.as_deref(), Some("Sheena"));
        }
        other => panic!("expected the reply, got {other:?}"),
    }
    let listed = json_of(app.as_admin(reqwest::Method::GET, "/api/whatsapp/incoming?collegeId=1")).await;
    assert_eq!(listed["data"][0]["text"], "Thanks!");
}

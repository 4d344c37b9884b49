//! Expiry, restarts and the legacy multi-use mode.

use crate::helpers::*;
use app::protocol::ConnectionStatus::*;
use app::protocol::{ServerMessage, SessionId};
use chrono::Utc;
use tidings::events::{NewDelivery, Provider};
use tidings::store::Lease;

#[tokio::test]
async fn an_unscanned_session_is_abandoned_and_the_page_is_told() {
    let app = spawn_app(&[("SESSION_TTL_SECS", "0.3"), ("SWEEP_INTERVAL_SECS", "0.05")]).await;
    let created = app.create_session().await;
    let mut socket = app.watch(&created.session_id).await;
    let ServerMessage::Connected { status, .. } = next_message(&mut socket).await else { panic!("connected") };
    if status != Abandoned {
        assert_eq!(next_status(&mut socket).await.0, Abandoned);
    }
    assert_eq!(app.session(&created.session_id).await.status, Abandoned);
    // A scan after expiry changes nothing.
    app.scan(&created.session_id, tidings::cli::simulate::Shape::Flat, "Late", 1).await;
    assert_quiet(&mut socket).await;
}

#[tokio::test]
async fn a_delivery_stored_before_a_crash_is_applied_after_restart() {
    let app = spawn_app(&[]).await;
    let created = app.create_session().await;
    let dir = app.stop().await;

    // Stored but never processed: what a crash right after the 2xx leaves.
    let store = tidings::store::connect(&crate::backend::database_url(dir.path()).await).await.unwrap();
    let body = serde_json::json!({"id": "crash-1", "type": "Connection", "connectionId": "c-crash",
        "state": "response-sent", "theirLabel": "Survivor", "outOfBandId": created.out_of_band_id});
    let delivery = NewDelivery {
        provider: Provider::Platform,
        delivery_key: "id:crash-1".into(),
        topic: "connections.response-sent".into(),
        body: body.to_string().into_bytes(),
        claim: None,
        received_at: Utc::now(),
    };
    // Leased by a node that is gone (its lease has run out).
    let lease = Lease { owner: "gone/run".into(), until: Utc::now() - chrono::Duration::seconds(1) };
    store.record_deliveries(&[delivery], &lease).await.unwrap();
    drop(store);

    let app = spawn_in(dir, &[]).await;
    let mut socket = app.watch(&created.session_id).await;
    let ServerMessage::Connected { status, their_label, .. } = next_message(&mut socket).await else { panic!() };
    let (status, their_label) = if status == Response {
        (status, their_label)
    } else {
        let (s, l, _) = next_status(&mut socket).await;
        (s, l)
    };
    assert_eq!((status, their_label.as_deref()), (Response, Some("Survivor")));
    assert_eq!(app.settled_stats().await["processed"], 1);
}

#[tokio::test]
async fn legacy_mode_guesses_by_recency_and_counts_every_guess() {
    let app = spawn_app(&[("LEGACY_INVITATION_URL", "https://org.example/invite?oob=e30")]).await;
    let older = app.create_session().await;
    let newer = app.create_session().await;
    assert_eq!(older.invitation_url, newer.invitation_url, "one shared invitation");
    let mut socket = app.watch(&newer.session_id).await;
    next_message(&mut socket).await;

    let body = serde_json::json!({"id": "g1", "type": "Connection", "connectionId": "c-guess", "state": "response-sent"});
    assert_eq!(app.post_webhook(body.to_string(), Some(SECRET)).await.status(), 200);
    assert_eq!(next_status(&mut socket).await.0, Response);
    assert_eq!(app.session(&older.session_id).await.status, Invitation);
    assert_eq!(app.stats().await["legacyGuesses"], 1);
}

#[tokio::test]
async fn without_legacy_mode_nothing_is_guessed() {
    let app = spawn_app(&[]).await;
    let created = app.create_session().await;
    let body = serde_json::json!({"id": "n1", "type": "Connection", "connectionId": "c-x", "state": "response-sent"});
    assert_eq!(app.post_webhook(body.to_string(), Some(SECRET)).await.status(), 200);
    let mut socket = app.watch(&created.session_id).await;
    next_message(&mut socket).await;
    let stats = app.settled_stats().await;
    assert_eq!(stats["unmatched"], 1);
    assert_eq!(app.session(&SessionId::new(created.session_id.to_string())).await.status, Invitation);
}

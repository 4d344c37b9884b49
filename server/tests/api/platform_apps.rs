//! The seeds' webhook-app API, driven by `tidings platform …` against the
//! simulated platform the server hosts: registering this server, the
//! platform's test delivery, rotating the key with a grace period, and
//! reconciliation from the platform's delivery log.

use crate::acapy_agent::free_port;
use crate::helpers::*;
use app::protocol::ConnectionStatus::*;
use app::protocol::ServerMessage;
use secrecy::ExposeSecret;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use tidings::cli::platform::{self, Target};
use tidings::platform::PlatformClient;
use tidings::store::Store;

struct Registered {
    store: Arc<dyn Store>,
    client: PlatformClient,
    app_id: String,
}

/// Registers `webhook_url` (by default this server's) as a webhook app.
async fn register(app: &TestApp, webhook_url: Option<String>) -> Registered {
    let store = tidings::store::connect(&app.settings.database_url).await.unwrap();
    let client = platform::client(&app.settings, &Target { server: app.base.clone() }).unwrap().expect("the simulated platform");
    let url = webhook_url.unwrap_or_else(|| app.url("/api/webhooks/confirmd"));
    let app_id = platform::register(store.as_ref(), &client, "Tidings", &url, &app.settings.webhook_secret).await.unwrap();
    Registered { store, client, app_id }
}

/// A platform webhook no session claims, unique by `id`.
fn event(id: &str) -> String {
    json!({"id": id, "type": "Connection", "connectionId": "c-1", "state": "request-received", "outOfBandId": "nobody's"}).to_string()
}

#[tokio::test]
async fn a_registered_app_receives_the_platforms_test_webhook() {
    let app = spawn_app(&[]).await;
    let r = register(&app, None).await;
    let attempt = r.client.test_app(&r.app_id, "Credential").await.unwrap();
    assert_eq!(attempt["statusCode"], 200, "{attempt}");
    let stats = app.settled_stats().await;
    assert_eq!(stats["total"], 1);
    assert_eq!(stats["byTopic"][0]["topic"], "credentials.test");
    let log = r.client.app_deliveries(&r.app_id, 10).await.unwrap();
    assert_eq!((log.len(), &log[0]["statusCode"]), (1, &json!(200)));
}

#[tokio::test]
async fn a_rotated_key_works_at_once_and_the_old_one_through_its_grace_period() {
    let app = spawn_app(&[]).await;
    let r = register(&app, None).await;
    let hour = Duration::from_secs(3600);
    let key = platform::rotate(r.store.as_ref(), &app.settings, Some(&r.client), None, hour).await.unwrap();
    // The platform now sends the new key, and is let in.
    assert_eq!(r.client.test_app(&r.app_id, "Connection").await.unwrap()["statusCode"], 200);
    // A delivery it sent with the old key just before is let in too.
    assert_eq!(app.post_webhook(event("wh-old"), Some(SECRET)).await.status(), 200);
    assert_eq!(app.post_webhook(event("wh-new"), Some(key.expose_secret())).await.status(), 200);

    // Without a grace period every earlier key stops at once.
    let newest = platform::rotate(r.store.as_ref(), &app.settings, Some(&r.client), None, Duration::ZERO).await.unwrap();
    assert_eq!(app.post_webhook(event("wh-2"), Some(SECRET)).await.status(), 401);
    assert_eq!(app.post_webhook(event("wh-3"), Some(key.expose_secret())).await.status(), 401);
    assert_eq!(app.post_webhook(event("wh-4"), Some(newest.expose_secret())).await.status(), 200);
    assert_eq!(r.client.test_app(&r.app_id, "Connection").await.unwrap()["statusCode"], 200);
}

#[tokio::test]
async fn events_the_platform_could_not_deliver_are_read_from_its_log() {
    let app = spawn_app(&[("RECONCILE_AFTER_SECS", "1")]).await;
    // The app points where nothing listens: every delivery fails.
    let dead = format!("http://127.0.0.1:{}/api/webhooks/confirmd", free_port());
    let r = register(&app, Some(dead)).await;
    let created = app.create_session().await;
    let mut socket = app.watch(&created.session_id).await;
    let ServerMessage::Connected { mut status, .. } = next_message(&mut socket).await else { panic!("connected first") };

    let scan = json!({"invitationUrl": created.invitation_url, "label": "Logged Wallet"});
    let answer = app.http.post(app.url("/sim/platform/wallet/accept")).json(&scan).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    let log = r.client.app_deliveries(&r.app_id, 10).await.unwrap();
    assert!(log.len() == 3 && log.iter().all(|a| a["statusCode"] == Value::Null), "{log:?}");

    let mut label = None;
    while status != Active {
        (status, label, _) = next_status(&mut socket).await;
    }
    assert_eq!(label.as_deref(), Some("Logged Wallet"));
    let stats = app.settled_stats().await;
    assert!(stats["reconciled"].as_i64().unwrap() >= 1, "{stats}");
    assert_eq!(stats["total"], stats["reconciled"], "{stats}");
}

//! Outbound webhooks against a local receiving server that succeeds, fails,
//! times out, answers 429 with Retry-After, and 410. Time is the tests' own:
//! the dispatcher runs when told, at the instant given.

use crate::helpers::*;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use axum::Router;
use chrono::{Duration, Utc};
use reqwest::Method;
use serde_json::{json, Value};
use standardwebhooks::Webhook;
use tokio::sync::mpsc;

/// What the receiver saw.
struct Received {
    path: String,
    headers: HeaderMap,
    body: String,
}

/// A receiving server on loopback; returns its base URL and what it receives.
async fn receiver() -> (String, mpsc::UnboundedReceiver<Received>) {
    let (tx, rx) = mpsc::unbounded_channel();
    async fn handle(
        State(tx): State<mpsc::UnboundedSender<Received>>,
        uri: axum::http::Uri,
        headers: HeaderMap,
        body: String,
    ) -> impl IntoResponse {
        let path = uri.path().to_owned();
        let _ = tx.send(Received { path: path.clone(), headers, body });
        match path.as_str() {
            "/fail" => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
            "/busy" => (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "7")], "slow down").into_response(),
            "/gone" => StatusCode::GONE.into_response(),
            "/endless" => {
                let chunks = futures_util::stream::repeat_with(|| Ok::<_, std::io::Error>(vec![b'x'; 8192]));
                (StatusCode::OK, axum::body::Body::from_stream(chunks)).into_response()
            }
            "/slow" => {
                tokio::time::sleep(std::time::Duration::from_secs(5)).await;
                StatusCode::OK.into_response()
            }
            _ => (StatusCode::OK, "thanks").into_response(),
        }
    }
    let router = Router::new().route("/{*path}", post(handle)).with_state(tx);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    (base, rx)
}

const SETTINGS: [(&str, &str); 2] = [("OUTBOUND_POLL_MS", "0"), ("OUTBOUND_ALLOW_INTERNAL", "true")];

/// Registers an endpoint for tenant 1; returns (id, secret).
async fn endpoint(app: &TestApp, url: &str, types: Value) -> (i64, String) {
    let response =
        app.as_admin(Method::POST, "/api/webhooks/endpoints").json(&json!({"url": url, "eventTypes": types})).send().await.unwrap();
    assert_eq!(response.status(), 200, "create endpoint");
    let body: Value = response.json().await.unwrap();
    (body["data"]["endpoint"]["id"].as_i64().unwrap(), body["data"]["secret"].as_str().unwrap().to_owned())
}

async fn test_event(app: &TestApp, endpoint: i64) {
    let response = app.as_admin(Method::POST, &format!("/api/webhooks/endpoints/{endpoint}/test")).send().await.unwrap();
    assert_eq!(response.status(), 200);
}

async fn log(app: &TestApp, endpoint: i64) -> Vec<Value> {
    let body: Value =
        app.as_admin(Method::GET, &format!("/api/webhooks/endpoints/{endpoint}/deliveries")).send().await.unwrap().json().await.unwrap();
    body["data"].as_array().unwrap().clone()
}

/// The dispatcher's clock for a pass: a second from now, in whole
/// microseconds, as PostgreSQL keeps times (so differences of stored
/// times are exact).
fn soon() -> chrono::DateTime<Utc> {
    chrono::SubsecRound::trunc_subsecs(Utc::now() + Duration::seconds(1), 6)
}

#[tokio::test]
async fn events_go_signed_to_the_endpoints_that_want_them() {
    let app = spawn_app(&SETTINGS).await;
    let (base, mut received) = receiver().await;
    let (_, notes_secret) = endpoint(&app, &format!("{base}/notes"), json!(["notification.created"])).await;
    endpoint(&app, &format!("{base}/orders"), json!(["order.created"])).await;

    app.as_admin(Method::POST, "/api/notifications").json(&json!({"title": "Hello", "message": "m"})).send().await.unwrap();
    assert_eq!(app.dispatcher.run_once(Utc::now()).await.unwrap(), 1);
    let got = received.recv().await.unwrap();
    assert_eq!(got.path, "/notes");
    let body: Value = serde_json::from_str(&got.body).unwrap();
    assert_eq!(body["type"], "notification.created");
    assert_eq!(body["data"]["title"], "Hello");
    Webhook::new(&notes_secret).unwrap().verify(got.body.as_bytes(), &got.headers).expect("a valid Standard Webhooks signature");
    assert!(Webhook::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap().verify(got.body.as_bytes(), &got.headers).is_err());
    assert!(received.try_recv().is_err(), "the orders endpoint got nothing");
}

#[tokio::test]
async fn failures_retry_on_the_schedule_until_they_give_up() {
    let app = spawn_app(&SETTINGS).await;
    let (base, _received) = receiver().await;
    let (id, _) = endpoint(&app, &format!("{base}/fail"), json!([])).await;
    test_event(&app, id).await;
    let mut now = soon();
    let pauses = [5, 300, 1800, 7200, 18000, 36000, 36000];
    for pause in pauses {
        assert_eq!(app.dispatcher.run_once(now).await.unwrap(), 1);
        let entry = &log(&app, id).await[0];
        assert_eq!(entry["status"], "pending");
        assert_eq!(entry["lastAttempt"]["statusCode"], 500);
        let next: chrono::DateTime<Utc> = entry["nextAttemptAt"].as_str().unwrap().parse().unwrap();
        assert_eq!((next - now).num_seconds(), pause);
        assert_eq!(app.dispatcher.run_once(next - Duration::seconds(1)).await.unwrap(), 0, "not before its time");
        now = next;
    }
    assert_eq!(app.dispatcher.run_once(now).await.unwrap(), 1);
    let entry = &log(&app, id).await[0];
    assert_eq!((entry["status"].as_str(), entry["attempts"].as_i64()), (Some("failed"), Some(8)));

    // A person can send it again.
    let delivery = entry["id"].as_i64().unwrap();
    assert_eq!(app.as_admin(Method::POST, &format!("/api/webhooks/deliveries/{delivery}/resend")).send().await.unwrap().status(), 200);
    assert_eq!(app.dispatcher.run_once(soon()).await.unwrap(), 1);
    assert_eq!(log(&app, id).await[0]["attempts"], 9);
}

#[tokio::test]
async fn retry_after_is_honoured_and_a_timeout_is_a_failure() {
    let app = spawn_app(&SETTINGS).await;
    let (base, _received) = receiver().await;
    let (busy, _) = endpoint(&app, &format!("{base}/busy"), json!([])).await;
    test_event(&app, busy).await;
    let now = soon();
    app.dispatcher.run_once(now).await.unwrap();
    let next: chrono::DateTime<Utc> = log(&app, busy).await[0]["nextAttemptAt"].as_str().unwrap().parse().unwrap();
    assert_eq!((next - now).num_seconds(), 7);

    app.as_admin(Method::PATCH, "/api/webhooks/settings").json(&json!({"webhookTimeoutMs": 1000})).send().await.unwrap();
    let (slow, _) = endpoint(&app, &format!("{base}/slow"), json!([])).await;
    test_event(&app, slow).await;
    app.dispatcher.run_once(now).await.unwrap();
    let entry = &log(&app, slow).await[0];
    assert_eq!(entry["lastAttempt"]["error"], "timed out");
    assert_eq!(entry["status"], "pending");
}

#[tokio::test]
async fn gone_or_failing_for_days_disables_the_endpoint_and_tells_the_tenant() {
    let app = spawn_app(&SETTINGS).await;
    let (base, _received) = receiver().await;
    let (gone, _) = endpoint(&app, &format!("{base}/gone"), json!([])).await;
    test_event(&app, gone).await;
    app.dispatcher.run_once(soon()).await.unwrap();
    let endpoints: Value = app.as_admin(Method::GET, "/api/webhooks/endpoints").send().await.unwrap().json().await.unwrap();
    assert_eq!(endpoints["data"][0]["enabled"], false);
    assert!(endpoints["data"][0]["disabledReason"].as_str().unwrap().contains("410"));
    assert_eq!(log(&app, gone).await[0]["status"], "failed");

    let (failing, _) = endpoint(&app, &format!("{base}/fail"), json!([])).await;
    test_event(&app, failing).await;
    let start = soon();
    app.dispatcher.run_once(start).await.unwrap();
    test_event(&app, failing).await;
    app.dispatcher.run_once(start + Duration::days(5) + Duration::seconds(1)).await.unwrap();
    let endpoints: Value = app.as_admin(Method::GET, "/api/webhooks/endpoints").send().await.unwrap().json().await.unwrap();
    let failing_view = endpoints["data"].as_array().unwrap().iter().find(|e| e["id"] == failing).unwrap().clone();
    assert_eq!(failing_view["enabled"], false);
    assert!(failing_view["disabledReason"].as_str().unwrap().contains("failing since"));

    let notes: Value = app.as_admin(Method::GET, "/api/notifications").send().await.unwrap().json().await.unwrap();
    let titles: Vec<&str> = notes["data"]["notifications"].as_array().unwrap().iter().map(|n| n["title"].as_str().unwrap()).collect();
    assert_eq!(titles.iter().filter(|t| **t == "Webhook endpoint disabled").count(), 2);
}

#[tokio::test]
async fn a_restart_in_the_middle_of_a_schedule_loses_nothing() {
    let app = spawn_app(&SETTINGS).await;
    let (base, mut received) = receiver().await;
    let (id, _) = endpoint(&app, &format!("{base}/ok"), json!([])).await;
    test_event(&app, id).await;
    let dir = app.stop().await;
    let app = spawn_in(dir, &SETTINGS).await;
    assert_eq!(app.dispatcher.run_once(soon()).await.unwrap(), 1);
    assert_eq!(received.recv().await.unwrap().path, "/ok");
    assert_eq!(log(&app, id).await[0]["status"], "succeeded");
}

#[tokio::test]
async fn one_tenant_s_events_never_reach_another_s_endpoints() {
    let app = spawn_app(&SETTINGS).await;
    let (base, mut received) = receiver().await;
    endpoint(&app, &format!("{base}/ok"), json!([])).await;
    app.as_admin(Method::POST, "/api/tenants").json(&json!({"name": "Two"})).send().await.unwrap();
    let created =
        app.as_admin(Method::POST, "/api/notifications?tenantId=2").json(&json!({"title": "Two's", "message": "m"})).send().await.unwrap();
    assert_eq!(created.status(), 200);
    assert_eq!(app.dispatcher.run_once(soon()).await.unwrap(), 0);
    assert!(received.try_recv().is_err());

    // Nor can another tenant's staff see or touch tenant 1's endpoints.
    let (outsider, _) = app.add_staff(2, "x@two.test", "admin").await;
    // (the first admin administers both tenants; this one only tenant 2)
    let theirs: Value = app.as_user(&outsider, Method::GET, "/api/webhooks/endpoints").send().await.unwrap().json().await.unwrap();
    assert_eq!(theirs["data"].as_array().unwrap().len(), 0);
    assert_eq!(app.as_user(&outsider, Method::GET, "/api/webhooks/endpoints?tenantId=1").send().await.unwrap().status(), 404);
    assert_eq!(app.as_user(&outsider, Method::POST, "/api/webhooks/endpoints/1/test").send().await.unwrap().status(), 404);
}

#[tokio::test]
async fn internal_addresses_are_refused_unless_allowed() {
    let app = spawn_app(&[("OUTBOUND_POLL_MS", "0")]).await;
    for url in ["http://127.0.0.1:9/hook", "http://169.254.169.254/latest/meta-data", "ftp://example.com/"] {
        let response = app.as_admin(Method::POST, "/api/webhooks/endpoints").json(&json!({"url": url})).send().await.unwrap();
        assert_eq!(response.status(), 400, "{url}");
    }
}

#[tokio::test]
async fn a_wallet_connecting_reaches_the_connect_tenant_s_endpoint() {
    let app = spawn_app(&SETTINGS).await;
    let (base, mut received) = receiver().await;
    endpoint(&app, &format!("{base}/connections"), json!(["connection.status"])).await;
    let created = app.create_session().await;
    app.scan(&created.session_id, tidings::cli::simulate::Shape::Flat, "Ada's Wallet", 3).await;
    app.settled_stats().await;
    app.dispatcher.run_once(soon()).await.unwrap();
    let mut statuses = vec![];
    while let Ok(got) = received.try_recv() {
        let body: Value = serde_json::from_str(&got.body).unwrap();
        assert_eq!(body["type"], "connection.status");
        assert_eq!(body["data"]["sessionId"], created.session_id.as_str());
        statuses.push(body["data"]["status"].as_str().unwrap().to_owned());
    }
    assert_eq!(statuses, vec!["request", "response", "active"]);
}

#[tokio::test]
async fn a_name_that_resolves_to_loopback_is_refused_at_connect_time() {
    let app = spawn_app(&[("OUTBOUND_POLL_MS", "0")]).await;
    let (base, mut received) = receiver().await;
    let port = base.rsplit(':').next().unwrap();
    // A public-looking name passes when saved; its address is what counts.
    let (id, _) = endpoint(&app, &format!("http://rebind.test:{port}/hook"), json!([])).await;
    test_event(&app, id).await;
    assert_eq!(app.dispatcher_with_test_dns.run_once(soon()).await.unwrap(), 1);
    let entry = &log(&app, id).await[0];
    let error = entry["lastAttempt"]["error"].as_str().unwrap();
    assert!(error.contains("127.0.0.1 is an internal address"), "{error}");
    assert!(received.try_recv().is_err(), "nothing reached the loopback server");
}

#[tokio::test]
async fn the_client_connects_to_the_address_its_resolver_checked() {
    let app = spawn_app(&SETTINGS).await;
    let (base, mut received) = receiver().await;
    let port = base.rsplit(':').next().unwrap();
    let (id, _) = endpoint(&app, &format!("http://rebind.test:{port}/pinned"), json!([])).await;
    test_event(&app, id).await;
    // With internal addresses allowed (development), the name reaches the
    // address the resolver answered: the one it checked, not another lookup.
    app.dispatcher_with_test_dns.run_once(soon()).await.unwrap();
    assert_eq!(received.recv().await.unwrap().path, "/pinned");
    assert_eq!(log(&app, id).await[0]["status"], "succeeded");
}

#[tokio::test]
async fn an_endless_answer_is_read_only_so_far() {
    let app = spawn_app(&SETTINGS).await;
    let (base, _received) = receiver().await;
    app.as_admin(Method::PATCH, "/api/webhooks/settings").json(&json!({"webhookTimeoutMs": 5000})).send().await.unwrap();
    let (id, _) = endpoint(&app, &format!("{base}/endless"), json!([])).await;
    test_event(&app, id).await;
    app.dispatcher.run_once(soon()).await.unwrap();
    let entry = &log(&app, id).await[0];
    assert_eq!(entry["status"], "succeeded", "{entry}");
    assert_eq!(entry["lastAttempt"]["response"].as_str().unwrap().len(), 500);
}

#[tokio::test]
async fn recover_sends_an_endpoints_failed_deliveries_again_once_it_is_fixed() {
    let app = spawn_app(&SETTINGS).await;
    let (base, mut received) = receiver().await;
    let (id, _) = endpoint(&app, &format!("{base}/ok"), json!([])).await;
    let patch =
        |enabled: bool| app.as_admin(Method::PATCH, &format!("/api/webhooks/endpoints/{id}")).json(&json!({"enabled": enabled})).send();
    // While the endpoint is off, what is due for it fails at once.
    assert_eq!(patch(false).await.unwrap().status(), 200);
    let since = Utc::now() - Duration::seconds(1);
    test_event(&app, id).await;
    test_event(&app, id).await;
    assert_eq!(app.dispatcher.run_once(soon()).await.unwrap(), 2);
    assert!(log(&app, id).await.iter().all(|d| d["status"] == "failed"));

    assert_eq!(patch(true).await.unwrap().status(), 200);
    let recover = |since: chrono::DateTime<Utc>, endpoint: i64| {
        app.as_admin(Method::POST, &format!("/api/webhooks/endpoints/{endpoint}/recover")).json(&json!({"since": since})).send()
    };
    let later: Value = recover(Utc::now() + Duration::hours(1), id).await.unwrap().json().await.unwrap();
    assert_eq!(later["data"]["recovered"], 0, "nothing failed after then");
    assert_eq!(recover(since, id + 1000).await.unwrap().status(), 404);
    let answer: Value = recover(since, id).await.unwrap().json().await.unwrap();
    assert_eq!(answer["data"]["recovered"], 2);
    assert_eq!(app.dispatcher.run_once(soon()).await.unwrap(), 2);
    for _ in 0..2 {
        assert_eq!(received.recv().await.unwrap().path, "/ok");
    }
    assert!(log(&app, id).await.iter().all(|d| d["status"] == "succeeded"));
    let activity: Value =
        app.as_admin(Method::GET, "/api/tenants/1/activity?kind=deliveries_recovered").send().await.unwrap().json().await.unwrap();
    assert!(activity["data"][0]["detail"].as_str().unwrap().starts_with("sent 2 failed deliveries"), "{activity}");
}

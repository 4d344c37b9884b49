//! `GET /metrics`: Prometheus text for the operator's token, and counters
//! that move as webhooks flow.

use crate::helpers::*;
use serde_json::json;

const TOKEN: &str = "test-metrics-token";

async fn scrape(app: &TestApp) -> String {
    let response = app.http.get(app.url("/metrics")).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.text().await.unwrap()
}

/// The value of the sample `name{labels}` (labels as Prometheus prints them).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[tokio::test]
async fn metrics_need_the_operator_token_and_exist_only_with_one() {
    let without = spawn_app(&[]).await;
    assert_eq!(without.http.get(without.url("/metrics")).send().await.unwrap().status(), 404);
    let app = spawn_app(&[("METRICS_TOKEN", TOKEN)]).await;
    assert_eq!(app.http.get(app.url("/metrics")).send().await.unwrap().status(), 401);
    assert_eq!(app.http.get(app.url("/metrics")).bearer_auth("wrong").send().await.unwrap().status(), 401);
    assert_eq!(app.http.get(app.url("/metrics")).bearer_auth(TOKEN).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn the_counters_move_as_webhooks_flow() {
    let app = spawn_app(&[("METRICS_TOKEN", TOKEN)]).await;
    let acked = r#"tidings_webhooks_total{outcome="acknowledged",provider="confirmd"}"#;
    let refused = r#"tidings_webhooks_total{outcome="unauthorized",provider="confirmd"}"#;
    let before = scrape(&app).await;
    assert_eq!(sample(&before, acked), None);

    let created = app.create_session().await;
    let mut socket = app.watch(&created.session_id).await;
    next_message(&mut socket).await;
    let webhook = |id: &str| {
        json!({"id": id, "type": "Connection", "connectionId": "c-9", "state": "request-received",
        "outOfBandId": created.out_of_band_id})
        .to_string()
    };
    assert_eq!(app.post_webhook(webhook("wh-1"), Some(SECRET)).await.status(), 200);
    assert_eq!(app.post_webhook(webhook("wh-2"), Some("wrong")).await.status(), 401);
    next_status(&mut socket).await;

    let after = scrape(&app).await;
    assert_eq!(sample(&after, acked), Some(1.0), "{after}");
    assert_eq!(sample(&after, refused), Some(1.0), "{after}");
    assert_eq!(sample(&after, r#"tidings_sockets_open{endpoint="connections"}"#), Some(1.0), "{after}");
    assert!(sample(&after, "tidings_apply_seconds_count").unwrap() >= 1.0, "{after}");
    assert!(sample(&after, "tidings_change_to_socket_seconds_count").unwrap() >= 1.0, "{after}");
    // The writer committed the acknowledged delivery and its unit of work.
    assert!(sample(&after, "tidings_write_commit_seconds_count").unwrap() >= 1.0, "{after}");
    assert!(sample(&after, "tidings_write_batch_jobs_sum").unwrap() >= 2.0, "{after}");
    assert_eq!(sample(&after, "tidings_pending_deliveries"), Some(0.0), "{after}");
    assert_eq!(sample(&after, "tidings_slow_consumer_disconnects"), Some(0.0), "{after}");
}

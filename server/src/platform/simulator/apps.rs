//! The seeds' webhook-app API (seed 001), simulated: an organisation
//! registers apps (`webhookUrl`, `webhookSecret`, never shown again), asks
//! for a test delivery, rotates the secret, and reads the delivery log; the
//! platform posts every event to each app with the secret in `X-API-Key`
//! and logs the attempt.

use super::{refused, Simulator};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Attempts the log keeps (the oldest go first).
const LOG_LIMIT: usize = 10_000;

#[derive(Clone)]
struct App {
    id: String,
    org: String,
    name: String,
    webhook_url: String,
    secret: String,
    created_at: DateTime<Utc>,
}

/// One attempt to deliver an event to an app, as the log shows it.
#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct Attempt {
    id: String,
    app_id: String,
    event_type: String,
    /// The receiver's answer; none when it could not be reached.
    status_code: Option<u16>,
    error: Option<String>,
    response_time_ms: u64,
    created_at: DateTime<Utc>,
    payload: Value,
}

#[derive(Default)]
pub(super) struct Apps {
    apps: Mutex<Vec<App>>,
    log: Mutex<VecDeque<Attempt>>,
    http: reqwest::Client,
}

impl Apps {
    fn app(&self, org: &str, id: &str) -> Option<App> {
        self.apps.lock().expect("apps").iter().find(|a| a.org == org && a.id == id).cloned()
    }

    /// Posts `payload` to every app of `org`, logging each attempt.
    pub(super) async fn deliver_to_org(&self, org: &str, event_type: &str, payload: &Value) {
        let apps: Vec<App> = self.apps.lock().expect("apps").iter().filter(|a| a.org == org).cloned().collect();
        for app in apps {
            self.deliver(&app, event_type, payload).await;
        }
    }

    async fn deliver(&self, app: &App, event_type: &str, payload: &Value) -> Attempt {
        let started = Instant::now();
        let sent =
            self.http.post(&app.webhook_url).header("x-api-key", &app.secret).timeout(Duration::from_secs(10)).json(payload).send().await;
        let (status_code, error) = match sent {
            Ok(response) => (Some(response.status().as_u16()), None),
            Err(err) => (None, Some(err.to_string())),
        };
        let attempt = Attempt {
            id: crate::random_uuid(),
            app_id: app.id.clone(),
            event_type: event_type.to_owned(),
            status_code,
            error,
            response_time_ms: started.elapsed().as_millis() as u64,
            created_at: Utc::now(),
            payload: payload.clone(),
        };
        let mut log = self.log.lock().expect("log");
        if log.len() == LOG_LIMIT {
            log.pop_front();
        }
        log.push_back(attempt.clone());
        attempt
    }
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, Json(json!({ "statusCode": 404, "message": "App not found" }))).into_response()
}

fn shown(app: &App) -> Value {
    json!({
        "id": app.id, "orgId": app.org, "name": app.name, "webhookUrl": app.webhook_url,
        "isActive": true, "createDateTime": app.created_at,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct NewApp {
    name: String,
    webhook_url: String,
    webhook_secret: String,
}

pub(super) async fn create(
    State(sim): State<Arc<Simulator>>,
    Path(org): Path<String>,
    headers: HeaderMap,
    Json(req): Json<NewApp>,
) -> Response {
    if !sim.knows(&headers) {
        return refused();
    }
    if reqwest::Url::parse(&req.webhook_url).is_err() || req.webhook_secret.len() < 16 {
        let message = "webhookUrl must be a URL and webhookSecret at least 16 characters";
        return (StatusCode::BAD_REQUEST, Json(json!({ "statusCode": 400, "message": message }))).into_response();
    }
    let app = App {
        id: crate::random_uuid(),
        org,
        name: req.name,
        webhook_url: req.webhook_url,
        secret: req.webhook_secret,
        created_at: Utc::now(),
    };
    let body = json!({ "statusCode": 201, "message": "App successfully created", "data": shown(&app) });
    sim.apps.apps.lock().expect("apps").push(app);
    (StatusCode::CREATED, Json(body)).into_response()
}

pub(super) async fn show(State(sim): State<Arc<Simulator>>, Path((org, id)): Path<(String, String)>, headers: HeaderMap) -> Response {
    if !sim.knows(&headers) {
        return refused();
    }
    match sim.apps.app(&org, &id) {
        Some(app) => Json(json!({ "statusCode": 200, "data": shown(&app) })).into_response(),
        None => not_found(),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct TestRequest {
    #[serde(default)]
    event_type: Option<String>,
}

/// Sends one test event to the app now and answers with the attempt.
pub(super) async fn test(
    State(sim): State<Arc<Simulator>>,
    Path((org, id)): Path<(String, String)>,
    headers: HeaderMap,
    Json(req): Json<TestRequest>,
) -> Response {
    if !sim.knows(&headers) {
        return refused();
    }
    let Some(app) = sim.apps.app(&org, &id) else { return not_found() };
    let event_type = req.event_type.unwrap_or_else(|| "Connection".into());
    let payload = json!({
        "id": crate::random_uuid(), "type": event_type, "state": "test", "orgId": org, "test": true, "timestamp": Utc::now(),
    });
    let attempt = sim.apps.deliver(&app, &event_type, &payload).await;
    Json(json!({ "statusCode": 200, "message": "Test webhook sent", "data": attempt })).into_response()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct RotateRequest {
    new_secret: String,
}

pub(super) async fn rotate_secret(
    State(sim): State<Arc<Simulator>>,
    Path((org, id)): Path<(String, String)>,
    headers: HeaderMap,
    Json(req): Json<RotateRequest>,
) -> Response {
    if !sim.knows(&headers) {
        return refused();
    }
    let mut apps = sim.apps.apps.lock().expect("apps");
    let Some(app) = apps.iter_mut().find(|a| a.org == org && a.id == id) else { return not_found() };
    app.secret = req.new_secret;
    Json(json!({ "statusCode": 200, "message": "Webhook secret rotated" })).into_response()
}

#[derive(Deserialize)]
pub(super) struct LogQuery {
    limit: Option<usize>,
}

/// The app's attempts, newest first.
pub(super) async fn deliveries(
    State(sim): State<Arc<Simulator>>,
    Path((org, id)): Path<(String, String)>,
    Query(query): Query<LogQuery>,
    headers: HeaderMap,
) -> Response {
    if !sim.knows(&headers) {
        return refused();
    }
    if sim.apps.app(&org, &id).is_none() {
        return not_found();
    }
    let limit = query.limit.unwrap_or(20).clamp(1, 1000);
    let log = sim.apps.log.lock().expect("log");
    let attempts: Vec<&Attempt> = log.iter().rev().filter(|a| a.app_id == id).take(limit).collect();
    Json(json!({ "statusCode": 200, "data": attempts })).into_response()
}

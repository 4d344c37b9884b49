//! A faithful stand-in for the Graph API's send endpoint, mounted under
//! `/sim/graph` when no WhatsApp access token is configured. It checks the
//! bearer token, the phone number id and the body as Meta does, answers with
//! a `wamid`, and then (unless told not to) reports the message's statuses
//! back to this server's webhook, signed with the app secret.
//!
//! The script a message follows depends on the recipient's number, so demos
//! and tests can pick an outcome:
//!
//! | number ends in | statuses reported |
//! |---|---|
//! | `47` | sent, then failed 131047 (re-engagement) |
//! | `49` | failed 131049 (healthy ecosystem) |
//! | `26` | sent, then failed 131026 (undeliverable) |
//! | 0, 3, 6, 9 | sent, read, then a late delivered (out of order) |
//! | 1, 4, 7 | sent, delivered, delivered again (duplicate), read |
//! | 2, 5, 8 | sent, delivered, read |

use super::notifications::{self, known_error, KnownError};
use crate::config::{GraphSettings, WhatsAppSettings};
use crate::intake::whatsapp::sign;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use chrono::{Duration as Span, Utc};
use rand::Rng;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

pub const MOUNT: &str = "/sim/graph";
const VERSION: &str = "v21.0";
/// The default tenant's business number when the simulator runs; it
/// accepts any other number's id too.
pub const PHONE_NUMBER_ID: &str = "100000000000001";

pub struct GraphSimulator {
    access_token: SecretString,
    app_secret: SecretString,
    webhook_url: String,
    auto: bool,
    step: Duration,
    http: reqwest::Client,
}

impl GraphSimulator {
    /// `server_base` is this server's own address (`http://127.0.0.1:port`).
    pub fn new(server_base: &str, settings: &WhatsAppSettings) -> Arc<Self> {
        Arc::new(Self {
            access_token: SecretString::from(crate::random_token(24)),
            app_secret: settings.app_secret.clone(),
            webhook_url: format!("{server_base}/api/webhooks/whatsapp"),
            auto: settings.simulator_auto,
            step: settings.simulator_step,
            http: reqwest::Client::new(),
        })
    }

    /// What the real client needs to talk to this simulator.
    pub fn client_settings(&self, server_base: &str) -> GraphSettings {
        GraphSettings { base_url: format!("{server_base}{MOUNT}/{VERSION}"), access_token: self.access_token.clone() }
    }

    pub fn router(self: Arc<Self>) -> Router {
        Router::new().route("/{version}/{phone}/messages", post(send)).with_state(self)
    }

    /// Posts one signed notification to the server's webhook.
    async fn post(&self, notification: &Value) {
        let body = serde_json::to_vec(notification).expect("notifications serialise");
        let result = self
            .http
            .post(&self.webhook_url)
            .header("content-type", "application/json")
            .header("x-hub-signature-256", sign(&body, &self.app_secret))
            .body(body)
            .send()
            .await;
        match result {
            Ok(r) if r.status().is_success() => {}
            Ok(r) => tracing::warn!(status = %r.status(), "simulated webhook refused"),
            Err(err) => tracing::warn!(error = %err, "simulated webhook failed"),
        }
    }

    /// Reports `wamid`'s statuses on `phone`, one webhook per step.
    async fn play(self: Arc<Self>, phone: String, wamid: String, to: String) {
        let start = Utc::now();
        for (status, error, logical) in script(&to) {
            let jitter = rand::thread_rng().gen_range(0.7..1.3);
            tokio::time::sleep(self.step.mul_f64(jitter)).await;
            let at = start + Span::seconds(logical as i64 + 1);
            self.post(&notifications::status(&phone, &wamid, &to, status, at, error)).await;
        }
    }
}

/// (status, error, logical order for its timestamp) per step, by number.
fn script(to: &str) -> Vec<(&'static str, Option<KnownError>, u8)> {
    let fail = |code| known_error(code);
    if to.ends_with("47") {
        return vec![("sent", None, 0), ("failed", fail(131047), 1)];
    }
    if to.ends_with("49") {
        return vec![("failed", fail(131049), 0)];
    }
    if to.ends_with("26") {
        return vec![("sent", None, 0), ("failed", fail(131026), 1)];
    }
    match to.chars().last().and_then(|c| c.to_digit(10)).unwrap_or(2) % 3 {
        0 => vec![("sent", None, 0), ("read", None, 2), ("delivered", None, 1)],
        1 => vec![("sent", None, 0), ("delivered", None, 1), ("delivered", None, 1), ("read", None, 2)],
        _ => vec![("sent", None, 0), ("delivered", None, 1), ("read", None, 2)],
    }
}

#[derive(Deserialize)]
struct SendRequest {
    messaging_product: Option<String>,
    to: Option<String>,
    template: Option<Template>,
}

#[derive(Deserialize)]
struct Template {
    name: String,
}

fn graph_error(status: StatusCode, code: i64, message: &str) -> Response {
    (status, Json(json!({ "error": { "message": message, "type": "OAuthException", "code": code, "fbtrace_id": "Asimulated" } })))
        .into_response()
}

async fn send(
    State(sim): State<Arc<GraphSimulator>>,
    Path((_version, phone)): Path<(String, String)>,
    headers: HeaderMap,
    Json(req): Json<SendRequest>,
) -> Response {
    let bearer = headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    if bearer != Some(sim.access_token.expose_secret()) {
        return graph_error(StatusCode::UNAUTHORIZED, 190, "Invalid OAuth access token - Cannot parse access token");
    }
    // Any business number is simulated; Meta's ids are digits.
    if phone.is_empty() || !phone.bytes().all(|b| b.is_ascii_digit()) {
        return graph_error(StatusCode::BAD_REQUEST, 100, "Unsupported post request. Object does not exist.");
    }
    if req.messaging_product.as_deref() != Some("whatsapp") {
        return graph_error(StatusCode::BAD_REQUEST, 100, "The parameter messaging_product is required.");
    }
    let to = req.to.unwrap_or_default();
    if !(8..=15).contains(&to.len()) || !to.bytes().all(|b| b.is_ascii_digit()) {
        return graph_error(StatusCode::BAD_REQUEST, 100, "Invalid parameter: `to` must be a phone number in international format.");
    }
    if req.template.as_ref().is_none_or(|t| t.name.trim().is_empty()) {
        return graph_error(StatusCode::NOT_FOUND, 132001, "Template name does not exist in the translation");
    }
    let wamid = notifications::new_wamid();
    if sim.auto {
        tokio::spawn(sim.clone().play(phone, wamid.clone(), to.clone()));
    }
    Json(json!({
        "messaging_product": "whatsapp",
        "contacts": [{ "input": to, "wa_id": to }],
        "messages": [{ "id": wamid, "message_status": "accepted" }],
    }))
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::protocol::MessageStatus;

    fn end_state(to: &str) -> MessageStatus {
        script(to)
            .into_iter()
            .fold(MessageStatus::Pending, |s, (name, _, _)| s.advance(MessageStatus::from_cloud_api(name).unwrap()).unwrap_or(s))
    }

    #[test]
    fn scripts_end_where_their_number_says() {
        assert_eq!(end_state("15551230047"), MessageStatus::Failed);
        assert_eq!(end_state("15551230049"), MessageStatus::Failed);
        assert_eq!(end_state("15551230026"), MessageStatus::Failed);
        for to in ["15551230000", "15551230001", "15551230002"] {
            assert_eq!(end_state(to), MessageStatus::Read, "{to}");
        }
    }
}

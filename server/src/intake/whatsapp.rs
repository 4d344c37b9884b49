//! The WhatsApp Cloud API webhook, on seed 003's path
//! (`/college/whatsapp/webhook`) and ours (`/api/webhooks/whatsapp`):
//! `GET` answers Meta's verification handshake, `POST` takes notifications
//! signed with `X-Hub-Signature-256`.

use super::{delivery_key, raw_body};
use crate::error::ApiError;
use crate::events::whatsapp::{self as payload, WaEvent};
use crate::events::{NewDelivery, Parsed, Provider};
use crate::state::AppState;
use crate::store::Recorded;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::json;
use sha2::Sha256;
use std::net::SocketAddr;

const PROVIDER: Provider = Provider::WhatsApp;

/// `sha256=<hex HMAC-SHA256 of the raw body>`, keyed with the app secret
/// taken as text. Compared in constant time.
pub fn signature_matches(header: Option<&str>, body: &[u8], app_secret: &SecretString) -> bool {
    let Some(hex_sig) = header.and_then(|h| h.strip_prefix("sha256=")) else { return false };
    let Ok(expected) = hex::decode(hex_sig) else { return false };
    let mut mac = Hmac::<Sha256>::new_from_slice(app_secret.expose_secret().as_bytes()).expect("any key length");
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

/// The header value for `body`, as Meta computes it (the simulator signs
/// with this).
pub fn sign(body: &[u8], app_secret: &SecretString) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(app_secret.expose_secret().as_bytes()).expect("any key length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Handshake {
    #[serde(rename = "hub.mode")]
    mode: Option<String>,
    #[serde(rename = "hub.verify_token")]
    verify_token: Option<String>,
    #[serde(rename = "hub.challenge")]
    challenge: Option<String>,
}

/// `GET`: Meta's subscription check. The right token echoes the challenge.
#[utoipa::path(
    get,
    path = "/api/webhooks/whatsapp",
    operation_id = "verify_whatsapp_webhook",
    tag = "Inbound webhooks",
    params(Handshake),
    responses(
        (status = 200, description = "The right token: the challenge, echoed", content_type = "text/plain", body = String),
        (status = 403, description = "A wrong token or mode"),
    ),
)]
pub async fn verify(State(state): State<AppState>, Query(hs): Query<Handshake>) -> Response {
    let token_ok = super::secret_matches(hs.verify_token.as_deref(), &state.settings.whatsapp.verify_token);
    match (hs.mode.as_deref(), token_ok, hs.challenge) {
        (Some("subscribe"), true, Some(challenge)) => (StatusCode::OK, challenge).into_response(),
        _ => {
            tracing::warn!(provider = %PROVIDER, "webhook verification refused");
            StatusCode::FORBIDDEN.into_response()
        }
    }
}

/// `POST`: verify, split into events, store them all in one transaction,
/// then answer. Processing happens after the answer.
#[utoipa::path(
    post,
    path = "/api/webhooks/whatsapp",
    operation_id = "receive_whatsapp_webhook",
    tag = "Inbound webhooks",
    request_body = crate::events::whatsapp::Notification,
    responses(
        (status = 200, description = "Stored, one event per status, message and error", body = Object),
        (status = 400, response = crate::api::openapi::responses::BadRequest),
        (status = 401, response = crate::api::openapi::responses::Unauthorized),
        (status = 413, response = crate::api::openapi::responses::PayloadTooLarge),
        (status = 500, response = crate::api::openapi::responses::Internal),
    ),
    security(("whatsapp_signature" = [])),
)]
pub async fn receive(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let body = raw_body(body, state.settings.max_body_bytes)?;
    let signature = headers.get("x-hub-signature-256").and_then(|v| v.to_str().ok());
    if !signature_matches(signature, &body, &state.settings.whatsapp.app_secret) {
        let source = state.client_ip(peer, &headers);
        if state.limits.refusals.webhook_refused(source, PROVIDER) {
            tracing::warn!(provider = %PROVIDER, %source, "webhook refused: bad or missing X-Hub-Signature-256 (not logged again for a minute)");
        }
        return Err(ApiError::Unauthorized);
    }
    let events = payload::parse(&body).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let received_at = Utc::now();
    let deliveries: Vec<NewDelivery> = events.iter().map(|event| to_delivery(event, received_at)).collect();
    let recorded = state.store.record_deliveries(&deliveries, &state.lease()).await?;
    let (count, mut duplicates) = (events.len(), 0);
    for ((delivery, event), recorded) in deliveries.into_iter().zip(events).zip(recorded) {
        match recorded {
            Recorded::New(id) => state.deliveries.fresh(id, delivery, Parsed::WhatsApp(event), None),
            Recorded::Duplicate(_) => duplicates += 1,
        }
    }
    tracing::info!(provider = %PROVIDER, events = count, duplicates, "webhook stored");
    Ok(Json(json!({ "received": true, "events": count, "duplicates": duplicates })))
}

fn to_delivery(event: &WaEvent, received_at: chrono::DateTime<Utc>) -> NewDelivery {
    let body = serde_json::to_vec(event).expect("events serialise");
    let claim = match event {
        WaEvent::Status { wamid, .. } => Some(wamid.clone()),
        _ => None,
    };
    NewDelivery {
        provider: PROVIDER,
        delivery_key: event.delivery_key().unwrap_or_else(|| delivery_key(None, &body)),
        topic: event.topic(),
        body,
        claim,
        received_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// tests/fixtures/whatsapp-signature-vector.txt
    const SECRET: &str = "0123456789abcdef0123456789abcdef";
    const BODY: &str = r#"{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Sheena Nelson"},"wa_id":"16505551234"}],"messages":[{"from":"16505551234","id":"wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=","timestamp":"1749416383","type":"text","text":{"body":"Does it come in another color?"}}]},"field":"messages"}]}]}"#;
    const GOOD: &str = "sha256=4a11fb8da9e9aa59dd1733b00ca25380d75e1512ade533f7ec2f2c0b9d43c7b1";
    const WITH_LF: &str = "sha256=47d0b45ce453b6fb0a437dd5a5353dd80c5ec0f0fd8fa64466badd6e4077a7f0";

    #[test]
    fn matches_the_known_vector() {
        let secret = SecretString::from(SECRET);
        assert_eq!(BODY.len(), 499);
        assert!(signature_matches(Some(GOOD), BODY.as_bytes(), &secret));
        assert_eq!(sign(BODY.as_bytes(), &secret), GOOD);
    }

    #[test]
    fn one_trailing_newline_breaks_it() {
        let secret = SecretString::from(SECRET);
        let with_lf = format!("{BODY}\n");
        assert!(!signature_matches(Some(GOOD), with_lf.as_bytes(), &secret));
        assert!(signature_matches(Some(WITH_LF), with_lf.as_bytes(), &secret));
    }

    #[test]
    fn refuses_missing_malformed_and_wrong_signatures() {
        let secret = SecretString::from(SECRET);
        for header in [None, Some(""), Some("sha256="), Some("sha256=zz"), Some(&GOOD[7..]), Some(WITH_LF)] {
            assert!(!signature_matches(header, BODY.as_bytes(), &secret), "{header:?}");
        }
        assert!(!signature_matches(Some(GOOD), BODY.as_bytes(), &SecretString::from("other")));
    }
}

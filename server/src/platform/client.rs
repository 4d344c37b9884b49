//! The HTTP client of the seeds' wallet platform, authenticated with a
//! cached OAuth client-credentials token: one single-use out-of-band
//! invitation per session, the webhook-app API (`tidings platform …`), and
//! reconciliation from the apps' delivery logs.

use super::token::TokenSource;
use super::{Invitation, InvitationRef, PlatformError, PolledRecord, WalletPlatform};
use crate::config::RemotePlatform;
use app::protocol::OutOfBandId;
use async_trait::async_trait;
use secrecy::ExposeSecret;
use serde_json::{json, Value};
use std::time::Duration;

pub struct PlatformClient {
    http: reqwest::Client,
    base_url: String,
    organization_id: String,
    tokens: TokenSource,
}

impl PlatformClient {
    pub fn new(settings: &RemotePlatform) -> Self {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().expect("a TLS-capable HTTP client");
        Self {
            http,
            base_url: settings.base_url.clone(),
            organization_id: settings.organization_id.clone(),
            tokens: TokenSource::new(settings.token_url.clone(), settings.client_id.clone(), settings.client_secret.clone()),
        }
    }

    async fn send_once(&self, method: &reqwest::Method, path: &str, body: Option<&Value>) -> Result<reqwest::Response, PlatformError> {
        let token = self.tokens.token(&self.http).await?;
        let mut request = self.http.request(method.clone(), format!("{}{path}", self.base_url)).bearer_auth(token.expose_secret());
        if let Some(body) = body {
            request = request.json(body);
        }
        Ok(request.send().await?)
    }

    /// Calls the platform with a bearer token, and reads its JSON answer.
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<&Value>) -> Result<Value, PlatformError> {
        let mut response = self.send_once(&method, path, body).await?;
        if response.status() == reqwest::StatusCode::UNAUTHORIZED {
            // The token may have been revoked early: fetch a new one, once.
            self.tokens.invalidate().await;
            response = self.send_once(&method, path, body).await?;
        }
        if !response.status().is_success() {
            let status = response.status().as_u16();
            let body = response.text().await.unwrap_or_default().chars().take(200).collect();
            return Err(PlatformError::Status { status, body });
        }
        Ok(response.json().await?)
    }

    fn app_path(&self, app: &str, rest: &str) -> String {
        format!("/orgs/{}/apps/{app}{rest}", self.organization_id)
    }

    /// Registers a webhook app (seed 001); returns its id.
    pub async fn create_app(&self, name: &str, webhook_url: &str, secret: &str) -> Result<String, PlatformError> {
        let body = json!({ "name": name, "webhookUrl": webhook_url, "webhookSecret": secret });
        let answer = self.call(reqwest::Method::POST, &format!("/orgs/{}/apps", self.organization_id), Some(&body)).await?;
        let id = answer.pointer("/data/id").and_then(Value::as_str);
        id.map(str::to_owned).ok_or_else(|| PlatformError::Shape("no app id in the answer".into()))
    }

    /// Asks the platform to send the app a test webhook; answers what the
    /// platform reported.
    pub async fn test_app(&self, app: &str, event_type: &str) -> Result<Value, PlatformError> {
        let body = json!({ "eventType": event_type });
        Ok(self.call(reqwest::Method::POST, &self.app_path(app, "/test"), Some(&body)).await?.get("data").cloned().unwrap_or_default())
    }

    pub async fn rotate_app_secret(&self, app: &str, new_secret: &str) -> Result<(), PlatformError> {
        let body = json!({ "newSecret": new_secret });
        self.call(reqwest::Method::POST, &self.app_path(app, "/rotate-secret"), Some(&body)).await?;
        Ok(())
    }

    /// The app's delivery log, newest first.
    pub async fn app_deliveries(&self, app: &str, limit: usize) -> Result<Vec<Value>, PlatformError> {
        let answer = self.call(reqwest::Method::GET, &self.app_path(app, &format!("/deliveries?limit={limit}")), None).await?;
        match answer.get("data") {
            Some(Value::Array(attempts)) => Ok(attempts.clone()),
            _ => Err(PlatformError::Shape("no delivery list in the answer".into())),
        }
    }
}

/// Attempts read from each app's log when reconciling.
const LOG_WINDOW: usize = 200;

#[async_trait]
impl WalletPlatform for PlatformClient {
    async fn create_invitation(&self, label: &str) -> Result<Invitation, PlatformError> {
        let body = json!({ "label": label, "multiUseInvitation": false, "autoAcceptConnection": true });
        let path = format!("/v1/orgs/{}/connections", self.organization_id);
        parse_invitation(&self.call(reqwest::Method::POST, &path, Some(&body)).await?)
    }

    /// The events the platform logged for the invitation that never
    /// reached us (no 2xx answer): a 2xx means we stored it.
    async fn connections_of(&self, invitation: &InvitationRef<'_>) -> Result<Vec<PolledRecord>, PlatformError> {
        let mut missed = Vec::new();
        for app in invitation.apps {
            for attempt in self.app_deliveries(app, LOG_WINDOW).await? {
                let delivered = attempt.get("statusCode").and_then(Value::as_u64).is_some_and(|s| (200..300).contains(&s));
                let Some(payload) = attempt.get("payload").filter(|_| !delivered) else { continue };
                let body = payload.to_string().into_bytes();
                let ours = crate::events::platform::parse(&body, None).ok().and_then(|e| e.connection).is_some_and(|c| {
                    c.invitation_ids.iter().any(|id| id == invitation.out_of_band_id || Some(id.as_str()) == invitation.invitation_id)
                });
                if ours {
                    missed.push(PolledRecord { topic: None, body });
                }
            }
        }
        // Oldest first, as they were sent.
        missed.reverse();
        Ok(missed)
    }
}

/// Reads the platform's answer: `{"data":{"invitationUrl", "outOfBandRecord":
/// {"id", "outOfBandInvitation":{"@id"}}}}`, tolerating the flatter variants
/// (`data.id`, `data.invitationId`) some platform versions send.
pub fn parse_invitation(body: &Value) -> Result<Invitation, PlatformError> {
    let data = body.get("data").unwrap_or(body);
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    let record = data.get("outOfBandRecord");
    let url = text(data.get("invitationUrl")).ok_or_else(|| PlatformError::Shape("no invitationUrl".into()))?;
    let out_of_band_id = text(record.and_then(|r| r.get("id")))
        .or_else(|| text(data.get("outOfBandId")))
        .or_else(|| text(data.get("id")))
        .ok_or_else(|| PlatformError::Shape("no out-of-band id".into()))?;
    let invitation_id = text(record.and_then(|r| r.pointer("/outOfBandInvitation/@id")))
        .or_else(|| text(data.get("invitationId")))
        .or_else(|| super::invitation::invitation_id_from_url(&url));
    Ok(Invitation { url, out_of_band_id: OutOfBandId::new(out_of_band_id), invitation_id })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_nested_answer() {
        let body = json!({"statusCode": 201, "data": {"invitationUrl": "https://x/?oob=e30",
            "outOfBandRecord": {"id": "oob-1", "outOfBandInvitation": {"@id": "inv-1"}}}});
        let inv = parse_invitation(&body).unwrap();
        assert_eq!(inv.out_of_band_id.as_str(), "oob-1");
        assert_eq!(inv.invitation_id.as_deref(), Some("inv-1"));
    }

    #[test]
    fn reads_the_flat_answer_and_refuses_garbage() {
        let inv = parse_invitation(&json!({"data": {"invitationUrl": "u", "id": "oob-2"}})).unwrap();
        assert_eq!(inv.out_of_band_id.as_str(), "oob-2");
        assert!(parse_invitation(&json!({"data": {}})).is_err());
    }
}

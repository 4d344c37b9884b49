//! The HTTP client of the wallet platform: creates one single-use
//! out-of-band invitation per session, authenticated with a cached OAuth
//! client-credentials token.

use super::token::TokenSource;
use super::{Invitation, InvitationIssuer, PlatformError};
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

    async fn post_invitation(&self, label: &str) -> Result<reqwest::Response, PlatformError> {
        let token = self.tokens.token(&self.http).await?;
        let url = format!("{}/v1/orgs/{}/connections", self.base_url, self.organization_id);
        let body = json!({ "label": label, "multiUseInvitation": false, "autoAcceptConnection": true });
        Ok(self.http.post(url).bearer_auth(token.expose_secret()).json(&body).send().await?)
    }
}

#[async_trait]
impl InvitationIssuer for PlatformClient {
    async fn create_invitation(&self, label: &str) -> Result<Invitation, PlatformError> {
        let mut response = self.post_invitation(label).await?;
        if response.status() == reqwest::StatusCode::UNAUTHORIZED {
            // The token may have been revoked early: fetch a new one, once.
            self.tokens.invalidate().await;
            response = self.post_invitation(label).await?;
        }
        if !response.status().is_success() {
            let status = response.status().as_u16();
            let body = response.text().await.unwrap_or_default().chars().take(200).collect();
            return Err(PlatformError::Status { status, body });
        }
        parse_invitation(&response.json().await?)
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

//! A Hyperledger ACA-Py agent's admin API: one single-use out-of-band
//! invitation per session (DID Exchange 1.1, no public DID), and the
//! connection records of an invitation for reconciliation.

use super::{Invitation, InvitationRef, PlatformError, PolledRecord, WalletPlatform};
use crate::config::AcaPySettings;
use app::protocol::OutOfBandId;
use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{json, Value};
use std::time::Duration;

/// The only handshake offered: `connections/1.0` no longer works in
/// ACA-Py 1.7 (its receive-invitation answers 500).
const DID_EXCHANGE: &str = "https://didcomm.org/didexchange/1.1";

pub struct AcaPyClient {
    http: reqwest::Client,
    admin_url: String,
    api_key: Option<SecretString>,
}

/// `POST /out-of-band/create-invitation`'s answer (the fields used).
#[derive(Deserialize)]
struct Created {
    invitation_url: String,
    oob_id: String,
    invi_msg_id: String,
}

impl AcaPyClient {
    pub fn new(settings: &AcaPySettings) -> Self {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().expect("a TLS-capable HTTP client");
        Self { http, admin_url: settings.admin_url.clone(), api_key: settings.api_key.clone() }
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let request = self.http.request(method, format!("{}{path}", self.admin_url));
        match &self.api_key {
            Some(key) => request.header("x-api-key", key.expose_secret()),
            None => request,
        }
    }
}

async fn success(response: reqwest::Response) -> Result<reqwest::Response, PlatformError> {
    if response.status().is_success() {
        return Ok(response);
    }
    let status = response.status().as_u16();
    let body = response.text().await.unwrap_or_default().chars().take(200).collect();
    Err(PlatformError::Status { status, body })
}

#[async_trait]
impl WalletPlatform for AcaPyClient {
    async fn create_invitation(&self, label: &str) -> Result<Invitation, PlatformError> {
        let body = json!({ "handshake_protocols": [DID_EXCHANGE], "use_public_did": false, "my_label": label });
        let response = self
            .request(reqwest::Method::POST, "/out-of-band/create-invitation")
            .query(&[("multi_use", "false"), ("auto_accept", "true")])
            .json(&body)
            .send()
            .await?;
        let created: Created = success(response).await?.json().await.map_err(|e| PlatformError::Shape(e.to_string()))?;
        Ok(Invitation {
            url: created.invitation_url,
            out_of_band_id: OutOfBandId::new(created.oob_id),
            invitation_id: Some(created.invi_msg_id),
        })
    }

    async fn connections_of(&self, invitation: &InvitationRef<'_>) -> Result<Vec<PolledRecord>, PlatformError> {
        // Every connection record carries the message id of the invitation
        // that made it.
        let Some(invitation_id) = invitation.invitation_id else { return Ok(Vec::new()) };
        let response = self.request(reqwest::Method::GET, "/connections").query(&[("invitation_msg_id", invitation_id)]).send().await?;
        let answer: Value = success(response).await?.json().await?;
        let Some(Value::Array(results)) = answer.get("results") else {
            return Err(PlatformError::Shape("no results in the connections answer".into()));
        };
        Ok(results.iter().map(|record| PolledRecord { topic: Some("connections"), body: record.to_string().into_bytes() }).collect())
    }
}

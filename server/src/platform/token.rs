//! OAuth 2.0 client-credentials tokens, cached until shortly before expiry.

use super::PlatformError;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// Refresh this long before the platform's stated expiry.
const EARLY: Duration = Duration::from_secs(30);

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default = "default_expiry")]
    expires_in: u64,
}

fn default_expiry() -> u64 {
    300
}

pub struct TokenSource {
    url: String,
    client_id: String,
    client_secret: SecretString,
    // A tokio mutex: held across the refresh request so that concurrent
    // callers wait for one refresh instead of each starting their own.
    cached: Mutex<Option<(SecretString, Instant)>>,
}

impl TokenSource {
    pub fn new(url: String, client_id: String, client_secret: SecretString) -> Self {
        Self { url, client_id, client_secret, cached: Mutex::new(None) }
    }

    pub async fn token(&self, http: &reqwest::Client) -> Result<SecretString, PlatformError> {
        let mut cached = self.cached.lock().await;
        if let Some((token, valid_until)) = cached.as_ref() {
            if Instant::now() < *valid_until {
                return Ok(token.clone());
            }
        }
        let response = http
            .post(&self.url)
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", self.client_id.as_str()),
                ("client_secret", self.client_secret.expose_secret()),
            ])
            .send()
            .await?;
        if !response.status().is_success() {
            let status = response.status().as_u16();
            return Err(PlatformError::Status { status, body: "token request refused".into() });
        }
        let body: TokenResponse = response.json().await?;
        let lifetime = Duration::from_secs(body.expires_in).saturating_sub(EARLY);
        let token = SecretString::from(body.access_token);
        *cached = Some((token.clone(), Instant::now() + lifetime));
        Ok(token)
    }

    /// Forgets the cached token (after the platform refused it).
    pub async fn invalidate(&self) {
        *self.cached.lock().await = None;
    }
}

//! The Graph API client: `POST {base}/{phone-number-id}/messages`, with the
//! sending number's own access token when it has one, else the
//! environment's.

use super::{MessageSender, SendFailure};
use crate::config::GraphSettings;
use crate::store::SendingNumber;
use async_trait::async_trait;
use secrecy::ExposeSecret;
use serde_json::{json, Value};
use std::time::Duration;

pub struct GraphClient {
    http: reqwest::Client,
    settings: GraphSettings,
    /// Whether numbers' own tokens are used. The built-in simulator knows
    /// only its own token, so with it every number sends with that one.
    own_tokens: bool,
}

impl GraphClient {
    pub fn new(settings: GraphSettings) -> Self {
        Self::with_tokens(settings, true)
    }

    /// A client for the simulator: every number sends with its token.
    pub fn simulated(settings: GraphSettings) -> Self {
        Self::with_tokens(settings, false)
    }

    fn with_tokens(settings: GraphSettings, own_tokens: bool) -> Self {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(15)).build().expect("a TLS-capable HTTP client");
        Self { http, settings, own_tokens }
    }
}

#[async_trait]
impl MessageSender for GraphClient {
    async fn send_template(&self, from: &SendingNumber, to: &str, template: &str, language: &str) -> Result<String, SendFailure> {
        let url = format!("{}/{}/messages", self.settings.base_url, from.phone_number_id);
        let token = from.access_token.as_ref().filter(|_| self.own_tokens).unwrap_or(&self.settings.access_token);
        let body = json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to,
            "type": "template",
            "template": { "name": template, "language": { "code": language } },
        });
        let response = self.http.post(url).bearer_auth(token.expose_secret()).json(&body).send().await?;
        let ok = response.status().is_success();
        let answer: Value = response.json().await?;
        if !ok {
            let error = &answer["error"];
            return Err(SendFailure::Rejected {
                code: error["code"].as_i64().unwrap_or(0),
                message: error["message"].as_str().unwrap_or("unknown error").to_owned(),
            });
        }
        answer["messages"][0]["id"].as_str().map(str::to_owned).ok_or_else(|| SendFailure::Shape("no messages[0].id".into()))
    }
}

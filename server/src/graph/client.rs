//! The Graph API client: `POST {base}/{phone-number-id}/messages`.

use super::{MessageSender, SendFailure};
use crate::config::GraphSettings;
use async_trait::async_trait;
use secrecy::ExposeSecret;
use serde_json::{json, Value};
use std::time::Duration;

pub struct GraphClient {
    http: reqwest::Client,
    settings: GraphSettings,
}

impl GraphClient {
    pub fn new(settings: GraphSettings) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .build()
            .expect("a TLS-capable HTTP client");
        Self { http, settings }
    }
}

#[async_trait]
impl MessageSender for GraphClient {
    async fn send_template(&self, to: &str, template: &str, language: &str) -> Result<String, SendFailure> {
        let url = format!("{}/{}/messages", self.settings.base_url, self.settings.phone_number_id);
        let body = json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to,
            "type": "template",
            "template": { "name": template, "language": { "code": language } },
        });
        let response = self
            .http
            .post(url)
            .bearer_auth(self.settings.access_token.expose_secret())
            .json(&body)
            .send()
            .await?;
        let ok = response.status().is_success();
        let answer: Value = response.json().await?;
        if !ok {
            let error = &answer["error"];
            return Err(SendFailure::Rejected {
                code: error["code"].as_i64().unwrap_or(0),
                message: error["message"].as_str().unwrap_or("unknown error").to_owned(),
            });
        }
        answer["messages"][0]["id"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| SendFailure::Shape("no messages[0].id".into()))
    }
}

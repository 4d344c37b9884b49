//! The one signing sender: everything Tidings posts to a webhook receiver
//! (tenants' endpoints, the settings page's test) goes through one HTTP
//! client, signed with Standard Webhooks headers at the moment it is sent,
//! so a queued delivery never arrives looking stale. The client resolves
//! names through [`guard::GuardedResolver`], follows no redirect, and reads
//! at most [`MAX_ANSWER`] of an answer.

use super::guard;
use standardwebhooks::Webhook;
use std::sync::Arc;
use std::time::Duration;

/// How much of an answer is read at most.
pub const MAX_ANSWER: usize = 64 * 1024;

pub struct Signer {
    http: reqwest::Client,
}

/// What a receiver answered.
pub struct Answered {
    pub status: u16,
    pub retry_after: Option<String>,
    /// The start of the body (at most [`MAX_ANSWER`] bytes).
    pub body: Vec<u8>,
}

impl Signer {
    /// `allow_internal` lets names resolve to internal addresses (local
    /// development); `lookup` resolves them.
    pub fn new(allow_internal: bool, lookup: Arc<dyn guard::Lookup>) -> Self {
        let http = reqwest::Client::builder()
            // A redirect could lead anywhere, past the address check.
            .redirect(reqwest::redirect::Policy::none())
            // Names resolve once, through the guard, and the client
            // connects to the very addresses it checked.
            .dns_resolver(Arc::new(guard::GuardedResolver { lookup, allow_internal }))
            .user_agent(concat!("Tidings-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("an HTTP client");
        Self { http }
    }

    /// Posts `body` as message `id`, signed with `secret` now.
    pub async fn send(&self, url: reqwest::Url, id: &str, secret: &str, body: String, timeout: Duration) -> Result<Answered, String> {
        let now = chrono::Utc::now().timestamp();
        let signature = Webhook::new(secret).and_then(|w| w.sign(id, now, body.as_bytes())).map_err(|e| format!("signing failed: {e}"))?;
        let response = self
            .http
            .post(url)
            .timeout(timeout)
            .header("content-type", "application/json")
            .header("webhook-id", id)
            .header("webhook-timestamp", now.to_string())
            .header("webhook-signature", signature)
            .body(body)
            .send()
            .await
            .map_err(describe)?;
        let status = response.status().as_u16();
        let retry_after = response.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned);
        Ok(Answered { status, retry_after, body: read_at_most(response, MAX_ANSWER).await })
    }
}

/// A failed send in words, with the guard's refusal (found in the error's
/// sources) rather than the client's generic "error sending request".
fn describe(err: reqwest::Error) -> String {
    if err.is_timeout() {
        return "timed out".to_owned();
    }
    let mut source = std::error::Error::source(&err);
    while let Some(inner) = source {
        if let Some(refused) = inner.downcast_ref::<guard::UrlRefused>() {
            return refused.to_string();
        }
        source = inner.source();
    }
    err.to_string()
}

/// At most `limit` bytes of the answer's body: a receiver cannot make the
/// sender read (or the log keep) more.
async fn read_at_most(mut response: reqwest::Response, limit: usize) -> Vec<u8> {
    let mut body = Vec::new();
    while body.len() < limit {
        match response.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk[..chunk.len().min(limit - body.len())]),
            _ => break,
        }
    }
    body
}

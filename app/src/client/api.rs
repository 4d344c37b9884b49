//! The page's calls to the connect REST API (the same endpoints the seeds'
//! clients use, so there is one contract to keep).

use crate::protocol::{CreateSessionRequest, CreatedSession, Envelope, RequestType, SessionId, SessionView};
use gloo_net::http::Request;
use serde::de::DeserializeOwned;

pub(super) async fn read<T: DeserializeOwned>(response: gloo_net::http::Response) -> Result<T, String> {
    if !response.ok() {
        let status = response.status();
        let reason = response
            .json::<serde_json::Value>()
            .await
            .ok()
            .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_owned))
            .unwrap_or_else(|| response.status_text());
        return Err(format!("{reason} ({status})"));
    }
    let envelope: Envelope<T> = response.json().await.map_err(|e| e.to_string())?;
    Ok(envelope.data)
}

/// `GET url`, reading the `{"success","data"}` envelope.
pub(super) async fn get<T: DeserializeOwned>(url: &str) -> Result<T, String> {
    read(Request::get(url).send().await.map_err(|e| e.to_string())?).await
}

/// `POST url` with a JSON body (and the CSRF token, should a session
/// cookie be sent along), reading the envelope.
pub(super) async fn post<T: DeserializeOwned>(url: &str, body: &impl serde::Serialize) -> Result<T, String> {
    let request = super::auth_api::guarded(Request::post(url)).json(body).map_err(|e| e.to_string())?;
    read(request.send().await.map_err(|e| e.to_string())?).await
}

/// Starts a new connect flow with its own single-use invitation.
pub async fn create_session() -> Result<CreatedSession, String> {
    post("/api/connections/session", &CreateSessionRequest { request_type: RequestType::Registration }).await
}

/// Reads a session's current state (used when a page is reloaded).
pub async fn fetch_session(id: &SessionId) -> Result<SessionView, String> {
    let response = Request::get("/api/connections/session").query([("sessionId", id.as_str())]).send().await.map_err(|e| e.to_string())?;
    read(response).await
}

/// `ws(s)://<this host><path>`
pub(super) fn ws_origin_url(path: &str) -> String {
    let location = web_sys::window().expect("a window").location();
    let scheme = if location.protocol().ok().as_deref() == Some("https:") { "wss" } else { "ws" };
    let host = location.host().unwrap_or_default();
    format!("{scheme}://{host}{path}")
}

/// `ws(s)://<this host>/ws/connections?sessionId=…`
pub fn ws_url(id: &SessionId) -> String {
    ws_origin_url(&format!("/ws/connections?sessionId={}", js_sys::encode_uri_component(id.as_str())))
}

//! Signing in and out, and the CSRF token every state-changing call sends.

use super::api::read;
use crate::protocol::Me;
use gloo_net::http::{Request, RequestBuilder};
use serde_json::json;
use wasm_bindgen::JsCast;

/// The CSRF token the server set in the readable `tidings_csrf` cookie.
fn csrf_token() -> String {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.dyn_into::<web_sys::HtmlDocument>().ok())
        .and_then(|d| d.cookie().ok())
        .and_then(|cookies| cookies.split(';').find_map(|c| c.trim().strip_prefix("tidings_csrf=").map(str::to_owned)))
        .unwrap_or_default()
}

/// A state-changing request that carries the CSRF token.
pub fn guarded(builder: RequestBuilder) -> RequestBuilder {
    builder.header("X-CSRF-Token", &csrf_token())
}

pub async fn me() -> Result<Me, String> {
    read(Request::get("/api/auth/me").send().await.map_err(|e| e.to_string())?).await
}

pub async fn login(email: &str, password: &str) -> Result<Me, String> {
    let response = Request::post("/api/auth/login")
        .json(&json!({ "email": email, "password": password }))
        .map_err(|e| e.to_string())?
        .send()
        .await
        .map_err(|e| e.to_string())?;
    match response.status() {
        401 => Err("Wrong email or password.".into()),
        429 => Err("Too many attempts. Wait a minute and try again.".into()),
        _ => read(response).await,
    }
}

pub async fn logout() -> Result<bool, String> {
    read(guarded(Request::post("/api/auth/logout")).send().await.map_err(|e| e.to_string())?).await
}

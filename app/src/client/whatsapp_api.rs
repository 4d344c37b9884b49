//! The WhatsApp page's calls to the JSON API.

use super::api::{get, read, ws_origin_url};
use super::auth_api::guarded;
use crate::protocol::{CollegeId, IncomingMessage, OutgoingMessage};
use gloo_net::http::Request;
use serde_json::json;

fn college_query(college: &CollegeId) -> String {
    format!("collegeId={}", js_sys::encode_uri_component(college.as_str()))
}

pub async fn list_messages(college: &CollegeId) -> Result<Vec<OutgoingMessage>, String> {
    get(&format!("/api/whatsapp/messages?{}", college_query(college))).await
}

pub async fn list_incoming(college: &CollegeId) -> Result<Vec<IncomingMessage>, String> {
    get(&format!("/api/whatsapp/incoming?{}", college_query(college))).await
}

pub async fn send_template(college: &CollegeId, to: &str, template: &str) -> Result<OutgoingMessage, String> {
    let body = json!({ "collegeId": college, "to": to, "template": template });
    let response = guarded(Request::post("/api/whatsapp/send"))
        .json(&body)
        .map_err(|e| e.to_string())?
        .send()
        .await
        .map_err(|e| e.to_string())?;
    read(response).await
}

pub fn ws_whatsapp_url() -> String {
    ws_origin_url("/ws/whatsapp")
}

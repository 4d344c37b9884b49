//! The WhatsApp page's calls to the JSON API.

use super::api::{get, post, ws_origin_url};
use crate::protocol::{CollegeId, IncomingMessage, OutgoingMessage};
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
    post("/api/whatsapp/send", &json!({ "collegeId": college, "to": to, "template": template })).await
}

pub fn ws_whatsapp_url() -> String {
    ws_origin_url("/ws/whatsapp")
}

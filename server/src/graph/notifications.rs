//! Cloud API webhook notifications, built the way Meta sends them. The
//! simulator and `tidings simulate whatsapp` post these.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

/// A documented Cloud API error a failed status can carry.
#[derive(Clone, Copy, Debug)]
pub struct KnownError {
    pub code: i64,
    pub title: &'static str,
    pub details: &'static str,
}

/// Real error codes, with Meta's titles and details.
pub const KNOWN_ERRORS: [KnownError; 3] = [
    KnownError {
        code: 131047,
        title: "Re-engagement message",
        details: "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
    },
    KnownError {
        code: 131049,
        title: "This message was not delivered to maintain healthy ecosystem engagement.",
        details: "In order to maintain a healthy ecosystem engagement, the message failed to be delivered.",
    },
    KnownError {
        code: 131026,
        title: "Message undeliverable",
        details: "Unable to deliver message: the recipient may not be a WhatsApp user or may not have accepted the latest terms.",
    },
];

pub fn known_error(code: i64) -> Option<KnownError> {
    KNOWN_ERRORS.iter().copied().find(|e| e.code == code)
}

/// Wraps `fields` (`statuses`, `messages`, …) in a notification envelope.
fn envelope(phone_number_id: &str, fields: Value) -> Value {
    let mut value = json!({
        "messaging_product": "whatsapp",
        "metadata": { "display_phone_number": "15550783881", "phone_number_id": phone_number_id },
    });
    if let (Some(target), Value::Object(extra)) = (value.as_object_mut(), fields) {
        target.extend(extra);
    }
    json!({
        "object": "whatsapp_business_account",
        "entry": [{ "id": "102290129340398", "changes": [{ "value": value, "field": "messages" }] }],
    })
}

/// A status notification for one outgoing message.
pub fn status(phone_number_id: &str, wamid: &str, recipient: &str, status: &str, at: DateTime<Utc>, error: Option<KnownError>) -> Value {
    let mut item = json!({
        "id": wamid,
        "status": status,
        "timestamp": at.timestamp().to_string(),
        "recipient_id": recipient,
    });
    if let Some(e) = error {
        item["errors"] = json!([{
            "code": e.code,
            "title": e.title,
            "message": e.title,
            "error_data": { "details": e.details },
            "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
        }]);
    }
    envelope(phone_number_id, json!({ "statuses": [item] }))
}

/// A text message from a customer; `context` is the message it replies to.
pub fn text(phone_number_id: &str, wamid: &str, from: &str, name: &str, body: &str, at: DateTime<Utc>, context: Option<&str>) -> Value {
    let mut message = json!({
        "from": from,
        "id": wamid,
        "timestamp": at.timestamp().to_string(),
        "type": "text",
        "text": { "body": body },
    });
    if let Some(id) = context {
        message["context"] = json!({ "from": phone_number_id, "id": id });
    }
    envelope(phone_number_id, json!({ "contacts": [{ "profile": { "name": name }, "wa_id": from }], "messages": [message] }))
}

/// A fresh `wamid`, shaped like Meta's.
pub fn new_wamid() -> String {
    use base64::Engine;
    let raw = format!("\u{15}\u{2}\u{0}\u{11}\u{18}\u{12}{}", crate::random_token(9).to_uppercase());
    format!("wamid.{}", base64::engine::general_purpose::STANDARD.encode(raw))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::whatsapp::{parse, WaEvent};

    #[test]
    fn our_notifications_parse_like_meta_s() {
        let at = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let n = status("106540352242922", "wamid.A", "15551234567", "failed", at, known_error(131047));
        let events = parse(n.to_string().as_bytes()).unwrap();
        let WaEvent::Status { status, errors, phone_number_id, .. } = &events[0] else { panic!("a status") };
        assert_eq!(status, "failed");
        assert_eq!(errors[0].code, 131047);
        assert_eq!(phone_number_id.as_deref(), Some("106540352242922"));

        let n = text("1", "wamid.B", "15551234567", "Ada", "Hello", at, Some("wamid.A"));
        let events = parse(n.to_string().as_bytes()).unwrap();
        assert!(
            matches!(&events[0], WaEvent::Message { profile_name: Some(name), context_id: Some(c), .. } if name == "Ada" && c == "wamid.A")
        );
        assert!(new_wamid().starts_with("wamid."));
    }
}

//! Parses a WhatsApp Cloud API webhook into one event per status, incoming
//! message and system error. One delivery may hold several `entry`, each
//! with several `changes`, each with several `statuses` and `messages`.
//! Each event is stored on its own, so dedupe works per (message id, status).
//! Pure: no IO.

use app::protocol::SendError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One thing WhatsApp reported, as stored for the worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WaEvent {
    /// A status of an outgoing message. `status` is Meta's name, kept as
    /// sent so an unknown one is stored rather than refused.
    Status {
        wamid: String,
        status: String,
        recipient_id: Option<String>,
        timestamp: DateTime<Utc>,
        phone_number_id: Option<String>,
        errors: Vec<SendError>,
    },
    /// A message a customer sent.
    Message {
        wamid: String,
        from: String,
        profile_name: Option<String>,
        message_type: String,
        text: Option<String>,
        timestamp: DateTime<Utc>,
        phone_number_id: Option<String>,
        /// The message this one replies to (`context.id`), if any.
        #[serde(default)]
        context_id: Option<String>,
    },
    /// A system-level error (`value.errors`), not tied to one message.
    SystemError { phone_number_id: Option<String>, errors: Vec<SendError> },
}

impl WaEvent {
    /// The dedupe key: per (message id, status) for statuses, per message id
    /// for incoming messages; `None` lets the caller hash the event.
    pub fn delivery_key(&self) -> Option<String> {
        match self {
            Self::Status { wamid, status, .. } => Some(format!("status:{wamid}:{status}")),
            Self::Message { wamid, .. } => Some(format!("message:{wamid}")),
            Self::SystemError { .. } => None,
        }
    }

    pub fn topic(&self) -> String {
        match self {
            Self::Status { status, .. } => format!("whatsapp.status.{status}"),
            Self::Message { message_type, .. } => format!("whatsapp.message.{message_type}"),
            Self::SystemError { .. } => "whatsapp.error".into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PayloadError {
    #[error("invalid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("unrecognised payload: {0}")]
    Shape(String),
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = WhatsAppNotification)]
pub struct Notification {
    entry: Vec<Entry>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = WhatsAppEntry)]
struct Entry {
    #[serde(default)]
    changes: Vec<Change>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = WhatsAppChange)]
struct Change {
    value: ChangeValue,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = WhatsAppChangeValue)]
struct ChangeValue {
    metadata: Option<Metadata>,
    #[serde(default)]
    statuses: Vec<Status>,
    #[serde(default)]
    messages: Vec<Message>,
    #[serde(default)]
    contacts: Vec<Contact>,
    #[serde(default)]
    errors: Vec<ApiError>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = WhatsAppMetadata)]
struct Metadata {
    phone_number_id: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = WhatsAppStatus)]
struct Status {
    id: String,
    status: String,
    timestamp: String,
    recipient_id: Option<String>,
    #[serde(default)]
    errors: Vec<ApiError>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = WhatsAppMessage)]
struct Message {
    from: String,
    id: String,
    timestamp: String,
    #[serde(rename = "type")]
    message_type: String,
    text: Option<Text>,
    context: Option<Context>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = WhatsAppContext)]
struct Context {
    id: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = WhatsAppText)]
struct Text {
    body: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = WhatsAppContact)]
struct Contact {
    wa_id: Option<String>,
    profile: Option<Profile>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = WhatsAppProfile)]
struct Profile {
    name: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = WhatsAppApiError)]
struct ApiError {
    code: i64,
    title: Option<String>,
    message: Option<String>,
    error_data: Option<ErrorData>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = WhatsAppErrorData)]
struct ErrorData {
    details: Option<String>,
}

impl From<ApiError> for SendError {
    fn from(e: ApiError) -> Self {
        Self {
            code: e.code,
            title: e.title.unwrap_or_else(|| format!("Error {}", e.code)),
            message: e.message,
            details: e.error_data.and_then(|d| d.details),
        }
    }
}

/// Unix seconds as Meta sends them (a string of digits).
fn unix_time(value: &str) -> Result<DateTime<Utc>, PayloadError> {
    value
        .parse::<i64>()
        .ok()
        .and_then(|s| DateTime::from_timestamp(s, 0))
        .ok_or_else(|| PayloadError::Shape(format!("timestamp `{value}` is not unix seconds")))
}

pub fn parse(body: &[u8]) -> Result<Vec<WaEvent>, PayloadError> {
    let notification: Notification = serde_json::from_slice(body).map_err(|e| {
        if e.is_data() {
            PayloadError::Shape(format!("expected a WhatsApp notification with `entry`: {e}"))
        } else {
            PayloadError::Json(e)
        }
    })?;
    let mut events = Vec::new();
    for change in notification.entry.into_iter().flat_map(|e| e.changes) {
        let value = change.value;
        let phone_number_id = value.metadata.and_then(|m| m.phone_number_id);
        for s in value.statuses {
            events.push(WaEvent::Status {
                timestamp: unix_time(&s.timestamp)?,
                wamid: s.id,
                status: s.status,
                recipient_id: s.recipient_id,
                phone_number_id: phone_number_id.clone(),
                errors: s.errors.into_iter().map(Into::into).collect(),
            });
        }
        for m in value.messages {
            let profile_name = value
                .contacts
                .iter()
                .find(|c| c.wa_id.as_deref() == Some(m.from.as_str()))
                .or(value.contacts.first())
                .and_then(|c| c.profile.as_ref()?.name.clone());
            events.push(WaEvent::Message {
                timestamp: unix_time(&m.timestamp)?,
                wamid: m.id,
                from: m.from,
                profile_name,
                message_type: m.message_type,
                text: m.text.map(|t| t.body),
                phone_number_id: phone_number_id.clone(),
                context_id: m.context.and_then(|c| c.id),
            });
        }
        if !value.errors.is_empty() {
            events.push(WaEvent::SystemError {
                phone_number_id: phone_number_id.clone(),
                errors: value.errors.into_iter().map(Into::into).collect(),
            });
        }
    }
    Ok(events)
}

#[cfg(test)]
#[path = "whatsapp_tests.rs"]
mod tests;

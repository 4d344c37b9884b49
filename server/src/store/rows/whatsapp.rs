//! Rows of WhatsApp messages, as both backends read them.

use app::protocol::{CollegeId, IncomingMessage, MessageStatus, OutgoingMessage, SendError};
use chrono::{DateTime, Utc};

pub(in crate::store) const OUTGOING_COLUMNS: &str = "id, college_id, to_number, template, wamid, status, created_at, sent_at, \
     delivered_at, read_at, failed_at, error_code, error_title, error_message, error_details, phone_number_id";
pub(in crate::store) const INCOMING_COLUMNS: &str = "id, college_id, from_number, profile_name, wamid, kind, text, received_at";

#[derive(sqlx::FromRow)]
pub(in crate::store) struct OutgoingRow {
    pub(in crate::store) id: i64,
    pub(in crate::store) college_id: CollegeId,
    pub(in crate::store) to_number: String,
    pub(in crate::store) template: Option<String>,
    pub(in crate::store) wamid: String,
    pub(in crate::store) status: MessageStatus,
    pub(in crate::store) created_at: DateTime<Utc>,
    pub(in crate::store) sent_at: Option<DateTime<Utc>>,
    pub(in crate::store) delivered_at: Option<DateTime<Utc>>,
    pub(in crate::store) read_at: Option<DateTime<Utc>>,
    pub(in crate::store) failed_at: Option<DateTime<Utc>>,
    pub(in crate::store) error_code: Option<i64>,
    pub(in crate::store) error_title: Option<String>,
    pub(in crate::store) error_message: Option<String>,
    pub(in crate::store) error_details: Option<String>,
    pub(in crate::store) phone_number_id: Option<String>,
}

impl From<OutgoingRow> for OutgoingMessage {
    fn from(r: OutgoingRow) -> Self {
        let error = r.error_code.map(|code| SendError {
            code,
            title: r.error_title.unwrap_or_default(),
            message: r.error_message,
            details: r.error_details,
        });
        Self {
            message_id: r.id,
            college_id: r.college_id,
            to: r.to_number,
            template: r.template,
            whatsapp_message_id: r.wamid,
            status: r.status,
            created_at: r.created_at,
            sent_at: r.sent_at,
            delivered_at: r.delivered_at,
            read_at: r.read_at,
            failed_at: r.failed_at,
            error,
            phone_number_id: r.phone_number_id,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(in crate::store) struct IncomingRow {
    pub(in crate::store) id: i64,
    pub(in crate::store) college_id: CollegeId,
    pub(in crate::store) from_number: String,
    pub(in crate::store) profile_name: Option<String>,
    pub(in crate::store) wamid: String,
    pub(in crate::store) kind: String,
    pub(in crate::store) text: Option<String>,
    pub(in crate::store) received_at: DateTime<Utc>,
}

impl From<IncomingRow> for IncomingMessage {
    fn from(r: IncomingRow) -> Self {
        Self {
            message_id: r.id,
            college_id: r.college_id,
            from: r.from_number,
            profile_name: r.profile_name,
            whatsapp_message_id: r.wamid,
            kind: r.kind,
            text: r.text,
            received_at: r.received_at,
        }
    }
}

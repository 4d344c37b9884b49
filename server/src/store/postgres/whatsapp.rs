//! [`WhatsAppStore`] on PostgreSQL: what pages read. Messages are written by
//! units of work ([`super::apply`]).

use super::PostgresStore;
use crate::store::*;
use app::protocol::{CollegeId, IncomingMessage, MessageStatus, OutgoingMessage, SendError};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

const OUTGOING_COLUMNS: &str = "id, college_id, to_number, template, wamid, status, created_at, sent_at, \
     delivered_at, read_at, failed_at, error_code, error_title, error_message, error_details, phone_number_id";
const INCOMING_COLUMNS: &str = "id, college_id, from_number, profile_name, wamid, kind, text, received_at";

#[derive(sqlx::FromRow)]
struct OutgoingRow {
    id: i64,
    college_id: CollegeId,
    to_number: String,
    template: Option<String>,
    wamid: String,
    status: MessageStatus,
    created_at: DateTime<Utc>,
    sent_at: Option<DateTime<Utc>>,
    delivered_at: Option<DateTime<Utc>>,
    read_at: Option<DateTime<Utc>>,
    failed_at: Option<DateTime<Utc>>,
    error_code: Option<i64>,
    error_title: Option<String>,
    error_message: Option<String>,
    error_details: Option<String>,
    phone_number_id: Option<String>,
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
struct IncomingRow {
    id: i64,
    college_id: CollegeId,
    from_number: String,
    profile_name: Option<String>,
    wamid: String,
    kind: String,
    text: Option<String>,
    received_at: DateTime<Utc>,
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

#[async_trait]
impl WhatsAppStore for PostgresStore {
    async fn outgoing_by_wamid(&self, wamid: &str) -> StoreResult<Option<OutgoingMessage>> {
        let sql = format!("SELECT {OUTGOING_COLUMNS} FROM whatsapp_messages WHERE wamid = $1");
        let row: Option<OutgoingRow> = sqlx::query_as(&sql).bind(wamid).fetch_optional(&self.pool).await?;
        Ok(row.map(Into::into))
    }

    async fn list_outgoing(&self, college: &CollegeId, limit: i64) -> StoreResult<Vec<OutgoingMessage>> {
        let sql = format!("SELECT {OUTGOING_COLUMNS} FROM whatsapp_messages WHERE college_id = $1 ORDER BY id DESC LIMIT $2");
        let rows: Vec<OutgoingRow> = sqlx::query_as(&sql).bind(college).bind(limit).fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn list_incoming(&self, college: &CollegeId, limit: i64) -> StoreResult<Vec<IncomingMessage>> {
        let sql = format!("SELECT {INCOMING_COLUMNS} FROM whatsapp_incoming WHERE college_id = $1 ORDER BY id DESC LIMIT $2");
        let rows: Vec<IncomingRow> = sqlx::query_as(&sql).bind(college).bind(limit).fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
}

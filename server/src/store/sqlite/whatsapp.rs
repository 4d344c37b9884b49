//! [`WhatsAppStore`] on SQLite.

use super::SqliteStore;
use crate::store::*;
use app::protocol::{CollegeId, IncomingMessage, MessageStatus, OutgoingMessage, SendError, TenantId};
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

/// The timestamp column a reported status fills.
fn time_column(status: MessageStatus) -> Option<&'static str> {
    match status {
        MessageStatus::Pending => None,
        MessageStatus::Sent => Some("sent_at"),
        MessageStatus::Delivered => Some("delivered_at"),
        MessageStatus::Read => Some("read_at"),
        MessageStatus::Failed => Some("failed_at"),
    }
}

#[async_trait]
impl WhatsAppStore for SqliteStore {
    async fn insert_outgoing(&self, m: &NewOutgoing) -> StoreResult<(OutgoingMessage, bool)> {
        let mut write = self.write().await?;
        let inserted = sqlx::query(
            "INSERT INTO whatsapp_messages (college_id, to_number, template, wamid, phone_number_id, status, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (wamid) DO NOTHING",
        )
        .bind(&m.college_id)
        .bind(&m.to)
        .bind(&m.template)
        .bind(&m.wamid)
        .bind(&m.phone_number_id)
        .bind(MessageStatus::Pending)
        .bind(m.created_at)
        .bind(m.created_at)
        .execute(&mut *write.conn)
        .await?
        .rows_affected()
            == 1;
        drop(write);
        let stored = self.outgoing_by_wamid(&m.wamid).await?.ok_or(sqlx::Error::RowNotFound)?;
        Ok((stored, inserted))
    }

    async fn outgoing_by_wamid(&self, wamid: &str) -> StoreResult<Option<OutgoingMessage>> {
        let sql = format!("SELECT {OUTGOING_COLUMNS} FROM whatsapp_messages WHERE wamid = ?");
        let row: Option<OutgoingRow> = sqlx::query_as(&sql).bind(wamid).fetch_optional(&self.pool).await?;
        Ok(row.map(Into::into))
    }

    async fn list_outgoing(&self, college: &CollegeId, limit: i64) -> StoreResult<Vec<OutgoingMessage>> {
        let sql = format!("SELECT {OUTGOING_COLUMNS} FROM whatsapp_messages WHERE college_id = ? ORDER BY id DESC LIMIT ?");
        let rows: Vec<OutgoingRow> = sqlx::query_as(&sql).bind(college).bind(limit).fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn apply_message_change(&self, c: &MessageChange) -> StoreResult<bool> {
        // The column name comes from a closed set above, never from input.
        let fill = time_column(c.reported).map(|col| format!(", {col} = COALESCE({col}, ?)")).unwrap_or_default();
        let sql = format!(
            "UPDATE whatsapp_messages SET status = ?, updated_at = ?{fill}, confirmed_at = ?, \
             phone_number_id = COALESCE(phone_number_id, ?), error_code = COALESCE(error_code, ?), error_title = COALESCE(error_title, ?), \
             error_message = COALESCE(error_message, ?), error_details = COALESCE(error_details, ?) \
             WHERE wamid = ? AND status = ?"
        );
        let mut query = sqlx::query(&sql).bind(c.to).bind(Utc::now());
        if !fill.is_empty() {
            query = query.bind(c.at);
        }
        query = query.bind(c.confirmed_at).bind(&c.phone_number_id);
        let error = c.error.as_ref();
        let result = query
            .bind(error.map(|e| e.code))
            .bind(error.map(|e| e.title.clone()))
            .bind(error.and_then(|e| e.message.clone()))
            .bind(error.and_then(|e| e.details.clone()))
            .bind(&c.wamid)
            .bind(c.from)
            .execute(&mut *self.derived_write().await?.conn)
            .await?;
        Ok(result.rows_affected() == 1)
    }

    async fn last_confirmed_college(
        &self,
        contact: &str,
        phone_number_id: &str,
        candidates: &[TenantId],
    ) -> StoreResult<Option<CollegeId>> {
        let rows: Vec<(CollegeId,)> = sqlx::query_as(
            "SELECT college_id FROM whatsapp_messages WHERE to_number = ? AND phone_number_id = ? \
             AND confirmed_at IS NOT NULL ORDER BY confirmed_at DESC, id DESC LIMIT 50",
        )
        .bind(contact)
        .bind(phone_number_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(c,)| c).find(|c| c.tenant().is_some_and(|t| candidates.contains(&t))))
    }

    async fn insert_incoming(&self, m: &NewIncoming) -> StoreResult<Option<IncomingMessage>> {
        let mut write = self.write().await?;
        let sql = format!(
            "INSERT INTO whatsapp_incoming (college_id, from_number, profile_name, wamid, kind, text, received_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (wamid) DO NOTHING RETURNING {INCOMING_COLUMNS}"
        );
        let row: Option<IncomingRow> = sqlx::query_as(&sql)
            .bind(&m.college_id)
            .bind(&m.from)
            .bind(&m.profile_name)
            .bind(&m.wamid)
            .bind(&m.kind)
            .bind(&m.text)
            .bind(m.received_at)
            .fetch_optional(&mut *write.conn)
            .await?;
        Ok(row.map(Into::into))
    }

    async fn list_incoming(&self, college: &CollegeId, limit: i64) -> StoreResult<Vec<IncomingMessage>> {
        let sql = format!("SELECT {INCOMING_COLUMNS} FROM whatsapp_incoming WHERE college_id = ? ORDER BY id DESC LIMIT ?");
        let rows: Vec<IncomingRow> = sqlx::query_as(&sql).bind(college).bind(limit).fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
}

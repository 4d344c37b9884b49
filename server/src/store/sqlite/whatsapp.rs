//! [`WhatsAppStore`] on SQLite: what pages read. Messages are written by
//! units of work ([`super::apply`]).

use super::SqliteStore;
use crate::store::rows::whatsapp::*;
use crate::store::*;
use app::protocol::{CollegeId, IncomingMessage, OutgoingMessage};
use async_trait::async_trait;

#[async_trait]
impl WhatsAppStore for SqliteStore {
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

    async fn list_incoming(&self, college: &CollegeId, limit: i64) -> StoreResult<Vec<IncomingMessage>> {
        let sql = format!("SELECT {INCOMING_COLUMNS} FROM whatsapp_incoming WHERE college_id = ? ORDER BY id DESC LIMIT ?");
        let rows: Vec<IncomingRow> = sqlx::query_as(&sql).bind(college).bind(limit).fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
}

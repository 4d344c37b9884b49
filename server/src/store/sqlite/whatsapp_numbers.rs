//! [`WhatsAppNumberStore`] on SQLite.

use super::SqliteStore;
use crate::store::rows::whatsapp_numbers::*;
use crate::store::*;
use app::protocol::{TenantId, WhatsAppNumber};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};

#[async_trait]
impl WhatsAppNumberStore for SqliteStore {
    async fn whatsapp_numbers(&self, tenant: TenantId) -> StoreResult<Vec<WhatsAppNumber>> {
        let sql = format!("SELECT {COLUMNS} FROM whatsapp_numbers WHERE tenant_id = ? ORDER BY from_environment DESC, id");
        let rows: Vec<Row> = sqlx::query_as(&sql).bind(tenant).fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn add_whatsapp_number(&self, tenant: TenantId, n: &NewNumber, at: DateTime<Utc>) -> StoreResult<Option<WhatsAppNumber>> {
        let mut write = self.write().await?;
        let sql = format!(
            "INSERT INTO whatsapp_numbers (tenant_id, phone_number_id, display_number, access_token, created_at) \
             VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant_id, phone_number_id) DO NOTHING RETURNING {COLUMNS}"
        );
        let row: Option<Row> = sqlx::query_as(&sql)
            .bind(tenant)
            .bind(&n.phone_number_id)
            .bind(&n.display_number)
            .bind(n.access_token.as_ref().map(|t| t.expose_secret().to_owned()))
            .bind(at)
            .fetch_optional(&mut *write.conn)
            .await?;
        Ok(row.map(Into::into))
    }

    async fn remove_whatsapp_number(&self, tenant: TenantId, id: i64) -> StoreResult<bool> {
        let mut write = self.write().await?;
        let done = sqlx::query("DELETE FROM whatsapp_numbers WHERE tenant_id = ? AND id = ? AND from_environment = 0")
            .bind(tenant)
            .bind(id)
            .execute(&mut *write.conn)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn sync_environment_number(&self, tenant: TenantId, number: Option<(&str, &str)>, at: DateTime<Utc>) -> StoreResult<()> {
        let mut write = self.write().await?;
        let mut tx = sqlx::Connection::begin(&mut *write.conn).await?;
        sqlx::query("DELETE FROM whatsapp_numbers WHERE from_environment = 1").execute(&mut *tx).await?;
        if let Some((phone_number_id, display)) = number {
            sqlx::query(
                "INSERT INTO whatsapp_numbers (tenant_id, phone_number_id, display_number, from_environment, created_at) \
                 VALUES (?, ?, ?, 1, ?) ON CONFLICT (tenant_id, phone_number_id) DO NOTHING",
            )
            .bind(tenant)
            .bind(phone_number_id)
            .bind(display)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        }
        Ok(tx.commit().await?)
    }

    async fn number_owners(&self, phone_number_id: &str) -> StoreResult<Vec<TenantId>> {
        let rows: Vec<(TenantId,)> =
            sqlx::query_as("SELECT DISTINCT tenant_id FROM whatsapp_numbers WHERE phone_number_id = ? ORDER BY tenant_id")
                .bind(phone_number_id)
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(|(t,)| t).collect())
    }

    async fn sending_number(&self, tenant: TenantId, phone_number_id: Option<&str>) -> StoreResult<Option<SendingNumber>> {
        let row: Option<(String, Option<String>)> = sqlx::query_as(
            "SELECT phone_number_id, access_token FROM whatsapp_numbers WHERE tenant_id = ?1 \
             AND (?2 IS NULL OR phone_number_id = ?2) ORDER BY from_environment DESC, id LIMIT 1",
        )
        .bind(tenant)
        .bind(phone_number_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(phone_number_id, token)| SendingNumber { phone_number_id, access_token: token.map(SecretString::from) }))
    }
}

//! [`WhatsAppNumberStore`] on PostgreSQL.

use super::PostgresStore;
use crate::store::rows::whatsapp_numbers::*;
use crate::store::*;
use app::protocol::{TenantId, WhatsAppNumber};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};

#[async_trait]
impl WhatsAppNumberStore for PostgresStore {
    async fn whatsapp_numbers(&self, tenant: TenantId) -> StoreResult<Vec<WhatsAppNumber>> {
        let sql = format!("SELECT {COLUMNS} FROM whatsapp_numbers WHERE tenant_id = $1 ORDER BY from_environment DESC, id");
        let rows: Vec<Row> = sqlx::query_as(&sql).bind(tenant).fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn add_whatsapp_number(&self, tenant: TenantId, n: &NewNumber, at: DateTime<Utc>) -> StoreResult<Option<WhatsAppNumber>> {
        let sql = format!(
            "INSERT INTO whatsapp_numbers (tenant_id, phone_number_id, display_number, access_token, created_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, phone_number_id) DO NOTHING RETURNING {COLUMNS}"
        );
        let row: Option<Row> = sqlx::query_as(&sql)
            .bind(tenant)
            .bind(&n.phone_number_id)
            .bind(&n.display_number)
            .bind(n.access_token.as_ref().map(|t| t.expose_secret().to_owned()))
            .bind(at)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(Into::into))
    }

    async fn remove_whatsapp_number(&self, tenant: TenantId, id: i64) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM whatsapp_numbers WHERE tenant_id = $1 AND id = $2 AND NOT from_environment")
            .bind(tenant)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn sync_environment_number(&self, tenant: TenantId, number: Option<(&str, &str)>, at: DateTime<Utc>) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        // Nodes starting at once take turns on the tenant's row, so the
        // later one's DELETE sees (and replaces) the number the earlier one
        // inserted. NO KEY UPDATE: inserts that reference the tenant do not
        // wait on it.
        sqlx::query("SELECT id FROM tenants WHERE id = $1 FOR NO KEY UPDATE").bind(tenant).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM whatsapp_numbers WHERE from_environment").execute(&mut *tx).await?;
        if let Some((phone_number_id, display)) = number {
            sqlx::query(
                "INSERT INTO whatsapp_numbers (tenant_id, phone_number_id, display_number, from_environment, created_at) \
                 VALUES ($1, $2, $3, TRUE, $4) ON CONFLICT (tenant_id, phone_number_id) DO NOTHING",
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
            sqlx::query_as("SELECT DISTINCT tenant_id FROM whatsapp_numbers WHERE phone_number_id = $1 ORDER BY tenant_id")
                .bind(phone_number_id)
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(|(t,)| t).collect())
    }

    async fn sending_number(&self, tenant: TenantId, phone_number_id: Option<&str>) -> StoreResult<Option<SendingNumber>> {
        let row: Option<(String, Option<String>)> = sqlx::query_as(
            "SELECT phone_number_id, access_token FROM whatsapp_numbers WHERE tenant_id = $1 \
             AND ($2::text IS NULL OR phone_number_id = $2) ORDER BY from_environment DESC, id LIMIT 1",
        )
        .bind(tenant)
        .bind(phone_number_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(phone_number_id, token)| SendingNumber { phone_number_id, access_token: token.map(SecretString::from) }))
    }
}

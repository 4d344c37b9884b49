//! [`RetentionStore`] on SQLite.

use super::SqliteStore;
use crate::store::*;
use app::protocol::DeliveryStatus;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// Rows changed per statement: each takes its own turn at the write lock.
const BATCH: i64 = 5_000;

impl SqliteStore {
    /// Runs `sql` (which takes the cutoff and [`BATCH`]) until it changes
    /// fewer than a batch; returns the rows changed.
    async fn in_batches(&self, sql: &str, before: DateTime<Utc>) -> StoreResult<u64> {
        let mut total = 0;
        loop {
            let mut write = self.write().await?;
            let done = sqlx::query(sql).bind(before).bind(BATCH).execute(&mut *write.conn).await?.rows_affected();
            total += done;
            if done < BATCH as u64 {
                return Ok(total);
            }
        }
    }
}

#[async_trait]
impl RetentionStore for SqliteStore {
    async fn purge(&self, before: &PurgeBefore) -> StoreResult<Purged> {
        let processed = DeliveryStatus::Processed.as_str();
        let bodies = format!(
            "UPDATE webhook_deliveries SET body = x'' WHERE id IN (SELECT id FROM webhook_deliveries \
             WHERE status = '{processed}' AND received_at < ?1 AND length(body) > 0 LIMIT ?2)"
        );
        Ok(Purged {
            webhook_bodies: self.in_batches(&bodies, before.webhook_bodies).await?,
            activity: self
                .in_batches(
                    "DELETE FROM activity_log WHERE id IN (SELECT id FROM activity_log WHERE created_at < ?1 LIMIT ?2)",
                    before.activity,
                )
                .await?,
            outbound_attempts: self
                .in_batches(
                    "DELETE FROM outbound_attempts WHERE id IN (SELECT id FROM outbound_attempts WHERE attempted_at < ?1 LIMIT ?2)",
                    before.outbound_attempts,
                )
                .await?,
            sessions: self
                .in_batches(
                    "DELETE FROM auth_sessions WHERE token_hash IN (SELECT token_hash FROM auth_sessions WHERE expires_at < ?1 LIMIT ?2)",
                    before.expired,
                )
                .await?,
            invitations: self
                .in_batches(
                    "DELETE FROM invitations WHERE token_hash IN (SELECT token_hash FROM invitations WHERE expires_at < ?1 LIMIT ?2)",
                    before.expired,
                )
                .await?,
        })
    }
}

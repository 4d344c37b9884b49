//! [`RetentionStore`] on PostgreSQL. Each batch locks its rows `FOR UPDATE SKIP LOCKED`, so nodes purging at
//! once share the rows between them rather than wait on each other or count a row twice.

use super::PostgresStore;
use crate::store::*;
use app::protocol::DeliveryStatus;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::PgPool;

/// Rows changed per statement: each is a short transaction of its own.
const BATCH: i64 = 5_000;

/// Runs `sql` (which takes the cutoff and [`BATCH`]) until it changes
/// fewer than a batch; returns the rows changed. A batch short because
/// another node holds some rows leaves those to that node.
async fn in_batches(pool: &PgPool, sql: &str, before: DateTime<Utc>) -> StoreResult<u64> {
    let mut total = 0;
    loop {
        let done = sqlx::query(sql).bind(before).bind(BATCH).execute(pool).await?.rows_affected();
        total += done;
        if done < BATCH as u64 {
            return Ok(total);
        }
    }
}

#[async_trait]
impl RetentionStore for PostgresStore {
    async fn purge(&self, before: &PurgeBefore) -> StoreResult<Purged> {
        let processed = DeliveryStatus::Processed.as_str();
        let bodies = format!(
            "UPDATE webhook_deliveries SET body = ''::bytea WHERE id IN (SELECT id FROM webhook_deliveries \
             WHERE status = '{processed}' AND received_at < $1 AND octet_length(body) > 0 LIMIT $2 FOR UPDATE SKIP LOCKED)"
        );
        Ok(Purged {
            webhook_bodies: in_batches(&self.pool, &bodies, before.webhook_bodies).await?,
            activity: in_batches(
                &self.pool,
                "DELETE FROM activity_log WHERE id IN \
                 (SELECT id FROM activity_log WHERE created_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)",
                before.activity,
            )
            .await?,
            outbound_attempts: in_batches(
                &self.pool,
                "DELETE FROM outbound_attempts WHERE id IN \
                 (SELECT id FROM outbound_attempts WHERE attempted_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)",
                before.outbound_attempts,
            )
            .await?,
            sessions: in_batches(
                &self.pool,
                "DELETE FROM auth_sessions WHERE token_hash IN \
                 (SELECT token_hash FROM auth_sessions WHERE expires_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)",
                before.expired,
            )
            .await?,
            invitations: in_batches(
                &self.pool,
                "DELETE FROM invitations WHERE token_hash IN \
                 (SELECT token_hash FROM invitations WHERE expires_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)",
                before.expired,
            )
            .await?,
        })
    }
}

//! [`DeliveryStore`] and [`ApplyStore`] on PostgreSQL. Deliveries are written (and units of work run) by the
//! writer; claims lock what they take `FOR UPDATE SKIP LOCKED`, so nodes never take the same delivery or wait on each other.

use super::PostgresStore;
use crate::events::{NewDelivery, Provider, StoredDelivery, RECONCILED_KEY_PATTERN};
use crate::store::*;
use app::protocol::DeliveryStatus;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{FromRow, Postgres, QueryBuilder};
use std::any::Any;
use std::sync::Arc;

const STORED: &str = "id, provider, topic, body, status, attempts";

/// A delivery `lease` may take: not leased, its lease ran out, or leased
/// by an earlier run of the same node (which died: it would have let go).
fn free<'a>(query: &mut QueryBuilder<'a, Postgres>, lease: &'a Lease, now: DateTime<Utc>) {
    query.push("(lease_until IS NULL OR lease_until <= ").push_bind(now);
    if let Some(node) = lease.node() {
        query.push(" OR (starts_with(lease_owner, ").push_bind(node).push(")");
        query.push(" AND lease_owner <> ").push_bind(&*lease.owner).push(")");
    }
    query.push(")");
}

#[async_trait]
impl DeliveryStore for PostgresStore {
    fn write_stats(&self) -> WriteStats {
        self.write_stats.clone()
    }

    async fn record_deliveries(&self, deliveries: &[NewDelivery], lease: &Lease) -> StoreResult<Vec<Recorded>> {
        self.intake.record(deliveries.to_vec(), lease.clone()).await
    }

    async fn claim_due(&self, providers: &[Provider], now: DateTime<Utc>, lease: &Lease, limit: i64) -> StoreResult<Vec<StoredDelivery>> {
        let mut claimed = Vec::new();
        // One provider at a time, each a range of the partial index of
        // pending deliveries by provider, in id order. A row another node
        // is claiming (or a unit is applying) is skipped, not waited for;
        // one it claimed meanwhile fails the recheck of `free`.
        for provider in providers {
            let mut update = QueryBuilder::<Postgres>::new("UPDATE webhook_deliveries SET lease_owner = ");
            update.push_bind(&*lease.owner).push(", lease_until = ").push_bind(lease.until);
            // `status` as a literal: a generic plan uses a partial index
            // only for a query that names its condition.
            update.push(format!(" WHERE id IN (SELECT id FROM webhook_deliveries WHERE status = '{}'", DeliveryStatus::Pending.as_str()));
            update.push(" AND provider = ").push_bind(*provider);
            update.push(" AND (next_attempt_at IS NULL OR next_attempt_at <= ").push_bind(now).push(") AND ");
            free(&mut update, lease, now);
            update.push(" ORDER BY id LIMIT ").push_bind(limit);
            update.push(format!(" FOR UPDATE SKIP LOCKED) RETURNING {STORED}"));
            claimed.extend(update.build_query_as::<StoredDelivery>().fetch_all(&self.pool).await?);
        }
        claimed.sort_by_key(|d| d.id);
        Ok(claimed)
    }

    async fn claim(&self, ids: &[i64], lease: &Lease) -> StoreResult<Vec<StoredDelivery>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let now = Utc::now();
        let mut update = QueryBuilder::<Postgres>::new("UPDATE webhook_deliveries SET lease_owner = ");
        update.push_bind(&*lease.owner).push(", lease_until = ").push_bind(lease.until);
        update.push(" WHERE id IN (SELECT id FROM webhook_deliveries WHERE id = ANY(").push_bind(ids).push(")");
        update.push(format!(" AND status = '{}' AND ", DeliveryStatus::Pending.as_str()));
        free(&mut update, lease, now);
        update.push(format!(" FOR UPDATE SKIP LOCKED) RETURNING {STORED}"));
        let mut claimed = update.build_query_as::<StoredDelivery>().fetch_all(&self.pool).await?;
        claimed.sort_by_key(|d| d.id);
        Ok(claimed)
    }

    async fn delay_delivery(&self, id: i64, owner: &str, error: &str, retry_at: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query(
            "UPDATE webhook_deliveries SET attempts = attempts + 1, last_error = $1, next_attempt_at = $2, \
             lease_owner = NULL, lease_until = NULL WHERE id = $3 AND lease_owner = $4",
        )
        .bind(error)
        .bind(retry_at)
        .bind(id)
        .bind(owner)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn pending_count(&self) -> StoreResult<i64> {
        // The status as a literal, so the partial index of pending
        // deliveries is what is counted.
        let sql = format!("SELECT COUNT(*) FROM webhook_deliveries WHERE status = '{}'", DeliveryStatus::Pending.as_str());
        Ok(sqlx::query_scalar(&sql).fetch_one(&self.pool).await?)
    }

    async fn delivery_stats(&self, now: DateTime<Utc>) -> StoreResult<DeliveryStats> {
        let (total, processed, pending, unmatched, last24h, reconciled): (i64, i64, i64, i64, i64, i64) = sqlx::query_as(
            "SELECT COUNT(*), \
             COUNT(*) FILTER (WHERE status = $1), COUNT(*) FILTER (WHERE status = $2), \
             COUNT(*) FILTER (WHERE status = $3), COUNT(*) FILTER (WHERE received_at >= $4), \
             COUNT(*) FILTER (WHERE delivery_key LIKE $5) \
             FROM webhook_deliveries",
        )
        .bind(DeliveryStatus::Processed)
        .bind(DeliveryStatus::Pending)
        .bind(DeliveryStatus::Unmatched)
        .bind(now - chrono::Duration::hours(24))
        .bind(RECONCILED_KEY_PATTERN)
        .fetch_one(&self.pool)
        .await?;
        // Topics in byte order, as SQLite sorts them.
        let by_topic = sqlx::query_as::<_, (String, i64)>(
            "SELECT topic, COUNT(*) FROM webhook_deliveries GROUP BY topic ORDER BY COUNT(*) DESC, topic COLLATE \"C\"",
        )
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|(topic, count)| TopicCount { topic, count })
        .collect();
        let (legacy_guesses,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM connection_sessions WHERE matched_by = $1")
            .bind(MatchRule::LegacyGuess)
            .fetch_one(&self.pool)
            .await?;
        Ok(DeliveryStats { total, processed, pending, unmatched, last24h, by_topic, legacy_guesses, reconciled })
    }

    async fn list_deliveries(&self, filter: &DeliveryFilter) -> StoreResult<Vec<DeliverySummary>> {
        Ok(sqlx::query_as(
            "SELECT id, provider, topic, status, attempts, last_error, session_id, received_at, processed_at, \
             delivery_key LIKE $4 AS reconciled FROM webhook_deliveries \
             WHERE ($1::text IS NULL OR topic = $1 OR topic LIKE $1 || '.%') AND ($2::text IS NULL OR status = $2) \
             ORDER BY id DESC LIMIT $3",
        )
        .bind(&filter.topic)
        .bind(filter.status)
        .bind(filter.limit)
        .bind(RECONCILED_KEY_PATTERN)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn delivery_timeline(&self, since: DateTime<Utc>) -> StoreResult<Vec<MinuteCounts>> {
        let rows: Vec<(DateTime<Utc>, i64, i64, i64)> = sqlx::query_as(
            "SELECT date_trunc('minute', received_at) AS minute, COUNT(*), COUNT(*) FILTER (WHERE status = $2), \
             COUNT(*) FILTER (WHERE last_error IS NOT NULL) \
             FROM webhook_deliveries WHERE received_at >= $1 GROUP BY minute ORDER BY minute",
        )
        .bind(since)
        .bind(DeliveryStatus::Processed)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(minute, received, applied, failed)| MinuteCounts { minute, received, applied, failed }).collect())
    }

    async fn delivery(&self, id: i64) -> StoreResult<Option<(DeliverySummary, Vec<u8>)>> {
        let row = sqlx::query(
            "SELECT id, provider, topic, status, attempts, last_error, session_id, received_at, processed_at, \
             delivery_key LIKE $2 AS reconciled, body FROM webhook_deliveries WHERE id = $1",
        )
        .bind(id)
        .bind(RECONCILED_KEY_PATTERN)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            Some(row) => Some((DeliverySummary::from_row(&row)?, sqlx::Row::try_get(&row, "body")?)),
            None => None,
        })
    }

    async fn replay_deliveries(&self, ids: &[i64]) -> StoreResult<Vec<(i64, Provider)>> {
        let mut replayed: Vec<(i64, Provider)> = sqlx::query_as(
            "UPDATE webhook_deliveries SET status = $1, next_attempt_at = NULL, last_error = NULL, lease_owner = NULL, \
             lease_until = NULL WHERE status IN ($2, $3) AND length(body) > 0 AND id = ANY($4) RETURNING id, provider",
        )
        .bind(DeliveryStatus::Pending)
        .bind(DeliveryStatus::Processed)
        .bind(DeliveryStatus::Unmatched)
        .bind(ids)
        .fetch_all(&self.pool)
        .await?;
        replayed.sort_by_key(|(id, _)| *id);
        Ok(replayed)
    }
}

#[async_trait]
impl ApplyStore for PostgresStore {
    async fn apply(&self, owner: Arc<str>, units: Vec<Unit>) -> StoreResult<Vec<Done>> {
        self.writer.apply(owner, units).await
    }

    async fn run_boxed(&self, work: Work<Box<dyn Any + Send>>) -> anyhow::Result<(Box<dyn Any + Send>, Vec<OutboxEntry>)> {
        self.writer.run(work).await
    }

    async fn take_unpublished(&self, before: DateTime<Utc>, limit: i64) -> StoreResult<Vec<OutboxEntry>> {
        // Skipping rows another node is taking: each entry goes to one.
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "UPDATE outbox SET published_at = $1 WHERE id IN \
             (SELECT id FROM outbox WHERE published_at IS NULL AND created_at < $2 ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED) \
             RETURNING id, change",
        )
        .bind(Utc::now())
        .bind(before)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        outbox_entries(rows)
    }

    async fn mark_published(&self, ids: &[i64]) -> StoreResult<()> {
        if ids.is_empty() {
            return Ok(());
        }
        // Another node's catch-up may have published them already: the
        // first mark stands.
        sqlx::query("UPDATE outbox SET published_at = $1 WHERE id = ANY($2) AND published_at IS NULL")
            .bind(Utc::now())
            .bind(ids)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

//! [`DeliveryStore`] and [`ApplyStore`] on SQLite. Deliveries are written
//! (and units of work run) by the writer thread; claims take the write
//! lock's turn like every other writer.

use super::SqliteStore;
use crate::events::{NewDelivery, Provider, StoredDelivery, RECONCILED_KEY_PATTERN};
use crate::store::*;
use app::protocol::DeliveryStatus;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{FromRow, QueryBuilder, Sqlite};
use std::any::Any;
use std::sync::Arc;

const STORED: &str = "id, provider, topic, body, status, attempts";

/// A delivery `lease` may take: not leased, its lease ran out, or leased
/// by an earlier run of the same node (which died: it would have let go).
fn free<'a>(query: &mut QueryBuilder<'a, Sqlite>, lease: &'a Lease, now: DateTime<Utc>) {
    query.push("(lease_until IS NULL OR lease_until <= ").push_bind(now);
    if let Some(node) = lease.node() {
        query.push(" OR (substr(lease_owner, 1, length(").push_bind(node).push(")) = ").push_bind(node);
        query.push(" AND lease_owner <> ").push_bind(&*lease.owner).push(")");
    }
    query.push(")");
}

#[async_trait]
impl DeliveryStore for SqliteStore {
    fn write_stats(&self) -> WriteStats {
        self.write_stats.clone()
    }

    async fn record_deliveries(&self, deliveries: &[NewDelivery], lease: &Lease) -> StoreResult<Vec<Recorded>> {
        self.writer.record(deliveries.to_vec(), lease.clone()).await
    }

    async fn claim_due(&self, providers: &[Provider], now: DateTime<Utc>, lease: &Lease, limit: i64) -> StoreResult<Vec<StoredDelivery>> {
        let mut claimed = Vec::new();
        let mut write = self.write().await?;
        // One provider at a time, each a range of the index of pending
        // deliveries by provider, in id order.
        for provider in providers {
            let mut update = QueryBuilder::<Sqlite>::new("UPDATE webhook_deliveries SET lease_owner = ");
            update.push_bind(&*lease.owner).push(", lease_until = ").push_bind(lease.until);
            // `status` as a literal: SQLite uses a partial index only for a
            // query that names its condition.
            update.push(format!(" WHERE id IN (SELECT id FROM webhook_deliveries WHERE status = '{}'", DeliveryStatus::Pending.as_str()));
            update.push(" AND provider = ").push_bind(*provider);
            update.push(" AND (next_attempt_at IS NULL OR next_attempt_at <= ").push_bind(now).push(") AND ");
            free(&mut update, lease, now);
            update.push(" ORDER BY id LIMIT ").push_bind(limit);
            update.push(format!(") RETURNING {STORED}"));
            claimed.extend(update.build_query_as::<StoredDelivery>().fetch_all(&mut *write.conn).await?);
        }
        claimed.sort_by_key(|d| d.id);
        Ok(claimed)
    }

    async fn claim(&self, ids: &[i64], lease: &Lease) -> StoreResult<Vec<StoredDelivery>> {
        let now = Utc::now();
        let mut claimed = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let mut update = QueryBuilder::<Sqlite>::new("UPDATE webhook_deliveries SET lease_owner = ");
            update.push_bind(&*lease.owner).push(", lease_until = ").push_bind(lease.until);
            update.push(" WHERE status = ").push_bind(DeliveryStatus::Pending).push(" AND ");
            free(&mut update, lease, now);
            update.push(" AND id IN (");
            let mut list = update.separated(", ");
            for id in chunk {
                list.push_bind(*id);
            }
            update.push(format!(") RETURNING {STORED}"));
            let mut write = self.write().await?;
            claimed.extend(update.build_query_as::<StoredDelivery>().fetch_all(&mut *write.conn).await?);
        }
        claimed.sort_by_key(|d| d.id);
        Ok(claimed)
    }

    async fn delay_delivery(&self, id: i64, owner: &str, error: &str, retry_at: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query(
            "UPDATE webhook_deliveries SET attempts = attempts + 1, last_error = ?1, next_attempt_at = ?2, \
             lease_owner = NULL, lease_until = NULL WHERE id = ?3 AND lease_owner = ?4",
        )
        .bind(error)
        .bind(retry_at)
        .bind(id)
        .bind(owner)
        .execute(&mut *self.derived_write().await?.conn)
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
             COALESCE(SUM(status = ?), 0), COALESCE(SUM(status = ?), 0), \
             COALESCE(SUM(status = ?), 0), COALESCE(SUM(received_at >= ?), 0), \
             COALESCE(SUM(delivery_key LIKE ?), 0) \
             FROM webhook_deliveries",
        )
        .bind(DeliveryStatus::Processed)
        .bind(DeliveryStatus::Pending)
        .bind(DeliveryStatus::Unmatched)
        .bind(now - chrono::Duration::hours(24))
        .bind(RECONCILED_KEY_PATTERN)
        .fetch_one(&self.pool)
        .await?;
        let by_topic = sqlx::query_as::<_, (String, i64)>(
            "SELECT topic, COUNT(*) FROM webhook_deliveries GROUP BY topic ORDER BY COUNT(*) DESC, topic",
        )
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|(topic, count)| TopicCount { topic, count })
        .collect();
        let (legacy_guesses,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM connection_sessions WHERE matched_by = ?")
            .bind(MatchRule::LegacyGuess)
            .fetch_one(&self.pool)
            .await?;
        Ok(DeliveryStats { total, processed, pending, unmatched, last24h, by_topic, legacy_guesses, reconciled })
    }

    async fn list_deliveries(&self, filter: &DeliveryFilter) -> StoreResult<Vec<DeliverySummary>> {
        Ok(sqlx::query_as(
            "SELECT id, provider, topic, status, attempts, last_error, session_id, received_at, processed_at, \
             delivery_key LIKE ?4 AS reconciled FROM webhook_deliveries \
             WHERE (?1 IS NULL OR topic = ?1 OR topic LIKE ?1 || '.%') AND (?2 IS NULL OR status = ?2) \
             ORDER BY id DESC LIMIT ?3",
        )
        .bind(&filter.topic)
        .bind(filter.status)
        .bind(filter.limit)
        .bind(RECONCILED_KEY_PATTERN)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn delivery_timeline(&self, since: DateTime<Utc>) -> StoreResult<Vec<MinuteCounts>> {
        let rows: Vec<(String, i64, i64, i64)> = sqlx::query_as(
            "SELECT strftime('%Y-%m-%dT%H:%M:00Z', received_at) AS minute, COUNT(*), \
             COALESCE(SUM(status = ?2), 0), COALESCE(SUM(last_error IS NOT NULL), 0) \
             FROM webhook_deliveries WHERE received_at >= ?1 GROUP BY minute ORDER BY minute",
        )
        .bind(since)
        .bind(DeliveryStatus::Processed)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(minute, received, applied, failed)| {
                Some(MinuteCounts { minute: minute.parse().ok()?, received, applied, failed })
            })
            .collect())
    }

    async fn delivery(&self, id: i64) -> StoreResult<Option<(DeliverySummary, Vec<u8>)>> {
        let row = sqlx::query(
            "SELECT id, provider, topic, status, attempts, last_error, session_id, received_at, processed_at, \
             delivery_key LIKE ?2 AS reconciled, body FROM webhook_deliveries WHERE id = ?1",
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
        let mut replayed = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let mut update = QueryBuilder::<Sqlite>::new("UPDATE webhook_deliveries SET status = ");
            update.push_bind(DeliveryStatus::Pending);
            update.push(", next_attempt_at = NULL, last_error = NULL, lease_owner = NULL, lease_until = NULL WHERE status IN (");
            update.push_bind(DeliveryStatus::Processed).push(", ").push_bind(DeliveryStatus::Unmatched);
            update.push(") AND length(body) > 0 AND id IN (");
            let mut list = update.separated(", ");
            for id in chunk {
                list.push_bind(*id);
            }
            update.push(") RETURNING id, provider");
            let mut write = self.write().await?;
            replayed.extend(update.build_query_as::<(i64, Provider)>().fetch_all(&mut *write.conn).await?);
        }
        replayed.sort_by_key(|(id, _)| *id);
        Ok(replayed)
    }
}

#[async_trait]
impl ApplyStore for SqliteStore {
    async fn apply(&self, owner: Arc<str>, units: Vec<Unit>) -> StoreResult<Vec<Done>> {
        self.writer.apply(owner, units).await
    }

    async fn run_boxed(&self, work: Work<Box<dyn Any + Send>>) -> anyhow::Result<(Box<dyn Any + Send>, Vec<OutboxEntry>)> {
        self.writer.run(work).await
    }

    async fn take_unpublished(&self, before: DateTime<Utc>, limit: i64) -> StoreResult<Vec<OutboxEntry>> {
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "UPDATE outbox SET published_at = ?1 WHERE id IN \
             (SELECT id FROM outbox WHERE published_at IS NULL AND created_at < ?2 ORDER BY id LIMIT ?3) RETURNING id, change",
        )
        .bind(Utc::now())
        .bind(before)
        .bind(limit)
        .fetch_all(&mut *self.derived_write().await?.conn)
        .await?;
        outbox_entries(rows)
    }

    async fn mark_published(&self, ids: &[i64]) -> StoreResult<()> {
        let now = Utc::now();
        for chunk in ids.chunks(500) {
            let mut update = QueryBuilder::<Sqlite>::new("UPDATE outbox SET published_at = ");
            update.push_bind(now).push(" WHERE id IN (");
            let mut list = update.separated(", ");
            for id in chunk {
                list.push_bind(*id);
            }
            update.push(")");
            update.build().execute(&mut *self.derived_write().await?.conn).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::events::{NewDelivery, Provider};
    use crate::store::*;
    use app::protocol::DeliveryStatus;
    use chrono::{Duration, Utc};

    fn lease(owner: &str, secs: i64) -> Lease {
        Lease { owner: owner.into(), until: Utc::now() + Duration::seconds(secs) }
    }

    /// A leased delivery is its node's: no claim takes it until the lease
    /// runs out, and only its holder's unit marks it.
    #[tokio::test]
    async fn leases_keep_a_delivery_to_one_node_until_they_run_out() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::connect(&format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display())).await.unwrap();
        let recorded = store.record_deliveries(&[NewDelivery::sample("a"), NewDelivery::sample("b")], &lease("node-a", 30)).await.unwrap();
        let ids: Vec<i64> = recorded
            .iter()
            .map(|r| match r {
                Recorded::New(id) => *id,
                other => panic!("{other:?}"),
            })
            .collect();
        let providers = [Provider::Tenant];
        assert!(store.claim_due(&providers, Utc::now(), &lease("node-b", 30), 10).await.unwrap().is_empty(), "leased to node a");
        assert!(store.claim(&ids, &lease("node-b", 30)).await.unwrap().is_empty());

        // Node b's unit for a delivery it does not hold changes nothing.
        let unit = |id| Unit { delivery: id, work: None };
        let done = store.apply("node-b".into(), vec![unit(ids[0])]).await.unwrap();
        assert!(matches!(done[..], [Done::Lost]), "{done:?}");
        let done = store.apply("node-a".into(), vec![unit(ids[0])]).await.unwrap();
        assert!(matches!(done[..], [Done::Applied { .. }]), "{done:?}");
        let again = store.apply("node-a".into(), vec![unit(ids[0])]).await.unwrap();
        assert!(matches!(again[..], [Done::Lost]), "an applied delivery is not applied twice");

        // Once node a's lease on the other runs out, node b may claim it.
        let later = Utc::now() + Duration::seconds(31);
        let claimed =
            store.claim_due(&providers, later, &Lease { owner: "node-b".into(), until: later + Duration::seconds(30) }, 10).await.unwrap();
        assert_eq!(claimed.iter().map(|d| d.id).collect::<Vec<_>>(), ids[1..]);
        store.delay_delivery(ids[1], "node-b", "boom", Utc::now()).await.unwrap();
        let listed = store.list_deliveries(&DeliveryFilter { topic: None, status: None, limit: 10 }).await.unwrap();
        let first = listed.iter().find(|d| d.id == ids[0]).unwrap();
        assert_eq!((first.status, first.attempts), (DeliveryStatus::Processed, 1));
        let second = listed.iter().find(|d| d.id == ids[1]).unwrap();
        assert_eq!((second.status, second.attempts, second.last_error.as_deref()), (DeliveryStatus::Pending, 1, Some("boom")));
    }
}

//! [`DeliveryStore`] on SQLite.

use super::SqliteStore;
use crate::store::*;
use app::protocol::{DeliveryStatus, SessionId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{QueryBuilder, Sqlite};

#[async_trait]
impl DeliveryStore for SqliteStore {
    async fn record_delivery(&self, d: &NewDelivery) -> StoreResult<Recorded> {
        let mut recorded = self.writer.record(vec![d.clone()]).await?;
        recorded.pop().ok_or(sqlx::Error::RowNotFound)
    }

    async fn record_deliveries(&self, deliveries: &[NewDelivery]) -> StoreResult<Vec<Recorded>> {
        self.writer.record(deliveries.to_vec()).await
    }

    async fn requeue_unmatched(&self, provider: &str, key_prefix: &str) -> StoreResult<Vec<i64>> {
        let mut write = self.write().await?;
        let rows: Vec<(i64,)> = sqlx::query_as(
            "UPDATE webhook_deliveries SET status = ?1, next_attempt_at = NULL \
             WHERE provider = ?2 AND status = ?3 AND substr(delivery_key, 1, length(?4)) = ?4 RETURNING id",
        )
        .bind(DeliveryStatus::Pending)
        .bind(provider)
        .bind(DeliveryStatus::Unmatched)
        .bind(key_prefix)
        .fetch_all(&mut *write.conn)
        .await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    async fn pending_deliveries(&self, ids: &[i64]) -> StoreResult<Vec<StoredDelivery>> {
        let mut found = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let mut select = QueryBuilder::<Sqlite>::new(
                "SELECT id, provider, topic, body, status, attempts FROM webhook_deliveries WHERE status = ",
            );
            select.push_bind(DeliveryStatus::Pending).push(" AND id IN (");
            let mut list = select.separated(", ");
            for id in chunk {
                list.push_bind(*id);
            }
            select.push(") ORDER BY id");
            found.extend(select.build_query_as::<StoredDelivery>().fetch_all(&self.pool).await?);
        }
        found.sort_by_key(|d| d.id);
        Ok(found)
    }

    async fn due_deliveries(&self, now: DateTime<Utc>, limit: i64) -> StoreResult<Vec<i64>> {
        // Taking a fresh delivery (see FRESH_GRACE) would apply it twice at once.
        let rows: Vec<(i64,)> = sqlx::query_as(
            "SELECT id FROM webhook_deliveries WHERE status = ? \
             AND (next_attempt_at <= ? OR (next_attempt_at IS NULL AND received_at <= ?)) ORDER BY id LIMIT ?",
        )
        .bind(DeliveryStatus::Pending)
        .bind(now)
        .bind(now - FRESH_GRACE)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    async fn finish_delivery(
        &self,
        id: i64,
        status: DeliveryStatus,
        session: Option<&SessionId>,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.finish_deliveries(&[Finished { id, status, session: session.cloned() }], at).await
    }

    async fn finish_deliveries(&self, finished: &[Finished], at: DateTime<Utc>) -> StoreResult<()> {
        self.writer.finish(finished.to_vec(), at).await
    }

    async fn delay_delivery(&self, id: i64, error: &str, retry_at: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query(
            "UPDATE webhook_deliveries SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?",
        )
        .bind(error)
        .bind(retry_at)
        .bind(id)
        .execute(&mut *self.derived_write().await?.conn)
        .await?;
        Ok(())
    }

    async fn delivery_stats(&self, now: DateTime<Utc>) -> StoreResult<DeliveryStats> {
        let (total, processed, pending, unmatched, last24h): (i64, i64, i64, i64, i64) = sqlx::query_as(
            "SELECT COUNT(*), \
             COALESCE(SUM(status = ?), 0), COALESCE(SUM(status = ?), 0), \
             COALESCE(SUM(status = ?), 0), COALESCE(SUM(received_at >= ?), 0) \
             FROM webhook_deliveries",
        )
        .bind(DeliveryStatus::Processed)
        .bind(DeliveryStatus::Pending)
        .bind(DeliveryStatus::Unmatched)
        .bind(now - chrono::Duration::hours(24))
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
        Ok(DeliveryStats { total, processed, pending, unmatched, last24h, by_topic, legacy_guesses })
    }

    async fn list_deliveries(&self, filter: &DeliveryFilter) -> StoreResult<Vec<DeliverySummary>> {
        sqlx::query_as(
            "SELECT id, provider, topic, status, attempts, last_error, session_id, received_at, processed_at \
             FROM webhook_deliveries \
             WHERE (?1 IS NULL OR topic = ?1 OR topic LIKE ?1 || '.%') AND (?2 IS NULL OR status = ?2) \
             ORDER BY id DESC LIMIT ?3",
        )
        .bind(&filter.topic)
        .bind(filter.status)
        .bind(filter.limit)
        .fetch_all(&self.pool)
        .await
    }
}

#[cfg(test)]
mod tests {
    use crate::store::*;
    use app::protocol::{DeliveryStatus, SessionId};
    use chrono::{Duration, Utc};

    /// The delivery writer writes with its own connection; what it writes
    /// must read back through sqlx, and compare in SQL, as sqlx's own
    /// writes do.
    #[tokio::test]
    async fn deliveries_and_outcomes_from_the_writer_read_back_and_compare_through_sqlx() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::connect(&format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display())).await.unwrap();
        let new = |key: &str, age: Duration| NewDelivery {
            provider: "test",
            delivery_key: key.into(),
            topic: "t".into(),
            body: b"{}".to_vec(),
            received_at: Utc::now() - age,
        };
        let old = Duration::seconds(5);
        let ids: Vec<i64> = store
            .record_deliveries(&[new("a", old), new("b", old), new("c", old), new("young", Duration::zero())])
            .await
            .unwrap()
            .into_iter()
            .map(|r| match r {
                Recorded::New(id) => id,
                other => panic!("{other:?}"),
            })
            .collect();
        let due = store.due_deliveries(Utc::now(), 10).await.unwrap();
        assert_eq!(due, ids[..3], "the old ones are due; the young one is within its grace");

        let session = SessionId::new("s-1");
        let done = |id, status, session: Option<&SessionId>| Finished { id, status, session: session.cloned() };
        // Outcomes and a new delivery queued together share a transaction.
        let at = Utc::now();
        let outcomes = [done(ids[0], DeliveryStatus::Processed, Some(&session)), done(ids[1], DeliveryStatus::Unmatched, None)];
        let young = new("d", Duration::zero());
        let (finished, recorded) = tokio::join!(store.finish_deliveries(&outcomes, at), store.record_delivery(&young));
        finished.unwrap();
        assert!(matches!(recorded.unwrap(), Recorded::New(_)));

        assert_eq!(store.pending_deliveries(&ids).await.unwrap().iter().map(|d| d.id).collect::<Vec<_>>(), ids[2..]);
        let listed = store.list_deliveries(&DeliveryFilter { topic: None, status: None, limit: 10 }).await.unwrap();
        let of = |id: i64| listed.iter().find(|d| d.id == id).expect("listed");
        let first = of(ids[0]);
        assert_eq!((first.status, first.attempts, first.session_id.as_ref()), (DeliveryStatus::Processed, 1, Some(&session)));
        assert_eq!(first.processed_at.map(|t| t.timestamp_micros()), Some(at.timestamp_micros()));
        assert!((first.received_at - (at - old)).num_seconds().abs() <= 1);
        assert_eq!((of(ids[1]).status, of(ids[1]).session_id.as_ref()), (DeliveryStatus::Unmatched, None));
        assert_eq!((of(ids[2]).status, of(ids[2]).attempts), (DeliveryStatus::Pending, 0));
    }
}

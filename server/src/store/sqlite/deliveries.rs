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
        // One UPDATE per (outcome, session) group: every statement is a
        // round trip to SQLite's thread, so a batch of plain outcomes costs
        // one.
        let mut groups: Vec<((DeliveryStatus, Option<&SessionId>), Vec<i64>)> = Vec::new();
        for f in finished {
            let key = (f.status, f.session.as_ref());
            match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, ids)) => ids.push(f.id),
                None => groups.push((key, vec![f.id])),
            }
        }
        let mut write = self.derived_write().await?;
        let mut statements: Vec<_> = groups
            .iter()
            .flat_map(|((status, session), ids)| ids.chunks(500).map(move |chunk| mark(*status, *session, at, chunk)))
            .collect();
        // One statement is a transaction of its own: the usual batch (every
        // delivery with the same outcome) needs no BEGIN and COMMIT.
        if let [only] = &mut statements[..] {
            only.build().execute(&mut *write.conn).await?;
            return Ok(());
        }
        let mut tx = sqlx::Connection::begin(&mut *write.conn).await?;
        for statement in &mut statements {
            statement.build().execute(&mut *tx).await?;
        }
        tx.commit().await
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

/// Marks `ids` as done with `status`.
fn mark<'a>(status: DeliveryStatus, session: Option<&'a SessionId>, at: DateTime<Utc>, ids: &[i64]) -> QueryBuilder<'a, Sqlite> {
    let mut update = QueryBuilder::<Sqlite>::new("UPDATE webhook_deliveries SET status = ");
    update.push_bind(status).push(", session_id = ").push_bind(session).push(", processed_at = ").push_bind(at);
    update.push(", attempts = attempts + 1, last_error = NULL, next_attempt_at = NULL WHERE id IN (");
    let mut list = update.separated(", ");
    for id in ids {
        list.push_bind(*id);
    }
    update.push(")");
    update
}

#[cfg(test)]
mod tests {
    use crate::store::*;
    use app::protocol::DeliveryStatus;
    use chrono::Utc;

    #[tokio::test]
    async fn outcomes_are_recorded_alike_in_one_statement_or_in_several() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::connect(&format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display())).await.unwrap();
        let new = |key: &str| NewDelivery {
            provider: "test",
            delivery_key: key.into(),
            topic: "t".into(),
            body: b"{}".to_vec(),
            received_at: Utc::now(),
        };
        let ids: Vec<i64> = store
            .record_deliveries(&[new("a"), new("b"), new("c")])
            .await
            .unwrap()
            .into_iter()
            .map(|r| match r {
                Recorded::New(id) => id,
                other => panic!("{other:?}"),
            })
            .collect();
        let done = |id, status| Finished { id, status, session: None };
        store.finish_deliveries(&[done(ids[0], DeliveryStatus::Processed)], Utc::now()).await.unwrap();
        let two_outcomes = [done(ids[1], DeliveryStatus::Processed), done(ids[2], DeliveryStatus::Unmatched)];
        store.finish_deliveries(&two_outcomes, Utc::now()).await.unwrap();
        assert!(store.pending_deliveries(&ids).await.unwrap().is_empty(), "none is pending any more");
        let listed = store.list_deliveries(&DeliveryFilter { topic: None, status: None, limit: 10 }).await.unwrap();
        let status_of = |id: i64| listed.iter().find(|d| d.id == id).map(|d| (d.status, d.attempts));
        assert_eq!(status_of(ids[0]), Some((DeliveryStatus::Processed, 1)));
        assert_eq!(status_of(ids[1]), Some((DeliveryStatus::Processed, 1)));
        assert_eq!(status_of(ids[2]), Some((DeliveryStatus::Unmatched, 1)));
    }
}

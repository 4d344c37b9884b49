//! The embedded store: one SQLite file in WAL mode with `synchronous=FULL`,
//! so a committed delivery is on disk before the webhook is acknowledged.

use super::*;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use std::str::FromStr;
use std::time::Duration;

const SESSION_COLUMNS: &str = "session_id, status, connection_id, their_label, their_did, invitation_url, \
     out_of_band_id, request_type, created_at, updated_at, expires_at, invitation_id";

pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        if let Some(dir) = options.get_filename().parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let pool = SqlitePoolOptions::new().max_connections(4).connect_with(options).await?;
        sqlx::migrate!("../migrations/sqlite").run(&pool).await?;
        Ok(Self { pool })
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn insert_session(&self, s: &NewSession) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO connection_sessions (session_id, status, request_type, invitation_url, out_of_band_id, \
             invitation_id, created_at, updated_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&s.session_id)
        .bind(ConnectionStatus::Invitation)
        .bind(s.request_type)
        .bind(&s.invitation_url)
        .bind(&s.out_of_band_id)
        .bind(&s.invitation_id)
        .bind(s.created_at)
        .bind(s.created_at)
        .bind(s.expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn session(&self, id: &SessionId) -> StoreResult<Option<SessionView>> {
        let sql = format!("SELECT {SESSION_COLUMNS} FROM connection_sessions WHERE session_id = ?");
        sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await
    }

    async fn session_by_connection(&self, id: &ConnectionId) -> StoreResult<Option<SessionRecord>> {
        let sql = format!("SELECT {SESSION_COLUMNS} FROM connection_sessions WHERE connection_id = ?");
        sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await
    }

    async fn sessions_by_invitation(&self, ids: &[String]) -> StoreResult<Vec<SessionRecord>> {
        let mut found = Vec::new();
        for id in ids {
            let sql = format!(
                "SELECT {SESSION_COLUMNS} FROM connection_sessions WHERE out_of_band_id = ?1 OR invitation_id = ?1 \
                 ORDER BY created_at DESC LIMIT 50"
            );
            let rows: Vec<SessionRecord> = sqlx::query_as(&sql).bind(id).fetch_all(&self.pool).await?;
            for row in rows {
                if !found.iter().any(|f: &SessionRecord| f.view.session_id == row.view.session_id) {
                    found.push(row);
                }
            }
        }
        Ok(found)
    }

    async fn newest_waiting_session(&self) -> StoreResult<Option<SessionRecord>> {
        let sql = format!(
            "SELECT {SESSION_COLUMNS} FROM connection_sessions WHERE status = ? AND connection_id IS NULL \
             ORDER BY created_at DESC LIMIT 1"
        );
        sqlx::query_as(&sql).bind(ConnectionStatus::Invitation).fetch_optional(&self.pool).await
    }

    async fn apply_status(&self, c: &StatusChange) -> StoreResult<bool> {
        let result = sqlx::query(
            "UPDATE connection_sessions SET status = ?, updated_at = ?, \
             connection_id = COALESCE(connection_id, ?), their_label = COALESCE(?, their_label), \
             their_did = COALESCE(?, their_did), matched_by = COALESCE(matched_by, ?) \
             WHERE session_id = ? AND status = ?",
        )
        .bind(c.to)
        .bind(c.at)
        .bind(&c.connection_id)
        .bind(&c.their_label)
        .bind(&c.their_did)
        .bind(c.matched_by)
        .bind(&c.session_id)
        .bind(c.from)
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    async fn abandon_expired(&self, now: DateTime<Utc>) -> StoreResult<Vec<SessionView>> {
        let sql = format!(
            "UPDATE connection_sessions SET status = ?1, updated_at = ?2 \
             WHERE status = ?3 AND expires_at <= ?2 RETURNING {SESSION_COLUMNS}"
        );
        let rows: Vec<SessionRecord> = sqlx::query_as(&sql)
            .bind(ConnectionStatus::Abandoned)
            .bind(now)
            .bind(ConnectionStatus::Invitation)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(|r| r.view).collect())
    }

    async fn record_delivery(&self, d: &NewDelivery) -> StoreResult<Recorded> {
        let inserted: Option<(i64,)> = sqlx::query_as(
            "INSERT INTO webhook_deliveries (provider, delivery_key, topic, body, status, received_at) \
             VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (provider, delivery_key) DO NOTHING RETURNING id",
        )
        .bind(d.provider)
        .bind(&d.delivery_key)
        .bind(&d.topic)
        .bind(&d.body)
        .bind(DeliveryStatus::Pending)
        .bind(d.received_at)
        .fetch_optional(&self.pool)
        .await?;
        if let Some((id,)) = inserted {
            return Ok(Recorded::New(id));
        }
        let (id,): (i64,) = sqlx::query_as("SELECT id FROM webhook_deliveries WHERE provider = ? AND delivery_key = ?")
            .bind(d.provider)
            .bind(&d.delivery_key)
            .fetch_one(&self.pool)
            .await?;
        Ok(Recorded::Duplicate(id))
    }

    async fn delivery(&self, id: i64) -> StoreResult<Option<StoredDelivery>> {
        sqlx::query_as("SELECT id, provider, topic, body, status, attempts FROM webhook_deliveries WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
    }

    async fn due_deliveries(&self, now: DateTime<Utc>, limit: i64) -> StoreResult<Vec<i64>> {
        let rows: Vec<(i64,)> = sqlx::query_as(
            "SELECT id FROM webhook_deliveries WHERE status = ? AND (next_attempt_at IS NULL OR next_attempt_at <= ?) \
             ORDER BY id LIMIT ?",
        )
        .bind(DeliveryStatus::Pending)
        .bind(now)
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
        sqlx::query(
            "UPDATE webhook_deliveries SET status = ?, session_id = ?, processed_at = ?, attempts = attempts + 1, \
             last_error = NULL, next_attempt_at = NULL WHERE id = ?",
        )
        .bind(status)
        .bind(session)
        .bind(at)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn delay_delivery(&self, id: i64, error: &str, retry_at: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query(
            "UPDATE webhook_deliveries SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?",
        )
        .bind(error)
        .bind(retry_at)
        .bind(id)
        .execute(&self.pool)
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

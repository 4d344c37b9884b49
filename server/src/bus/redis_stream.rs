//! The bus across nodes: a Redis stream. Every node appends its changes
//! (`XADD`, trimmed to about [`KEEP`] entries) and reads every node's,
//! its own included, from where it last read (`XREAD BLOCK`), into the
//! local broadcast its hub reads. The store stays the source of truth:
//! Redis carries only the fan-out.
//!
//! Reading from the last id read, a node whose connection drops for a
//! while gets what was appended meanwhile once it is back. When the stream
//! no longer holds what it missed (trimmed, or Redis restarted empty), it
//! reports a gap: its hub closes every socket, and pages resynchronise.

use super::{Bus, Change};
use anyhow::Context;
use async_trait::async_trait;
use redis::aio::ConnectionManager;
use redis::streams::{StreamMaxlen, StreamReadOptions, StreamReadReply};
use redis::AsyncCommands;
use std::time::Duration;
use tokio::sync::{broadcast, watch};

const STREAM: &str = "tidings:changes";
/// Entries the stream keeps (about: Redis trims in whole blocks).
const KEEP: usize = 100_000;
/// Events a slow hub may fall behind by before it must resynchronise.
const CAPACITY: usize = 4096;
/// Entries read at once, and how long a read waits for one.
const BATCH: usize = 512;
const BLOCK: Duration = Duration::from_secs(5);
/// Pause before reconnecting after an error.
const RETRY: Duration = Duration::from_millis(500);

pub struct RedisBus {
    writer: ConnectionManager,
    local: broadcast::Sender<Change>,
    gaps: watch::Receiver<u64>,
    /// The reader's link: `None` while it follows the stream, else why not.
    down: watch::Receiver<Option<String>>,
}

impl RedisBus {
    /// Connects to `url` and starts reading the stream from its end.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        let client = redis::Client::open(url).context("REDIS_URL")?;
        let writer = ConnectionManager::new(client.clone()).await.context("connecting to Redis")?;
        let local = broadcast::channel(CAPACITY).0;
        let (gap_tx, gaps) = watch::channel(0);
        let (down_tx, down) = watch::channel(None);
        // Start after what is there now: earlier changes are in the store.
        let mut conn = client.get_multiplexed_async_connection().await.context("connecting to Redis")?;
        let (last, server_run) = (last_id(&mut conn).await?, run_id(&mut conn).await?);
        let reader = Reader { client, local: local.clone(), gaps: gap_tx, down: down_tx, last, server_run };
        tokio::spawn(reader.run());
        Ok(Self { writer, local, gaps, down })
    }
}

#[async_trait]
impl Bus for RedisBus {
    async fn publish(&self, change: &Change) -> anyhow::Result<()> {
        let body = serde_json::to_string(change)?;
        let mut conn = self.writer.clone();
        let _: String = conn.xadd_maxlen(STREAM, StreamMaxlen::Approx(KEEP), "*", &[("c", body)]).await?;
        Ok(())
    }

    fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.local.subscribe()
    }

    fn gaps(&self) -> watch::Receiver<u64> {
        self.gaps.clone()
    }

    fn link(&self) -> Result<(), String> {
        self.down.borrow().clone().map_or(Ok(()), Err)
    }
}

/// The id of the stream's newest entry (`0-0` when it is empty).
async fn last_id(conn: &mut redis::aio::MultiplexedConnection) -> anyhow::Result<String> {
    let newest: redis::streams::StreamRangeReply = conn.xrevrange_count(STREAM, "+", "-", 1).await?;
    Ok(newest.ids.first().map_or_else(|| "0-0".to_owned(), |e| e.id.clone()))
}

struct Reader {
    client: redis::Client,
    local: broadcast::Sender<Change>,
    gaps: watch::Sender<u64>,
    down: watch::Sender<Option<String>>,
    /// The last entry read.
    last: String,
    /// The Redis server's run id (a restarted one may have lost entries).
    server_run: String,
}

impl Reader {
    async fn run(mut self) {
        loop {
            if let Err(err) = self.follow().await {
                tracing::warn!(error = %err, "lost the Redis bus; reconnecting");
                self.down.send_replace(Some(format!("Redis: {err}")));
                tokio::time::sleep(RETRY).await;
            }
        }
    }

    /// Reads until the connection fails.
    async fn follow(&mut self) -> anyhow::Result<()> {
        let mut conn = self.client.get_multiplexed_async_connection_with_config(&config()).await?;
        if self.missed_some(&mut conn).await? {
            tracing::warn!("the Redis stream no longer holds what this node missed; pages resynchronise");
            self.gaps.send_modify(|n| *n += 1);
            self.last = last_id(&mut conn).await?;
        }
        let options = StreamReadOptions::default().count(BATCH).block(BLOCK.as_millis() as usize);
        self.down.send_replace(None);
        loop {
            let reply: StreamReadReply = conn.xread_options(&[STREAM], &[self.last.as_str()], &options).await?;
            for entry in reply.keys.into_iter().flat_map(|k| k.ids) {
                match entry.get::<String>("c").map(|body| serde_json::from_str::<Change>(&body)) {
                    Some(Ok(change)) => {
                        let _ = self.local.send(change);
                    }
                    _ => tracing::warn!(id = %entry.id, "skipping an unreadable entry of the Redis bus"),
                }
                self.last = entry.id;
            }
        }
    }

    /// Whether entries after the last one read may be gone: Redis
    /// restarted (it may have lost what it held), or the oldest entry the
    /// stream holds is newer than the one after the last read.
    async fn missed_some(&mut self, conn: &mut redis::aio::MultiplexedConnection) -> anyhow::Result<bool> {
        let run = run_id(conn).await?;
        if run != self.server_run {
            self.server_run = run;
            return Ok(true);
        }
        let oldest: redis::streams::StreamRangeReply = conn.xrange_count(STREAM, "-", "+", 1).await?;
        Ok(oldest.ids.first().is_some_and(|oldest| id_after(&self.last).is_some_and(|next| later(&oldest.id, &next))))
    }
}

/// The `run_id` Redis gives itself at each start.
async fn run_id(conn: &mut redis::aio::MultiplexedConnection) -> anyhow::Result<String> {
    let info: String = redis::cmd("INFO").arg("server").query_async(conn).await?;
    info.lines().find_map(|l| l.strip_prefix("run_id:")).map(|id| id.trim().to_owned()).context("Redis reported no run_id")
}

/// A read waits up to [`BLOCK`]: the connection's own timeout must outlast it.
fn config() -> redis::AsyncConnectionConfig {
    redis::AsyncConnectionConfig::new().set_response_timeout(Some(BLOCK * 2)).set_connection_timeout(Some(Duration::from_secs(5)))
}

/// Stream ids are `milliseconds-sequence`.
fn parse(id: &str) -> Option<(u64, u64)> {
    let (ms, seq) = id.split_once('-')?;
    Some((ms.parse().ok()?, seq.parse().ok()?))
}

/// The smallest id after `id`.
fn id_after(id: &str) -> Option<String> {
    let (ms, seq) = parse(id)?;
    Some(format!("{ms}-{}", seq + 1))
}

/// Whether stream id `a` comes after `b`.
fn later(a: &str, b: &str) -> bool {
    matches!((parse(a), parse(b)), (Some(a), Some(b)) if a > b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_stream_ids_by_time_then_sequence() {
        assert!(later("1700000000001-0", "1700000000000-9"));
        assert!(later("1700000000000-10", "1700000000000-9"));
        assert!(!later("1700000000000-1", "1700000000000-1"));
        assert_eq!(id_after("5-9").as_deref(), Some("5-10"));
        assert_eq!(id_after("not an id"), None);
    }
}

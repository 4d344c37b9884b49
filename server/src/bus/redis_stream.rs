//! The bus across nodes: a Redis stream. Every node appends its changes
//! (`XADD`, trimmed to about [`KEEP`] entries) and reads every node's,
//! its own included, from where it last read (`XREAD BLOCK`), into the
//! local broadcast its hub reads. The store stays the source of truth:
//! Redis carries only the fan-out.
//!
//! Each entry carries a sequence number given out in the same script that
//! appends it, so every node sees the same numbers in the same order; with
//! the Redis run as the epoch, pages resume by offset on any node.
//!
//! Reading from the last id read, a node whose connection drops for a
//! while gets what was appended meanwhile once it is back. When the stream
//! no longer holds what it missed (trimmed, or Redis restarted empty), it
//! reports a gap: its hub closes every socket, and pages resynchronise.

use super::{Bus, Change, Delivered, Place};
use anyhow::Context;
use app::protocol::Epoch;
use async_trait::async_trait;
use redis::aio::ConnectionManager;
use redis::streams::{StreamReadOptions, StreamReadReply};
use redis::AsyncCommands;
use std::time::Duration;
use tokio::sync::{broadcast, watch};

const STREAM: &str = "tidings:changes";
/// The last sequence number given out.
const SEQUENCE: &str = "tidings:changes:seq";
/// Numbers and appends in one step (a script runs alone), so the numbers
/// follow the stream's order.
const APPEND: &str = "local n = redis.call('INCR', KEYS[2]) \
    redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'n', n, 'o', ARGV[3], 'c', ARGV[1]) return n";
/// Outbox entries remembered, to drop a repeat of one (its relay died
/// between publishing it and marking it, and another relay published it
/// again): more than are published while a relay waits to take one over.
const REMEMBERED: usize = 50_000;
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
    local: broadcast::Sender<Delivered>,
    gaps: watch::Receiver<u64>,
    /// The reader's link: `None` while it follows the stream, else why not.
    down: watch::Receiver<Option<String>>,
    joined: Place,
    /// The first subscriber's receiver, made before the reader started,
    /// so the hub misses nothing after `joined`.
    first: std::sync::Mutex<Option<broadcast::Receiver<Delivered>>>,
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
        // The newest entry and its number, together (no append between).
        let (newest, seq): (redis::streams::StreamRangeReply, Option<u64>) =
            redis::pipe().atomic().xrevrange_count(STREAM, "+", "-", 1).get(SEQUENCE).query_async(&mut conn).await?;
        let last = newest.ids.first().map_or_else(|| "0-0".to_owned(), |e| e.id.clone());
        let server_run = run_id(&mut conn).await?;
        let joined = Place { epoch: epoch(&server_run), seq: seq.unwrap_or(0) };
        let first = std::sync::Mutex::new(Some(local.subscribe()));
        let reader = Reader {
            client,
            local: local.clone(),
            gaps: gap_tx,
            down: down_tx,
            last,
            server_run,
            seen: Default::default(),
            seen_order: Default::default(),
        };
        tokio::spawn(reader.run());
        Ok(Self { writer, local, gaps, down, joined, first })
    }
}

#[async_trait]
impl Bus for RedisBus {
    async fn publish(&self, change: &Change, outbox: Option<i64>) -> anyhow::Result<()> {
        let body = serde_json::to_string(change)?;
        let outbox = outbox.map(|id| id.to_string()).unwrap_or_default();
        let mut conn = self.writer.clone();
        let _: u64 =
            redis::cmd("EVAL").arg(APPEND).arg(2).arg(STREAM).arg(SEQUENCE).arg(body).arg(KEEP).arg(outbox).query_async(&mut conn).await?;
        Ok(())
    }

    fn subscribe(&self) -> broadcast::Receiver<Delivered> {
        self.first.lock().expect("bus lock").take().unwrap_or_else(|| self.local.subscribe())
    }

    fn gaps(&self) -> watch::Receiver<u64> {
        self.gaps.clone()
    }

    fn link(&self) -> Result<(), String> {
        self.down.borrow().clone().map_or(Ok(()), Err)
    }

    fn joined_at(&self) -> Option<Place> {
        Some(self.joined)
    }
}

/// The id of the stream's newest entry (`0-0` when it is empty).
async fn last_id(conn: &mut redis::aio::MultiplexedConnection) -> anyhow::Result<String> {
    let newest: redis::streams::StreamRangeReply = conn.xrevrange_count(STREAM, "+", "-", 1).await?;
    Ok(newest.ids.first().map_or_else(|| "0-0".to_owned(), |e| e.id.clone()))
}

struct Reader {
    client: redis::Client,
    local: broadcast::Sender<Delivered>,
    gaps: watch::Sender<u64>,
    down: watch::Sender<Option<String>>,
    /// The last entry read.
    last: String,
    /// The Redis server's run id (a restarted one may have lost entries).
    server_run: String,
    /// The outbox entries read lately, oldest first, to drop repeats.
    seen: std::collections::HashSet<i64>,
    seen_order: std::collections::VecDeque<i64>,
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
                let seq = entry.get::<u64>("n");
                let outbox = entry.get::<String>("o").and_then(|o| o.parse::<i64>().ok());
                match entry.get::<String>("c").map(|body| serde_json::from_str::<Change>(&body)) {
                    Some(Ok(_)) if outbox.is_some_and(|id| !self.first_time(id)) => {
                        tracing::debug!(id = %entry.id, "dropping a change published twice");
                    }
                    Some(Ok(change)) => {
                        let place = seq.map(|seq| Place { epoch: epoch(&self.server_run), seq });
                        let _ = self.local.send(Delivered { change, place });
                    }
                    _ => tracing::warn!(id = %entry.id, "skipping an unreadable entry of the Redis bus"),
                }
                self.last = entry.id;
            }
        }
    }

    /// Notes outbox entry `id`; `false` if it was read before.
    fn first_time(&mut self, id: i64) -> bool {
        if !self.seen.insert(id) {
            return false;
        }
        self.seen_order.push_back(id);
        if self.seen_order.len() > REMEMBERED {
            if let Some(old) = self.seen_order.pop_front() {
                self.seen.remove(&old);
            }
        }
        true
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

/// The epoch of a Redis run: its numbers mean nothing after a restart.
fn epoch(server_run: &str) -> Epoch {
    let digits = server_run.get(..16).unwrap_or(server_run);
    Epoch(u64::from_str_radix(digits, 16).unwrap_or_else(|_| digits.bytes().fold(0, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)))))
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

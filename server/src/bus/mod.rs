//! The bus carries changes from the worker (through its outbox) and the API
//! to every node's hub. In-process on one node ([`MemoryBus`]); a Redis
//! stream across nodes ([`RedisBus`], with `REDIS_URL`). Every backend ends
//! in a local broadcast channel, which is what the hub reads.

mod memory;
mod redis_stream;

pub use memory::MemoryBus;
pub use redis_stream::RedisBus;

use crate::events::Change;
use app::protocol::Epoch;
use async_trait::async_trait;
use std::sync::Arc;
use tokio::sync::{broadcast, watch};

/// A change as the bus hands it to the hub.
#[derive(Clone, Debug)]
pub struct Delivered {
    pub change: Change,
    /// Its place in an order every node shares (a bus across nodes): the
    /// hub numbers its frames by it, so a page may resume on any node.
    /// `None`: this node's own order (the hub numbers frames itself).
    pub place: Option<Place>,
}

/// Where a change stands in the shared order: its sequence number, in
/// the epoch of the bus (a bus that lost its order starts a new one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Place {
    pub epoch: Epoch,
    pub seq: u64,
}

#[async_trait]
pub trait Bus: Send + Sync + 'static {
    /// Sends `change` to every node's hub, this one included. An error
    /// means it may not have reached them: the caller keeps it to try again.
    /// `outbox`: its outbox entry, whose repeats (published again by a
    /// relay that could not tell it had been) a hub may drop.
    async fn publish(&self, change: &Change, outbox: Option<i64>) -> anyhow::Result<()>;
    /// A receiver of every change published after this call.
    fn subscribe(&self) -> broadcast::Receiver<Delivered>;
    /// Counts the times this node may have missed changes (its link to the
    /// other nodes was down longer than they are kept): the hub then has
    /// every page resynchronise.
    fn gaps(&self) -> watch::Receiver<u64>;
    /// Whether this node is linked to the other nodes now (why not, if not).
    fn link(&self) -> Result<(), String>;
    /// Where this node joined an order every node shares (the last change
    /// before it began reading), so its hub numbers frames from there;
    /// `None`: the bus has no shared order.
    fn joined_at(&self) -> Option<Place> {
        None
    }
}

/// The bus `redis_url` names, or the in-process one.
pub async fn connect(redis_url: Option<&str>) -> anyhow::Result<Arc<dyn Bus>> {
    Ok(match redis_url {
        Some(url) => Arc::new(RedisBus::connect(url).await?),
        None => Arc::new(MemoryBus::default()),
    })
}

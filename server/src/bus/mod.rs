//! The bus carries changes from the worker (through its outbox) and the API
//! to every node's hub. In-process on one node ([`MemoryBus`]); a Redis
//! stream across nodes ([`RedisBus`], with `REDIS_URL`). Every backend ends
//! in a local broadcast channel, which is what the hub reads.

mod memory;
mod redis_stream;

pub use memory::MemoryBus;
pub use redis_stream::RedisBus;

use crate::events::Change;
use async_trait::async_trait;
use std::sync::Arc;
use tokio::sync::{broadcast, watch};

#[async_trait]
pub trait Bus: Send + Sync + 'static {
    /// Sends `change` to every node's hub, this one included. An error
    /// means it may not have reached them: the caller keeps it to try again.
    async fn publish(&self, change: &Change) -> anyhow::Result<()>;
    /// A receiver of every change published after this call.
    fn subscribe(&self) -> broadcast::Receiver<Change>;
    /// Counts the times this node may have missed changes (its link to the
    /// other nodes was down longer than they are kept): the hub then has
    /// every page resynchronise.
    fn gaps(&self) -> watch::Receiver<u64>;
    /// Whether this node is linked to the other nodes now (why not, if not).
    fn link(&self) -> Result<(), String>;
}

/// The bus `redis_url` names, or the in-process one.
pub async fn connect(redis_url: Option<&str>) -> anyhow::Result<Arc<dyn Bus>> {
    Ok(match redis_url {
        Some(url) => Arc::new(RedisBus::connect(url).await?),
        None => Arc::new(MemoryBus::default()),
    })
}

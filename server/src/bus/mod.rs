//! The bus carries changes from the worker (through its outbox) and the API
//! to every node's hub. In-process here; every backend ends in a local
//! broadcast channel, which is what the hub reads.

mod memory;

pub use memory::MemoryBus;

use crate::events::Change;
use async_trait::async_trait;
use tokio::sync::broadcast;

#[async_trait]
pub trait Bus: Send + Sync + 'static {
    /// Sends `change` to every node's hub, this one included.
    async fn publish(&self, change: Change) -> anyhow::Result<()>;
    /// A receiver of every change published after this call.
    fn subscribe(&self) -> broadcast::Receiver<Change>;
}

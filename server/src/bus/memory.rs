//! The in-process bus: a tokio broadcast channel. Enough for one node.

use super::{Bus, Change, Delivered};
use async_trait::async_trait;
use tokio::sync::{broadcast, watch};

/// Events a slow hub may fall behind by before it must resynchronise.
const CAPACITY: usize = 4096;

pub struct MemoryBus {
    sender: broadcast::Sender<Delivered>,
    /// Never changes: nothing is between the nodes' hubs.
    gaps: watch::Sender<u64>,
}

impl Default for MemoryBus {
    fn default() -> Self {
        Self { sender: broadcast::channel(CAPACITY).0, gaps: watch::channel(0).0 }
    }
}

#[async_trait]
impl Bus for MemoryBus {
    async fn publish(&self, event: &Change, _outbox: Option<i64>) -> anyhow::Result<()> {
        // No receiver means no hub is running (tests, shutdown): nothing to do.
        let _ = self.sender.send(Delivered { change: event.clone(), place: None });
        Ok(())
    }

    fn subscribe(&self) -> broadcast::Receiver<Delivered> {
        self.sender.subscribe()
    }

    fn gaps(&self) -> watch::Receiver<u64> {
        self.gaps.subscribe()
    }

    fn link(&self) -> Result<(), String> {
        Ok(())
    }
}

//! Marks that the delivery log moved: a delivery was stored (intake's
//! hand-off, [`super::Wake::fresh`]) or changed status (after each batch
//! the worker applies). `process::log_feed` takes the marks and tells
//! operators' delivery-log pages, a burst at a time.

use std::sync::Arc;
use tokio::sync::Notify;

/// Cheap to clone. Marks made while nobody waits are kept as one (a
/// [`Notify`] holds at most one permit), so a burst is taken at once.
#[derive(Clone, Default)]
pub struct LogFeed(Arc<Notify>);

impl LogFeed {
    /// Records that deliveries were stored or changed status.
    pub fn mark(&self) {
        self.0.notify_one();
    }

    /// Waits for a mark and takes it, with every mark made meanwhile.
    pub async fn moved(&self) {
        self.0.notified().await;
    }
}

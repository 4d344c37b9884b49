//! Marks that the delivery log moved: a delivery was stored (intake's
//! hand-off, [`super::Wake::fresh`]) or changed status (after each batch
//! the worker applies). `process::log_feed` takes the marks and tells
//! operators' delivery-log pages, a burst at a time.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::sync::Notify;

/// Cheap to clone: a mark costs an atomic swap, and a wake-up only for the
/// first mark since the last was taken.
#[derive(Clone, Default)]
pub struct LogFeed(Arc<Shared>);

#[derive(Default)]
struct Shared {
    moved: AtomicBool,
    notify: Notify,
}

impl LogFeed {
    /// Records that deliveries were stored or changed status.
    pub fn mark(&self) {
        if !self.0.moved.swap(true, Ordering::AcqRel) {
            self.0.notify.notify_one();
        }
    }

    /// Waits for a mark and takes it, with every mark made meanwhile.
    pub async fn moved(&self) {
        loop {
            self.0.notify.notified().await;
            if self.0.moved.swap(false, Ordering::AcqRel) {
                return;
            }
        }
    }
}

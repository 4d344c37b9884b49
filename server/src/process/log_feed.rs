//! Tells operators' delivery-log pages that the log moved: intake marks it
//! for each delivery it stores, the worker after each batch it applies
//! (applied, failed or unmatched), and [`run`] publishes one [`Change::DeliveryLogMoved`]
//! on the bus at once, then at most one per [`WINDOW`] while marks keep
//! coming. Every node's hub passes it to its log pages, which read the log
//! again; a burst of 10,000 webhooks costs each page a few reads, not
//! 10,000 frames.

use crate::bus::Bus;
use crate::events::{Change, LogFeed};
use std::sync::Arc;
use std::time::Duration;

/// The longest a page waits for a move after the first of a burst.
pub const WINDOW: Duration = Duration::from_millis(250);

/// Publishes the marks of `feed`, coalesced, until the bus goes away.
pub async fn run(feed: LogFeed, bus: Arc<dyn Bus>) {
    loop {
        feed.moved().await;
        // Not kept in an outbox: a move lost with a node is made good by
        // the next one, and a page that reconnects reads the log anyway.
        if let Err(err) = bus.publish(&Change::DeliveryLogMoved, None).await {
            tracing::debug!(error = %err, "could not tell delivery-log pages of new deliveries");
        }
        tokio::time::sleep(WINDOW).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bus::MemoryBus;

    // On tokio's paused clock: the window passes without waiting it out.
    #[tokio::test(start_paused = true)]
    async fn a_burst_of_marks_is_published_once_at_once_then_once_per_window() {
        let bus: Arc<dyn Bus> = Arc::new(MemoryBus::default());
        let mut heard = bus.subscribe();
        let feed = LogFeed::default();
        tokio::spawn(run(feed.clone(), bus.clone()));
        // Before the first publish, so at least the window before the second.
        let first = tokio::time::Instant::now();
        for _ in 0..1000 {
            feed.mark();
        }
        assert_eq!(heard.recv().await.unwrap().change, Change::DeliveryLogMoved);
        // Marks within the window wait for its end, and are one publish.
        feed.mark();
        feed.mark();
        assert_eq!(heard.recv().await.unwrap().change, Change::DeliveryLogMoved);
        assert!(first.elapsed() >= WINDOW, "published again {:?} after the first marks", first.elapsed());
        // Nothing more without a mark.
        assert!(tokio::time::timeout(WINDOW * 2, heard.recv()).await.is_err());
    }
}

//! Intake's hand-off to the worker: one queue per [`Lane`]. A delivery
//! intake has just stored is handed over whole, with intake's parse of it
//! and the lease its insert took, so the lane applies it without reading it
//! back. A lost wake-up loses nothing: the lane's scan claims the delivery
//! once its lease runs out.

use super::tenant::Produced;
use super::{Lane, LogFeed, NewDelivery, Parsed, StoredDelivery};
use app::protocol::DeliveryStatus;
use tokio::sync::{mpsc, oneshot};

/// What wakes a lane. (Claims are rare: boxing the fresh delivery would
/// cost every webhook an allocation to save memory in an idle queue.)
#[allow(clippy::large_enum_variant)]
pub enum Wakeup {
    /// A delivery just stored, leased to this node by its insert.
    Fresh {
        delivery: StoredDelivery,
        parsed: Parsed,
        /// Told what a tenant event produced, for the webhook's answer.
        reply: Option<oneshot::Sender<Produced>>,
    },
    /// Deliveries that may have become applicable (unmatched ones whose
    /// subject has just appeared): the lane claims and applies them.
    Claim(Vec<i64>),
}

/// Intake's side: wakes the lane that applies a new delivery, and marks the
/// delivery log as moved.
#[derive(Clone)]
pub struct Wake {
    lanes: [mpsc::UnboundedSender<Wakeup>; 3],
    log: LogFeed,
}

/// The worker's side, one receiver per lane, in [`Lane::ALL`]'s order.
pub type Woken = [mpsc::UnboundedReceiver<Wakeup>; 3];

impl Wake {
    /// Hands the lane of `delivery` the delivery just stored as `id`, and
    /// what intake parsed it to.
    pub fn fresh(&self, id: i64, delivery: NewDelivery, parsed: Parsed, reply: Option<oneshot::Sender<Produced>>) {
        let lane = delivery.provider.lane();
        let NewDelivery { provider, topic, body, .. } = delivery;
        let delivery = StoredDelivery { id, provider, topic, body, status: DeliveryStatus::Pending, attempts: 0 };
        let _ = self.lanes[lane as usize].send(Wakeup::Fresh { delivery, parsed, reply });
        // Stored: the log shows it pending even if nothing applies it yet.
        self.log.mark();
    }

    /// The delivery log's marks, which the worker marks too.
    pub fn log(&self) -> LogFeed {
        self.log.clone()
    }

    /// Asks `lane` to claim and apply `ids`.
    pub fn claim(&self, lane: Lane, ids: Vec<i64>) {
        if !ids.is_empty() {
            let _ = self.lanes[lane as usize].send(Wakeup::Claim(ids));
        }
    }
}

pub fn channels() -> (Wake, Woken) {
    let (connect, connect_rx) = mpsc::unbounded_channel();
    let (whatsapp, whatsapp_rx) = mpsc::unbounded_channel();
    let (tenant, tenant_rx) = mpsc::unbounded_channel();
    (Wake { lanes: [connect, whatsapp, tenant], log: LogFeed::default() }, [connect_rx, whatsapp_rx, tenant_rx])
}

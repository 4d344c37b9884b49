//! One queue of woken deliveries per provider, each applied by its own
//! loop: a backlog of WhatsApp statuses never delays a student's connect
//! flow. Order still holds where it matters, within a provider: a session's
//! or a message's events all travel in the same lane.

use super::parsed::Parsed;
use crate::intake::{confirmd, tenant_events, whatsapp};
use crate::store::{NewDelivery, StoredDelivery};
use app::protocol::DeliveryStatus;
use chrono::{DateTime, Utc};
use tokio::sync::mpsc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lane {
    Connect,
    WhatsApp,
    Tenant,
}

impl Lane {
    /// The lane of a stored delivery's provider.
    pub fn of(provider: &str) -> Option<Lane> {
        match provider {
            confirmd::PROVIDER => Some(Lane::Connect),
            whatsapp::PROVIDER => Some(Lane::WhatsApp),
            tenant_events::PROVIDER => Some(Lane::Tenant),
            _ => None,
        }
    }
}

/// What wakes a lane.
pub enum Wakeup {
    /// A delivery its request has just stored, carried whole with intake's
    /// parse of it: while it is younger than [`crate::store::FRESH_GRACE`]
    /// no retry scan can have taken it, so the lane applies it without
    /// reading it back or parsing it again.
    Fresh { delivery: StoredDelivery, parsed: Parsed, received_at: DateTime<Utc> },
    /// A delivery to read from the store first.
    Stored(i64),
}

/// Intake's side: wakes the lane that applies a new delivery.
#[derive(Clone)]
pub struct Wake([mpsc::UnboundedSender<Wakeup>; 3]);

/// The worker's side, one receiver per lane: connect, WhatsApp, tenant.
pub type Woken = [mpsc::UnboundedReceiver<Wakeup>; 3];

impl Wake {
    /// Wakes `lane` for the stored delivery `id`. A lost wake-up loses
    /// nothing: the lane's retry scan finds the delivery.
    pub fn send(&self, lane: Lane, id: i64) {
        let _ = self.0[lane as usize].send(Wakeup::Stored(id));
    }

    /// Hands `lane` the delivery just stored as `id`, and what intake
    /// parsed it to.
    pub fn fresh(&self, lane: Lane, id: i64, delivery: NewDelivery, parsed: Parsed) {
        let NewDelivery { provider, topic, body, received_at, .. } = delivery;
        let delivery =
            StoredDelivery { id, provider: provider.to_owned(), topic, body, status: DeliveryStatus::Pending, attempts: 0 };
        let _ = self.0[lane as usize].send(Wakeup::Fresh { delivery, parsed, received_at });
    }
}

pub fn channels() -> (Wake, Woken) {
    let (connect, connect_rx) = mpsc::unbounded_channel();
    let (whatsapp, whatsapp_rx) = mpsc::unbounded_channel();
    let (tenant, tenant_rx) = mpsc::unbounded_channel();
    (Wake([connect, whatsapp, tenant]), [connect_rx, whatsapp_rx, tenant_rx])
}

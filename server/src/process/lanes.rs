//! One queue of woken deliveries per provider, each applied by its own
//! loop: a backlog of WhatsApp statuses never delays a student's connect
//! flow. Order still holds where it matters, within a provider: a session's
//! or a message's events all travel in the same lane.

use crate::intake::{confirmd, tenant_events, whatsapp};
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

/// Intake's side: wakes the lane that applies a new delivery.
#[derive(Clone)]
pub struct Wake([mpsc::UnboundedSender<i64>; 3]);

/// The worker's side, one receiver per lane: connect, WhatsApp, tenant.
pub type Woken = [mpsc::UnboundedReceiver<i64>; 3];

impl Wake {
    /// A lost wake-up loses nothing: the lane's retry scan finds the delivery.
    pub fn send(&self, lane: Lane, id: i64) {
        let _ = self.0[lane as usize].send(id);
    }
}

pub fn channels() -> (Wake, Woken) {
    let (connect, connect_rx) = mpsc::unbounded_channel();
    let (whatsapp, whatsapp_rx) = mpsc::unbounded_channel();
    let (tenant, tenant_rx) = mpsc::unbounded_channel();
    (Wake([connect, whatsapp, tenant]), [connect_rx, whatsapp_rx, tenant_rx])
}

//! Caps on open sockets, for the whole server and per client address, so
//! one address cannot hold every socket (or file descriptor) there is.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

pub struct SocketSlots {
    max: usize,
    per_ip: usize,
    // A std mutex: held for a counter update, never across `.await`.
    open: Arc<Mutex<Open>>,
}

#[derive(Default)]
struct Open {
    total: usize,
    by_ip: HashMap<IpAddr, usize>,
    /// In [`SocketEndpoint::ALL`]'s order, for the metrics.
    by_endpoint: [usize; SocketEndpoint::ALL.len()],
}

/// Which socket endpoint a slot is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SocketEndpoint {
    Connections,
    Tenant,
    WhatsApp,
    SocketIo,
    Deliveries,
}

impl SocketEndpoint {
    pub const ALL: [SocketEndpoint; 5] = [Self::Connections, Self::Tenant, Self::WhatsApp, Self::SocketIo, Self::Deliveries];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Connections => "connections",
            Self::Tenant => "tenant",
            Self::WhatsApp => "whatsapp",
            Self::SocketIo => "socketio",
            Self::Deliveries => "deliveries",
        }
    }
}

/// Why a socket was not let in.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SlotRefused {
    #[error("the server has as many sockets open as it allows")]
    Full,
    #[error("this address has as many sockets open as it may")]
    TooManyFromAddress,
}

/// A socket's place under the caps, given back when it is dropped.
pub struct SocketSlot {
    open: Arc<Mutex<Open>>,
    ip: IpAddr,
    endpoint: SocketEndpoint,
}

impl SocketSlots {
    pub fn new(max: usize, per_ip: usize) -> Self {
        Self { max, per_ip, open: Arc::default() }
    }

    pub fn acquire(&self, ip: IpAddr, endpoint: SocketEndpoint) -> Result<SocketSlot, SlotRefused> {
        let mut open = self.open.lock().expect("slots lock");
        if open.total >= self.max {
            return Err(SlotRefused::Full);
        }
        let mine = open.by_ip.entry(ip).or_default();
        if *mine >= self.per_ip {
            return Err(SlotRefused::TooManyFromAddress);
        }
        *mine += 1;
        open.total += 1;
        open.by_endpoint[endpoint as usize] += 1;
        Ok(SocketSlot { open: self.open.clone(), ip, endpoint })
    }

    pub fn open(&self) -> usize {
        self.open.lock().expect("slots lock").total
    }

    pub fn open_by_endpoint(&self) -> [(SocketEndpoint, usize); SocketEndpoint::ALL.len()] {
        let by_endpoint = self.open.lock().expect("slots lock").by_endpoint;
        SocketEndpoint::ALL.map(|e| (e, by_endpoint[e as usize]))
    }
}

impl Drop for SocketSlot {
    fn drop(&mut self) {
        let mut open = self.open.lock().expect("slots lock");
        open.total -= 1;
        open.by_endpoint[self.endpoint as usize] -= 1;
        if let Some(n) = open.by_ip.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                open.by_ip.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_per_address_and_in_all_and_gives_slots_back() {
        let slots = SocketSlots::new(3, 2);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let ws = SocketEndpoint::Tenant;
        let a1 = slots.acquire(a, ws).unwrap();
        let _a2 = slots.acquire(a, SocketEndpoint::Connections).unwrap();
        assert_eq!(slots.acquire(a, ws).err(), Some(SlotRefused::TooManyFromAddress));
        let _b1 = slots.acquire(b, ws).unwrap();
        assert_eq!(slots.acquire(b, ws).err(), Some(SlotRefused::Full));
        drop(a1);
        let _b2 = slots.acquire(b, ws).unwrap();
        assert_eq!(slots.open(), 3);
        assert_eq!(slots.open_by_endpoint()[..2], [(SocketEndpoint::Connections, 1), (ws, 2)]);
    }
}

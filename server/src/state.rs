//! The one application state, built in [`crate::Application::build`] and
//! handed to axum and to Leptos' context. Nothing is global.

use crate::auth::AuthKit;
use crate::bus::Bus;
use crate::config::Settings;
use crate::events::Wake;
use crate::graph::MessageSender;
use crate::hub::Hub;
use crate::limits::{client_ip, Limits};
use crate::platform::WalletPlatform;
use crate::process::relay::Relay;
use crate::store::Store;
use axum::extract::FromRef;
use axum::http::HeaderMap;
use leptos::prelude::LeptosOptions;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// Cheap to clone: axum clones the state for every request it routes, so
/// it is one shared allocation rather than a dozen handles and a string.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What every handler, socket and task shares.
pub struct Shared {
    pub settings: Arc<Settings>,
    pub store: Arc<dyn Store>,
    pub bus: Arc<dyn Bus>,
    pub hub: Hub,
    pub platform: Arc<dyn WalletPlatform>,
    pub sender: Arc<dyn MessageSender>,
    pub auth: Arc<AuthKit>,
    /// Wakes the delivery worker as soon as a webhook is stored.
    pub deliveries: Wake,
    /// The `X-API-Key`s the wallet platform's webhooks may carry.
    pub platform_keys: Arc<crate::intake::platform_keys::PlatformKeys>,
    pub metrics: Arc<crate::metrics::Metrics>,
    /// When each lane of the worker last scanned, for `/readyz`.
    pub heartbeat: Arc<crate::process::heartbeat::Heartbeat>,
    /// Asks reconciliation to look a session up on the platform now.
    pub reconcile: crate::intake::reconcile::Nudge,
    /// Publishes what units of work committed.
    pub relay: Relay,
    /// This node, as the holder of the leases its intake takes.
    pub node: Arc<str>,
    /// Signs and sends everything posted to webhook receivers.
    pub signer: Arc<crate::outbound::signer::Signer>,
    pub leptos_options: LeptosOptions,
    /// This server's own base URL, for calls it makes to itself.
    pub self_url: String,
    pub limits: Limits,
}

impl Shared {
    /// A lease on deliveries this node stores and then applies.
    pub fn lease(&self) -> crate::store::Lease {
        crate::process::lease(&self.node)
    }

    /// The client's address (the peer, or what a trusted proxy reports).
    pub fn client_ip(&self, peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
        client_ip(peer.ip(), headers, &self.settings.trusted_proxies)
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

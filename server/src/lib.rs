//! Tidings' server: webhook intake, matching, the WebSocket hub, storage and
//! the bus, plus the Leptos pages.
//!
//! Data flows one way:
//!
//! 1. [`intake`] verifies a webhook's raw bytes, parses it ([`events`]), and
//!    stores the delivery once ([`store`]) before answering 2xx (what a
//!    wallet [`platform`] failed to post, reconciliation reads back from it
//!    and stores the same way);
//! 2. [`process`] applies each stored delivery as one unit of work: the
//!    state change ([`matching`] finds a connect event's session), what it
//!    causes, and the delivery's mark commit together, the changes for
//!    pages in an outbox;
//! 3. the outbox relay puts them on the [`bus`] (in-process by default);
//! 4. the [`hub`] fans them out to the sockets that show them: [`ws`], and
//!    [`socketio`] for Socket.IO front ends;
//! 5. the browser (the `app` crate) shows them, and resynchronises on every
//!    reconnect.
//!
//! [`events`] is the vocabulary every stage shares; it depends on none of
//! them, so the imports point one way.
//!
//! [`Application`] wires it all from [`config::Settings`]; `main.rs` only
//! parses the command line.

pub mod accounts;
pub mod api;
pub mod auth;
pub mod bus;
pub mod cli;
pub mod config;
pub mod cors;
pub mod error;
pub mod events;
pub mod graph;
pub mod housekeeping;
pub mod hub;
pub mod intake;
pub mod limits;
pub mod matching;
pub mod metrics;
pub mod os;
pub mod outbound;
pub mod platform;
pub mod process;
mod routes;
pub mod socketio;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod ws;

use crate::config::{PlatformSettings, Settings};
use crate::graph::simulator::GraphSimulator;
use crate::graph::{GraphClient, MessageSender};
use crate::hub::Hub;
use crate::platform::simulator::{self, Simulator};
use crate::platform::{AcaPyClient, Invitation, PlatformClient, SharedInvitation, WalletPlatform};
use crate::process::Processor;
use crate::state::{AppState, Shared};
use app::protocol::OutOfBandId;
use axum::serve::ListenerExt;
use leptos::prelude::LeptosOptions;
use rand::RngCore;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// How long open connections may take to finish after a shutdown signal.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// `bytes` random bytes from the OS, hex-encoded.
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    hex::encode(buf)
}

/// A random (version 4) UUID, as platforms use for record ids.
pub fn random_uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A bound, fully wired server that has not started serving yet.
pub struct Application {
    listener: TcpListener,
    state: AppState,
    simulators: routes::Simulators,
    wake_rx: events::Woken,
    relayed: process::relay::Relayed,
    nudged: intake::reconcile::Nudged,
    /// Set when this start created the first admin.
    pub first_admin: Option<auth::bootstrap::Created>,
}

impl Application {
    /// The outbound dispatcher, for callers that drive it themselves.
    pub fn dispatcher(&self) -> outbound::Dispatcher {
        let allow_internal = self.state.settings.outbound_allow_internal;
        let owner = self.state.node.clone();
        let metrics = self.state.metrics.clone();
        outbound::Dispatcher::new(
            self.state.store.clone(),
            self.state.relay.clone(),
            self.state.signer.clone(),
            allow_internal,
            owner,
            metrics,
        )
    }

    /// The same, resolving host names with `lookup` (tests control DNS).
    pub fn dispatcher_resolving_with(&self, lookup: Arc<dyn outbound::guard::Lookup>) -> outbound::Dispatcher {
        let allow_internal = self.state.settings.outbound_allow_internal;
        let signer = Arc::new(outbound::signer::Signer::new(allow_internal, lookup));
        let (owner, metrics) = (self.state.node.clone(), self.state.metrics.clone());
        outbound::Dispatcher::new(self.state.store.clone(), self.state.relay.clone(), signer, allow_internal, owner, metrics)
    }
}

impl Application {
    /// Binds `leptos_options.site_addr` (port 0 picks a free port), opens the
    /// store and chooses the backends named by `settings`.
    pub async fn build(settings: Settings, leptos_options: LeptosOptions) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(leptos_options.site_addr).await?;
        let local = listener.local_addr()?;
        let store = store::connect(&settings.database_url).await?;
        let metrics = Arc::new(metrics::Metrics::default());
        metrics.watch_writes(&store.write_stats());
        let first_admin = auth::bootstrap::first_run(store.as_ref(), &settings).await?;
        graph::sync_environment_number(store.as_ref(), &settings.whatsapp).await;
        let auth = Arc::new(auth::AuthKit::new(settings.channel_key.clone()).await?);
        let bus = bus::connect(settings.redis_url.as_deref()).await?;
        let (platform, platform_sim) = choose_platform(&settings, local)?;
        let (sender, graph_sim) = sender(&settings, local);
        let (wake_tx, wake_rx) = events::channels();
        let (relay, relayed) = process::relay::channel();
        let (reconcile, nudged) = intake::reconcile::channel();
        let platform_keys = Arc::new(intake::platform_keys::PlatformKeys::new(&settings.webhook_secret));
        platform_keys.replace(store.platform_keys().await?);
        // This run of this node: the owner of the leases it takes.
        let node: Arc<str> = format!("{}/{}", settings.node_id, random_token(4)).into();
        let signer = Arc::new(outbound::signer::Signer::new(settings.outbound_allow_internal, Arc::new(outbound::guard::SystemLookup)));
        let limits = limits::Limits::new(settings.max_sockets, settings.max_sockets_per_ip, settings.sessions_per_minute);
        let hub = Hub::new(settings.resume_history);
        if let Some(place) = bus.joined_at() {
            hub.adopt(place);
        }
        let state = AppState::new(Shared {
            settings: Arc::new(settings),
            store,
            bus,
            hub,
            platform,
            sender,
            auth,
            deliveries: wake_tx,
            reconcile,
            platform_keys,
            metrics,
            heartbeat: Arc::default(),
            relay,
            node,
            signer,
            leptos_options,
            self_url: self_url(local),
            limits,
        });
        let simulators = routes::Simulators { platform: platform_sim, graph: graph_sim };
        Ok(Self { listener, state, simulators, wake_rx, relayed, nudged, first_admin })
    }

    /// The router this server serves, without the layers around it and
    /// without the simulators: for tests that read the routes it serves
    /// (the OpenAPI document must name them all).
    pub fn router(&self) -> axum::Router {
        let (socketio, _) = socketio::router(&self.state);
        routes::router(self.state.clone(), routes::Simulators::default(), socketio)
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("a bound listener")
    }

    pub fn port(&self) -> u16 {
        self.local_addr().port()
    }

    /// Serves until `shutdown` completes, then closes every socket (pages
    /// reconnect elsewhere or later) and drains for at most
    /// [`DRAIN_TIMEOUT`].
    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        let Self { listener, state, simulators, wake_rx, relayed, nudged, .. } = self;
        let log_feed = state.deliveries.log();
        let processor = Processor {
            store: state.store.clone(),
            relay: state.relay.clone(),
            context: process::Context {
                legacy_matching: state.settings.legacy_invitation.is_some(),
                connect_tenant: Some(state.settings.connect_tenant),
            },
            node: state.node.clone(),
            metrics: state.metrics.clone(),
            heartbeat: state.heartbeat.clone(),
            log: log_feed.clone(),
        };
        let (paused, retry_interval) = (state.settings.process_paused, state.settings.retry_interval);
        let worker = async move {
            if paused {
                tracing::warn!("processing is paused (PROCESS_PAUSED): webhooks are stored, none is applied");
                drop(wake_rx);
                return std::future::pending().await;
            }
            processor.run(wake_rx, retry_interval).await
        };
        let background = [
            tokio::spawn(hub::run_dispatch(state.hub.clone(), state.bus.subscribe(), state.bus.gaps(), state.metrics.clone())),
            tokio::spawn(state.hub.clone().run_heartbeat(ws::PING_EVERY)),
            tokio::spawn(state.hub.clone().run_expiry(Duration::from_secs(1))),
            tokio::spawn(housekeeping::run(state.clone())),
            tokio::spawn(process::relay::run(state.store.clone(), state.bus.clone(), relayed)),
            tokio::spawn(process::log_feed::run(log_feed, state.bus.clone())),
            tokio::spawn(worker),
            tokio::spawn(process::sweeper::run(state.store.clone(), state.relay.clone(), state.settings.sweep_interval)),
            tokio::spawn(intake::reconcile::run(state.clone(), nudged)),
            tokio::spawn(intake::platform_keys::run_refresh(state.platform_keys.clone(), state.store.clone())),
        ];
        let dispatcher = outbound::Dispatcher::new(
            state.store.clone(),
            state.relay.clone(),
            state.signer.clone(),
            state.settings.outbound_allow_internal,
            state.node.clone(),
            state.metrics.clone(),
        );
        let outbound_task = state.settings.outbound_poll.map(|every| tokio::spawn(dispatcher.run(every)));
        let hub = state.hub.clone();
        let (socketio, io) = socketio::router(&state);
        let service = routes::service(state, simulators, socketio);
        let (stopping_tx, stopping_rx) = tokio::sync::oneshot::channel::<()>();
        let service = axum::ServiceExt::<axum::extract::Request>::into_make_service_with_connect_info::<SocketAddr>(service);
        // Live updates are small writes that must leave at once: Nagle's
        // algorithm would hold a socket's next update until the previous one
        // is acknowledged (up to a delayed ACK, 40 ms on Linux).
        let listener = listener.tap_io(|tcp| {
            if let Err(err) = tcp.set_nodelay(true) {
                tracing::debug!(error = %err, "could not set TCP_NODELAY");
            }
        });
        let server = axum::serve(listener, service).with_graceful_shutdown(async move {
            shutdown.await;
            hub.shutdown();
            let _ = stopping_tx.send(());
            // Socket.IO transports are closed too (not disconnected: that
            // would tell clients not to come back), within the drain time.
            io.close().await;
        });
        let result = tokio::select! {
            result = server => result,
            _ = async {
                let _ = stopping_rx.await;
                tokio::time::sleep(DRAIN_TIMEOUT).await;
            } => {
                tracing::warn!("connections did not drain in time; stopping anyway");
                Ok(())
            }
        };
        for task in background.into_iter().chain(outbound_task) {
            task.abort();
        }
        result
    }
}

/// Chooses where invitations come from. With no platform configured, the
/// simulator is mounted on this server and the real client talks to it.
fn choose_platform(settings: &Settings, local: SocketAddr) -> anyhow::Result<(Arc<dyn WalletPlatform>, Option<Arc<Simulator>>)> {
    if let Some(legacy) = &settings.legacy_invitation {
        tracing::warn!("legacy mode: every session shares one multi-use invitation; matching will guess");
        let shared = Invitation {
            url: legacy.url.clone(),
            out_of_band_id: OutOfBandId::new(legacy.out_of_band_id.clone()),
            invitation_id: platform::invitation::invitation_id_from_url(&legacy.url),
        };
        return Ok((Arc::new(SharedInvitation(shared)), None));
    }
    Ok(match &settings.platform {
        PlatformSettings::Remote(remote) => (Arc::new(PlatformClient::new(remote)), None),
        PlatformSettings::AcaPy(agent) => (Arc::new(AcaPyClient::new(agent)), None),
        PlatformSettings::Simulator => {
            let base_url = format!("{}{}", self_url(local), simulator::MOUNT);
            let secret = config::local_secret(&settings.data_dir, simulator::SECRET_FILE)?;
            let remote = simulator::client_settings(&base_url, secret);
            (Arc::new(PlatformClient::new(&remote)), Some(Simulator::new(&base_url, remote.client_secret.clone())))
        }
    })
}

/// This server's own address, for the simulators it hosts to call back.
fn self_url(local: SocketAddr) -> String {
    let host = if local.ip().is_unspecified() { "127.0.0.1".to_owned() } else { local.ip().to_string() };
    format!("http://{host}:{}", local.port())
}

/// Chooses how WhatsApp messages are sent. With no access token configured,
/// the Graph API simulator is mounted on this server and the real client
/// talks to it.
fn sender(settings: &Settings, local: SocketAddr) -> (Arc<dyn MessageSender>, Option<Arc<GraphSimulator>>) {
    match &settings.whatsapp.graph {
        Some(graph) => (Arc::new(GraphClient::new(graph.clone())), None),
        None => {
            let base = self_url(local);
            let sim = GraphSimulator::new(&base, &settings.whatsapp);
            (Arc::new(GraphClient::simulated(sim.client_settings(&base))), Some(sim))
        }
    }
}

//! `/socket.io/`: Socket.IO v4 (Engine.IO 4, WebSocket and long-polling)
//! for seed 004's dashboard and seed 002's helpdesk front ends, unchanged
//! but for the server URL.
//!
//! `socketioxide` speaks the protocol; what a socket gets comes from the
//! hub, exactly as for `/ws/tenant`: each Socket.IO socket is a hub
//! registration ([`link`]), and its frames become the seeds' events
//! ([`events`], sent by [`bridge`]). socketioxide's own rooms and adapter
//! are not used, so several nodes share nothing but the bus.
//!
//! The handshake is authorised like `/ws/tenant`: the session cookie when
//! the page is this site's own, or a channel token for `tenant:K` in the
//! handshake's `auth` (`{ token }`), which also joins that tenant at once
//! (seed 002's clients never send `join-tenant`). `auth` may carry
//! `epoch` and `offset`, where a reconnecting client left off: it then gets
//! exactly the events it missed, or a `dashboard-refresh` telling it to
//! reload (as every join that does not resume gets).

mod bridge;
pub mod events;
mod link;

use crate::auth::channel_token::{self, TokenChannel};
use crate::auth::Staff;
use crate::cors::AllowedOrigins;
use crate::limits::SocketEndpoint;
use crate::state::AppState;
use app::protocol::{Epoch, Resume};
use axum::extract::{ConnectInfo, Request, State as AxumState};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use link::{Caller, Link};
use serde::Deserialize;
use socketioxide::extract::{SocketRef, State, TryData};
use socketioxide::handler::ConnectHandler;
use socketioxide::SocketIo;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// Where the endpoint is served.
pub const PATH: &str = "/socket.io";
/// Clients only send joins and acknowledgements.
const MAX_PAYLOAD: u64 = 16 * 1024;
/// A client that opens a transport has this long to send its handshake.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The routes of `/socket.io/` (both transports), and the handle that
/// closes every Socket.IO connection at shutdown. A request from an origin
/// not on the list is refused before Engine.IO sees it.
pub fn router(state: &AppState) -> (Router, SocketIo) {
    let (service, io) = SocketIo::builder()
        .req_path(PATH)
        .max_payload(MAX_PAYLOAD)
        .connect_timeout(CONNECT_TIMEOUT)
        // Each socket's read buffer is allocated up front; joins are small.
        .ws_read_buffer_size(1024)
        .with_state(state.clone())
        .build_svc();
    io.ns("/", link::on_connect.with(authenticate));
    let origins = state.settings.cors_origins.clone();
    let router = Router::new()
        .route_service(&format!("{PATH}/"), service)
        .layer(origins.layer())
        .layer(axum::middleware::from_fn_with_state(origins, admit_origin));
    (router, io)
}

/// 403 for a request from another site that is not on the list.
async fn admit_origin(AxumState(origins): AxumState<AllowedOrigins>, request: Request, next: Next) -> Response {
    if origins.admits(request.headers()) {
        next.run(request).await
    } else {
        (StatusCode::FORBIDDEN, "origin not allowed").into_response()
    }
}

/// The handshake's `auth` (all optional).
#[derive(Default, Deserialize)]
struct HandshakeAuth {
    token: Option<String>,
    epoch: Option<Epoch>,
    offset: Option<u64>,
}

/// Why a handshake was refused, as the client's `connect_error` says it.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Refused(String);

/// Admits a handshake: an origin on the list (checked on every request
/// too, see `routes`), a slot under the socket caps, and a staff sign-in
/// or a tenant channel token.
async fn authenticate(socket: SocketRef, TryData(auth): TryData<HandshakeAuth>, State(state): State<AppState>) -> Result<(), Refused> {
    let parts = socket.req_parts();
    if !state.settings.cors_origins.admits(&parts.headers) {
        return Err(Refused("origin not allowed".into()));
    }
    let auth = auth.map_err(|e| Refused(format!("unreadable auth: {e}")))?;
    let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0).ok_or_else(|| Refused("no peer address".into()))?;
    let slot = state
        .limits
        .sockets
        .acquire(state.client_ip(peer, &parts.headers), SocketEndpoint::SocketIo)
        .map_err(|e| Refused(e.to_string()))?;
    let staff = if crate::cors::from_this_site(&parts.headers) {
        Staff::from_cookie(&parts.headers, &state).await.map_err(|e| Refused(e.to_string()))?
    } else {
        None
    };
    let token = match auth.token.as_deref().filter(|t| !t.is_empty()) {
        Some(token) => {
            let claims = channel_token::verify(token, &state.auth.channel_key, chrono::Utc::now())
                .map_err(|e| Refused(format!("channel token refused: {e}")))?;
            let TokenChannel::Tenant(tenant) = claims.channel else {
                return Err(Refused("the token is not for a tenant".into()));
            };
            Some((tenant, token.to_owned()))
        }
        None => None,
    };
    if staff.is_none() && token.is_none() {
        return Err(Refused("sign in or send a channel token in auth.token".into()));
    }
    let resume = auth.epoch.zip(auth.offset).map(|(epoch, offset)| Resume { epoch, offset });
    let caller = Caller { staff, token };
    socket.extensions.insert(Arc::new(Link::new(&state, caller, resume, slot)));
    Ok(())
}

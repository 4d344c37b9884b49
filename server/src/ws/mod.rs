//! WebSocket endpoints, on one shared loop ([`pump`]).

pub mod connections;
mod pump;
pub mod tenant;
pub mod whatsapp;

pub use pump::PING_EVERY;

use crate::auth::{AuthKit, Staff};
use crate::hub::Hub;
use crate::state::AppState;
use crate::store::{Activity, Store};
use app::protocol::{ActivityKind, TenantId};
use axum::extract::ws::{WebSocket, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use std::future::Future;
use std::sync::Arc;

/// What a socket's task keeps of the app: the three handles it uses rather
/// than the whole [`AppState`], because every idle socket's task carries a
/// copy (or two) of whatever its closure captures.
#[derive(Clone)]
struct SocketContext {
    hub: Hub,
    store: Arc<dyn Store>,
    auth: Arc<AuthKit>,
}

impl From<&AppState> for SocketContext {
    fn from(state: &AppState) -> Self {
        Self { hub: state.hub.clone(), store: state.store.clone(), auth: state.auth.clone() }
    }
}

/// Upgrades a socket whose page may be signed in: the staff member from the
/// session cookie (if any) and the socket's handles go to `serve`.
async fn upgrade_for_staff<Fut>(
    ws: WebSocketUpgrade,
    headers: &HeaderMap,
    state: &AppState,
    serve: fn(WebSocket, Option<Staff>, SocketContext) -> Fut,
) -> Response
where
    Fut: Future<Output = ()> + Send + 'static,
{
    let staff = match Staff::from_cookie(headers, state).await {
        Ok(staff) => staff,
        Err(err) => return err.into_response(),
    };
    let context = SocketContext::from(state);
    pump::configure(ws).on_upgrade(move |socket| serve(socket, staff, context))
}

/// Records a refused subscription in the tenant's activity log, off the
/// socket's path (the foreign key drops it if the tenant does not exist).
fn log_refusal(state: &SocketContext, staff: Option<&Staff>, tenant: TenantId, detail: String) {
    let store = state.store.clone();
    let actor = staff.map(|s| s.email.clone());
    tokio::spawn(async move {
        let activity = Activity { tenant: Some(tenant), actor: actor.as_deref(), kind: ActivityKind::SubscriptionRefused, detail };
        let _ = store.log_activity(&activity, chrono::Utc::now()).await;
    });
}

//! The router: the JSON API, webhooks, sockets, the simulator (when on),
//! and the Leptos pages with their static files.

use crate::error::Refusal;
use crate::events::Provider;
use crate::graph::simulator::{self as graph_simulator, GraphSimulator};
use crate::platform::simulator::{self, Simulator};
use crate::state::AppState;
use crate::{api, auth, intake, ws};
use app::{shell, App};
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::convert::Infallible;
use std::sync::Arc;
use tower::util::MapResponseLayer;
use tower::{Service, ServiceBuilder};
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// The simulators this server hosts, when no real provider is configured.
#[derive(Default)]
pub struct Simulators {
    pub platform: Option<Arc<Simulator>>,
    pub graph: Option<Arc<GraphSimulator>>,
}

/// Every request's service: the router inside the layers every answer
/// passes through. Those layers wrap the router once: `Router::layer`
/// would wrap each route instead, which costs every request a boxed clone
/// and a future per layer.
pub fn service(
    state: AppState,
    simulators: Simulators,
    socketio: Router,
) -> impl Service<Request, Response = Response, Error = Infallible, Future: Send> + Clone + Send + 'static {
    ServiceBuilder::new()
        .map_response(IntoResponse::into_response)
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .map_response(log_refusals)
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin")))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .map_response(close_after_unread_body)
        .service(router(state, simulators, socketio))
}

pub fn router(state: AppState, simulators: Simulators, socketio: Router) -> Router {
    let limit = state.settings.max_body_bytes;
    // Built once here: every request for it is answered with the same bytes.
    let openapi = api::openapi::Json::build();
    let webhooks = Router::new()
        .route(
            "/api/webhooks/confirmd",
            counted(Provider::Platform, limit, &state, intake::confirmd::receive).get(intake::confirmd::health),
        )
        .route("/api/webhooks/confirmd/topic/{topic}", counted(Provider::Platform, limit, &state, intake::confirmd::receive_topic))
        .route("/api/webhooks/confirmd/topic/{topic}/", counted(Provider::Platform, limit, &state, intake::confirmd::receive_topic))
        .route(
            "/api/webhooks/whatsapp",
            counted(Provider::WhatsApp, limit, &state, intake::whatsapp::receive).get(intake::whatsapp::verify),
        )
        .route(
            "/college/whatsapp/webhook",
            counted(Provider::WhatsApp, limit, &state, intake::whatsapp::receive).get(intake::whatsapp::verify),
        )
        .route("/api/webhooks/ping", counted(Provider::Tenant, limit, &state, intake::tenant::ping))
        .route("/api/webhooks/health", get(intake::tenant_events::health))
        .route("/api/webhooks/{kind}", counted(Provider::Tenant, limit, &state, intake::tenant_events::receive));
    // What a front end on another site reads and marks, with a channel
    // token: the only API calls with CORS answers.
    let cross_site = Router::new()
        .route("/api/notifications", get(api::notifications::list).post(api::notifications::create))
        .route("/api/notifications/mark-all-read", post(api::notifications::mark_all_read))
        .route("/api/notifications/{id}", axum::routing::patch(api::notifications::update))
        .route("/api/dashboard", get(api::dashboard::summary))
        .route("/api/helpdesk/{room}", get(api::dashboard::entities))
        .layer(DefaultBodyLimit::max(16 * 1024))
        .layer(state.settings.cors_origins.layer());

    let api = Router::new()
        .route("/healthz", get(api::health::healthz))
        .route("/readyz", get(api::health::readyz))
        .route("/metrics", get(crate::metrics::serve))
        .route("/api/openapi.json", get(move || api::openapi::serve(openapi.clone())))
        .route("/api/connections/session", post(api::sessions::create).get(api::sessions::show))
        .route("/api/auth/login", post(auth::login::login))
        .route("/api/auth/logout", post(auth::login::logout))
        .route("/api/auth/me", get(auth::login::current))
        .route("/api/realtime/token", post(auth::login::realtime_token))
        .route("/api/tenants", get(api::tenants::list).post(api::tenants::create))
        .route("/api/tenants/{tenant}/members", get(api::tenants::members).post(api::tenants::add_member))
        .route("/api/tenants/{tenant}/members/{user}", axum::routing::delete(api::tenants::remove_member))
        .route("/api/tenants/{tenant}/api-keys", get(api::tenants::api_keys).post(api::tenants::create_api_key))
        .route("/api/invitations/{token}", get(api::invitations::show))
        .route("/api/invitations/{token}/accept", post(api::invitations::accept))
        .route("/api/tenants/{tenant}/api-keys/{key}", axum::routing::delete(api::tenants::revoke_api_key))
        .route("/api/tenants/{tenant}/activity", get(api::tenants::activity))
        .route("/ws/tenant", get(ws::tenant::upgrade))
        .route("/api/webhooks/endpoints", get(api::outbound::list).post(api::outbound::create))
        .route("/api/webhooks/endpoints/{id}", axum::routing::patch(api::outbound::update).delete(api::outbound::delete))
        .route("/api/webhooks/endpoints/{id}/rotate-secret", post(api::outbound::rotate_secret))
        .route("/api/webhooks/endpoints/{id}/test", post(api::outbound::test))
        .route("/api/webhooks/endpoints/{id}/deliveries", get(api::outbound::deliveries))
        .route("/api/webhooks/endpoints/{id}/recover", post(api::outbound::recover))
        .route("/api/webhooks/deliveries/{id}/resend", post(api::outbound::resend))
        .route("/api/webhooks/settings", get(api::webhook_settings::show).patch(api::webhook_settings::update))
        .route("/api/webhooks/settings/generate-secret", post(api::webhook_settings::generate_secret))
        .route("/api/webhooks/settings/test", post(api::webhook_settings::test))
        .route("/api/admin/webhook-stats", get(api::stats::show))
        .route("/api/admin/webhook-deliveries", get(api::deliveries::list))
        .route("/api/admin/webhook-deliveries/replay", post(api::deliveries::replay))
        .route("/api/admin/webhook-deliveries/timeline", get(api::deliveries::timeline))
        .route("/api/admin/webhook-deliveries/{id}", get(api::deliveries::show))
        .route("/api/whatsapp/messages", get(api::whatsapp::list_messages).post(api::whatsapp::register_message))
        .route("/api/whatsapp/incoming", get(api::whatsapp::list_incoming))
        .route("/api/whatsapp/send", post(api::whatsapp::send))
        .route("/api/whatsapp/numbers", get(api::whatsapp_numbers::list).post(api::whatsapp_numbers::add))
        .route("/api/whatsapp/numbers/{id}", axum::routing::delete(api::whatsapp_numbers::remove))
        .route("/ws/connections", get(ws::connections::upgrade))
        .route("/ws/whatsapp", get(ws::whatsapp::upgrade))
        .route("/ws/deliveries", get(ws::deliveries::upgrade))
        .layer(DefaultBodyLimit::max(16 * 1024));

    let options = state.leptos_options.clone();
    let pages = generate_route_list(App);
    // Pages and their files are compressed; API answers and webhook
    // acknowledgements are small, and compressing them would cost every
    // webhook CPU for nothing.
    let site = Router::new()
        .leptos_routes(&state, pages, move || shell(options.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(axum::middleware::map_response(cache_assets))
        .layer(CompressionLayer::new().br(true).gzip(true))
        .with_state(state.clone());
    let timeout = state.settings.request_timeout;
    let mut router = Router::new()
        .merge(webhooks)
        .merge(api)
        .merge(cross_site)
        .with_state(state)
        .merge(site)
        // Sockets live long: only their upgrade is a request, answered at once.
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, timeout))
        // A long poll waits up to a ping interval, so no request timeout.
        .merge(socketio);
    if let Some(sim) = simulators.platform {
        router = router.nest(simulator::MOUNT, sim.router());
    }
    if let Some(sim) = simulators.graph {
        router = router.nest(graph_simulator::MOUNT, sim.router());
    }
    router
}

/// Each request's span, with its id, around what is logged while answering
/// it. At debug level (`RUST_LOG=tidings=debug`): enabled, a span per
/// request is a large share of a webhook's CPU (see BENCHMARKS.md).
fn request_span(request: &Request) -> tracing::Span {
    let id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or_default();
    tracing::debug_span!("request", method = %request.method(), path = %request.uri().path(), request_id = %id)
}

/// Logs every refused request at info, with its id (already on the
/// answer) and the reason its answer gives; answers that succeed cost a
/// lookup here.
fn log_refusals(response: Response) -> Response {
    if let Some(Refusal(reason)) = response.extensions().get::<Refusal>() {
        let id = response.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or_default();
        tracing::info!(status = response.status().as_u16(), request_id = %id, %reason, "request refused");
    }
    response
}

/// A provider's webhook route: bodies up to `limit`, and its answers
/// counted by outcome (a response mapper on the route, which knows its
/// provider). One layer for both, so the route is wrapped once.
fn counted<H, T>(provider: Provider, limit: usize, state: &AppState, handler: H) -> axum::routing::MethodRouter<AppState>
where
    H: axum::handler::Handler<T, AppState>,
    T: 'static,
{
    let metrics = state.metrics.clone();
    let count = MapResponseLayer::new(move |response: Response| {
        metrics.webhook(provider.as_str(), response.status());
        response
    });
    post(handler).layer(ServiceBuilder::new().layer(DefaultBodyLimit::max(limit)).layer(count))
}

/// Files under `/pkg/` carry a hash of their content in their names (the
/// build's `hash-files`), so a browser may keep them for a year.
async fn cache_assets(uri: Uri, mut response: Response) -> Response {
    if uri.path().starts_with("/pkg/") && response.status() == StatusCode::OK {
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"));
    }
    response
}

/// A 413 is answered without reading the rest of the body, so the
/// connection cannot carry another request: say so, and a client that pools
/// connections opens a new one instead of failing its next request.
fn close_after_unread_body(mut response: Response) -> Response {
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE {
        response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

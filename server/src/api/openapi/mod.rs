//! The OpenAPI 3.1 document, generated from the handlers' annotations and
//! the protocol's types, served at `GET /api/openapi.json`. Built once,
//! with the router; `tests/api/openapi.rs` checks it covers every route the
//! router serves and passes an independent validator.

mod payloads;
pub mod responses;
pub mod sockets;
mod webhooks;

use axum::body::Bytes;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::OpenApi as Document;
use utoipa::openapi::{ObjectBuilder, Required, Type};
use utoipa::{IntoParams, Modify, OpenApi, ToSchema};

pub use payloads::{PingWebhook, PlatformWebhook, TenantWebhook};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tidings",
        description = "Provider webhooks in, live browser updates out. Every refusal answers `{\"success\": false, \"error\": \"…\"}` (the `Error` schema). The WebSocket and Socket.IO routes are described here by their upgrade; their messages are in `app::protocol`. The events Tidings posts to tenants' endpoints are under `webhooks`.",
        license(name = "MIT", identifier = "MIT"),
    ),
    paths(
        serve,
        crate::api::health::healthz,
        crate::api::health::readyz,
        crate::metrics::serve,
        crate::api::sessions::create,
        crate::api::sessions::show,
        crate::auth::login::login,
        crate::auth::login::logout,
        crate::auth::login::current,
        crate::auth::login::realtime_token,
        crate::api::tenants::list,
        crate::api::tenants::create,
        crate::api::tenants::members,
        crate::api::tenants::add_member,
        crate::api::tenants::remove_member,
        crate::api::tenants::api_keys,
        crate::api::tenants::create_api_key,
        crate::api::tenants::revoke_api_key,
        crate::api::tenants::activity,
        crate::api::invitations::show,
        crate::api::invitations::accept,
        crate::api::outbound::list,
        crate::api::outbound::create,
        crate::api::outbound::update,
        crate::api::outbound::delete,
        crate::api::outbound::rotate_secret,
        crate::api::outbound::test,
        crate::api::outbound::deliveries,
        crate::api::outbound::recover,
        crate::api::outbound::resend,
        crate::api::webhook_settings::show,
        crate::api::webhook_settings::update,
        crate::api::webhook_settings::generate_secret,
        crate::api::webhook_settings::test,
        crate::api::stats::show,
        crate::api::deliveries::list,
        crate::api::deliveries::replay,
        crate::api::deliveries::timeline,
        crate::api::deliveries::show,
        crate::api::whatsapp::list_messages,
        crate::api::whatsapp::register_message,
        crate::api::whatsapp::list_incoming,
        crate::api::whatsapp::send,
        crate::api::whatsapp_numbers::list,
        crate::api::whatsapp_numbers::add,
        crate::api::whatsapp_numbers::remove,
        crate::api::notifications::list,
        crate::api::notifications::create,
        crate::api::notifications::mark_all_read,
        crate::api::notifications::update,
        crate::api::dashboard::summary,
        crate::api::dashboard::entities,
        crate::intake::confirmd::receive,
        crate::intake::confirmd::health,
        crate::intake::confirmd::receive_topic,
        crate::intake::whatsapp::receive,
        crate::intake::whatsapp::verify,
        crate::intake::tenant::ping,
        crate::intake::tenant_events::health,
        crate::intake::tenant_events::receive,
        crate::ws::connections::upgrade,
        crate::ws::whatsapp::upgrade,
        crate::ws::tenant::upgrade,
        crate::ws::deliveries::upgrade,
        sockets::engine_io_get,
        sockets::engine_io_post,
    ),
    components(
        schemas(responses::ErrorBody, app::protocol::Epoch, app::protocol::Room, app::protocol::Notification, app::protocol::OrderView, app::protocol::OutgoingMessage, webhooks::PaymentUpdated, webhooks::ConnectionStatusChanged, webhooks::TestEvent),
        responses(
            responses::BadRequest,
            responses::Unauthorized,
            responses::Forbidden,
            responses::NotFound,
            responses::Conflict,
            responses::PayloadTooLarge,
            responses::BodyTooLarge,
            responses::TooManyRequests,
            responses::Unprocessable,
            responses::Internal,
            responses::BadGateway,
            responses::ServiceUnavailable,
            responses::NotAnUpgrade,
        ),
    ),
    modifiers(&Security),
    tags(
        (name = "Health", description = "Liveness, readiness and Prometheus metrics."),
        (name = "Connect", description = "A student's wallet connect flow."),
        (name = "Auth", description = "Staff sign-in (a cookie session) and channel tokens for sockets."),
        (name = "Tenants", description = "Tenants, their members, invitations, API keys and activity."),
        (name = "Notifications", description = "A tenant's notifications; callable from allowed origins (CORS) with a channel token."),
        (name = "Dashboard", description = "What the live pages load on every (re)connect; callable from allowed origins (CORS) with a channel token."),
        (name = "Outbound webhooks", description = "A tenant's endpoints that receive Tidings' events (see `webhooks`), and their delivery log."),
        (name = "Webhook settings", description = "A tenant's inbound webhook settings and signing secret."),
        (name = "Deliveries", description = "Operators' view of the provider webhooks received."),
        (name = "WhatsApp", description = "Outgoing WhatsApp messages, replies and the tenant's business numbers."),
        (name = "Inbound webhooks", description = "What providers and tenants post: the wallet platform, WhatsApp, and tenants' signed events."),
        (name = "Sockets", description = "Live updates: WebSocket upgrades and Socket.IO."),
        (name = "Meta", description = "This document."),
    ),
)]
struct ApiDoc;

/// Any JSON object: a tenant's entity as its webhook sent it, or a
/// summary with no type of its own.
#[derive(ToSchema)]
#[schema(value_type = Object)]
pub struct JsonObject(pub serde_json::Value);

/// Which of the caller's tenants a tenant-scoped call is about
/// (`crate::auth::TenantScope`, `AdminScope`): `?tenantId=` or the
/// `x-tenant-id` header, described once for every such operation.
pub struct TenantParams;

impl IntoParams for TenantParams {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let param = |name: &str, place: ParameterIn, about: &str| {
            ParameterBuilder::new()
                .name(name)
                .parameter_in(place)
                .required(Required::False)
                .description(Some(about))
                .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                .build()
        };
        vec![
            param(
                "tenantId",
                ParameterIn::Query,
                "One of the caller's tenants (the `x-tenant-id` header does the same); without either, the caller's own. Another tenant's id answers 404.",
            ),
            param("x-tenant-id", ParameterIn::Header, "Picks one of the caller's tenants, as `tenantId` does."),
        ]
    }
}

/// The security schemes the handlers name, as `crate::auth`, the intake
/// modules and `/metrics` check them.
struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Default::default);
        let header = |name: &str, about: &str| SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(name, about)));
        let bearer = |format: &str, about: &str| {
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format(format).description(Some(about)).build())
        };
        let schemes = [
            (
                "session",
                SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                    crate::auth::SESSION_COOKIE,
                    "A staff member's sign-in (`POST /api/auth/login`). Requests other than GET also send the session's CSRF token (the `tidings_csrf` cookie) in `X-CSRF-Token`, or answer 403.",
                ))),
            ),
            ("api_key", bearer("API key", "A tenant's API key (`POST /api/tenants/{tenant}/api-keys`): acts for that tenant.")),
            ("channel_token", bearer("channel token", "A `tenant:<id>` channel token minted with an API key (`POST /api/realtime/token`), for pages on other sites; the key must still be live.")),
            ("operator_token", bearer("token", "The operators' `METRICS_TOKEN`; without one configured, `/metrics` answers 404.")),
            ("platform_key", header("X-API-Key", "The wallet platform's webhook secret (`WEBHOOK_SECRET`, or a platform app's key).")),
            ("whatsapp_signature", header("X-Hub-Signature-256", "`sha256=<hex HMAC-SHA256 of the raw body>`, keyed with the WhatsApp app secret.")),
            ("tenant_signature", header("X-Webhook-Signature", "Hex HMAC-SHA256 of the raw body, keyed with the tenant's webhook secret (seed 004's scheme).")),
            ("standard_webhooks", header("webhook-signature", "Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`, within 5 minutes), keyed with the tenant's webhook secret.")),
        ];
        for (name, scheme) in schemes {
            components.add_security_scheme(name, scheme);
        }
    }
}

/// The document: the annotated operations, the routes that serve one
/// handler on a second path, and the outbound events.
pub fn document() -> Document {
    let mut doc = ApiDoc::openapi();
    alias(&mut doc, "/api/webhooks/whatsapp", "/college/whatsapp/webhook", "seed");
    alias(&mut doc, "/api/webhooks/confirmd/topic/{topic}", "/api/webhooks/confirmd/topic/{topic}/", "slash");
    webhooks::add(&mut doc);
    doc
}

/// Documents `to`, which the router serves with the handlers of `from`:
/// the same operations, with ids of their own.
fn alias(doc: &mut Document, from: &str, to: &str, suffix: &str) {
    let mut item = doc.paths.paths.get(from).cloned().unwrap_or_else(|| panic!("{from} is documented"));
    let operations = [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.options,
        &mut item.head,
        &mut item.patch,
        &mut item.trace,
    ];
    for operation in operations.into_iter().flatten() {
        operation.operation_id = operation.operation_id.take().map(|id| format!("{id}_{suffix}"));
        operation.summary = operation.summary.take().map(|s| format!("{s} (on `{to}`)"));
    }
    doc.paths.paths.insert(to.to_owned(), item);
}

/// The document's JSON, built once when the router is.
#[derive(Clone)]
pub struct Json(Bytes);

impl Json {
    pub fn build() -> Self {
        Self(document().to_json().expect("the document serialises").into())
    }
}

/// This document.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    operation_id = "openapi",
    tag = "Meta",
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json", body = Object)),
)]
pub async fn serve(doc: Json) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], doc.0).into_response()
}

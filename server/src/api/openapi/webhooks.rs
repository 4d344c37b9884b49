//! The outbound events under the document's top-level `webhooks` (OpenAPI
//! 3.1): what Tidings posts to a tenant's endpoints (`crate::outbound`),
//! one entry per event type. utoipa 5 has no field for `webhooks`, so the
//! entries are built here and added to the document's root through its
//! (flattened) extensions.

pub use crate::outbound::events::{ConnectionStatusChanged, PaymentUpdated, TestEvent};
use app::protocol::OutboundEventType;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::{ContentBuilder, Object, OpenApi, PathsBuilder, Ref, Required, ResponseBuilder};

/// Each event type, the schema of its `data`, and what it tells.
const EVENTS: [(OutboundEventType, &str, &str); 6] = [
    (
        OutboundEventType::NotificationCreated,
        "Notification",
        "A notification was created for the tenant (by a webhook, the API or Tidings itself).",
    ),
    (OutboundEventType::OrderCreated, "OrderView", "A tenant webhook created an order."),
    (OutboundEventType::PaymentUpdated, "PaymentUpdated", "A payment's status moved forward."),
    (OutboundEventType::WhatsappStatus, "OutgoingMessage", "An outgoing WhatsApp message's status changed."),
    (OutboundEventType::ConnectionStatus, "ConnectionStatusChanged", "A connect session's status changed."),
    (OutboundEventType::Test, "TestEvent", "Sent on request only (`POST /api/webhooks/endpoints/{id}/test`), to that endpoint."),
];

fn string(format: Option<KnownFormat>) -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String).format(format.map(SchemaFormat::KnownFormat))
}

/// The body of one event: `{type, timestamp, data}`.
fn envelope(event: OutboundEventType, data: &str) -> Object {
    ObjectBuilder::new()
        .property("type", string(None).enum_values(Some([event.name()])))
        .property("timestamp", string(Some(KnownFormat::DateTime)))
        .property("data", Ref::from_schema_name(data))
        .required("type")
        .required("timestamp")
        .required("data")
        .build()
}

/// A Standard Webhooks header every delivery carries.
fn header(name: &str, description: &str) -> utoipa::openapi::path::Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Header)
        .required(Required::True)
        .description(Some(description))
        .schema(Some(string(None)))
        .build()
}

fn item(event: OutboundEventType, data: &str, about: &str) -> PathItem {
    let body = RequestBodyBuilder::new()
        .required(Some(Required::True))
        .content("application/json", ContentBuilder::new().schema(Some(envelope(event, data))).build())
        .build();
    let operation = OperationBuilder::new()
        .operation_id(Some(format!("outbound_{}", event.name().replace('.', "_"))))
        .tag("Outbound events")
        .summary(Some(event.name()))
        .description(Some(format!(
            "{about} Posted to every enabled endpoint of the tenant subscribed to `{}`, signed with the endpoint's `whsec_` secret (Standard Webhooks), at least once: receivers dedupe by `webhook-id`.",
            event.name()
        )))
        .parameter(header("webhook-id", "The message's id: the same on every retry."))
        .parameter(header("webhook-timestamp", "Unix seconds when this attempt was signed."))
        .parameter(header("webhook-signature", "`v1,<base64 HMAC-SHA256 of id.timestamp.body>`."))
        .request_body(Some(body))
        .response("2XX", ResponseBuilder::new().description("Received: the delivery succeeded."))
        .response("410", ResponseBuilder::new().description("Gone: the endpoint is disabled and receives nothing more."))
        .response("429", ResponseBuilder::new().description("Slow down: retried after `Retry-After` when the answer sends one."))
        .response("default", ResponseBuilder::new().description("Any other answer, or none within the timeout, is retried on a schedule of growing delays."))
        .build();
    PathItem::new(HttpMethod::Post, operation)
}

/// Adds the outbound events to `doc` as its `webhooks`.
pub fn add(doc: &mut OpenApi) {
    let paths =
        EVENTS.iter().fold(PathsBuilder::new(), |paths, (event, data, about)| paths.path(event.name(), item(*event, data, about))).build();
    let webhooks = serde_json::to_value(paths.paths).expect("paths serialise");
    // Inserted as is: the extensions' builder would prefix the key `x-`.
    doc.extensions.get_or_insert_with(Default::default).insert("webhooks".to_owned(), webhooks);
}

//! The inbound webhook bodies whose parsers read JSON by hand
//! (`events::platform`, `intake::tenant`), described for the document
//! only: nothing builds these types. The tenant payloads and WhatsApp's
//! notification are the parsers' own types.

use crate::events::tenant::{EntityPayload, NotificationPayload, OrderPayload, PaymentPayload};
use serde::Serialize;
use utoipa::openapi::schema::{AnyOfBuilder, Schema};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

/// ConfirmD's flat shape.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlatformFlatEvent {
    /// The delivery's id (deduplicates retries).
    pub id: Option<String>,
    /// What happened, e.g. `connection.response`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub connection_id: Option<String>,
    pub state: Option<String>,
    pub their_label: Option<String>,
    pub their_did: Option<String>,
    pub org_id: Option<String>,
    pub out_of_band_id: Option<String>,
    pub timestamp: Option<String>,
}

/// The nested shape: a topic and the record under `data`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlatformNestedEvent {
    pub webhook_id: Option<String>,
    /// `family.state`, e.g. `connections.active`.
    pub topic: Option<String>,
    pub organization_id: Option<String>,
    pub agent_id: Option<String>,
    pub data: Option<PlatformNestedData>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlatformNestedData {
    pub connection_id: Option<String>,
    pub state: Option<String>,
    pub invitation_id: Option<String>,
    pub their_did: Option<String>,
    pub their_label: Option<String>,
}

/// ACA-Py's connection record, posted to `…/topic/{topic}/`.
#[derive(Serialize, ToSchema)]
pub struct AcaPyConnectionRecord {
    pub connection_id: Option<String>,
    pub state: Option<String>,
    pub rfc23_state: Option<String>,
    pub their_label: Option<String>,
    pub their_did: Option<String>,
    pub invitation_msg_id: Option<String>,
}

/// Credo's connection record, routed on its top-level `state`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CredoConnectionRecord {
    pub id: Option<String>,
    pub state: Option<String>,
    pub their_label: Option<String>,
    pub out_of_band_id: Option<String>,
}

/// What a wallet platform posts: any of the four shapes the parser knows.
pub struct PlatformWebhook;

impl PartialSchema for PlatformWebhook {
    fn schema() -> RefOr<Schema> {
        let names = ["PlatformFlatEvent", "PlatformNestedEvent", "AcaPyConnectionRecord", "CredoConnectionRecord"];
        RefOr::T(Schema::AnyOf(names.into_iter().fold(AnyOfBuilder::new(), |any, name| any.item(Ref::from_schema_name(name))).build()))
    }
}

impl ToSchema for PlatformWebhook {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.extend([
            (PlatformFlatEvent::name().into(), PlatformFlatEvent::schema()),
            (PlatformNestedEvent::name().into(), PlatformNestedEvent::schema()),
            (PlatformNestedData::name().into(), PlatformNestedData::schema()),
            (AcaPyConnectionRecord::name().into(), AcaPyConnectionRecord::schema()),
            (CredoConnectionRecord::name().into(), CredoConnectionRecord::schema()),
        ]);
    }
}

/// `POST /api/webhooks/orders`: the order, with the tenant it is for.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderWebhook {
    /// The tenant (a number or its text).
    pub tenant_id: String,
    #[serde(flatten)]
    pub order: OrderPayload,
}

/// `POST /api/webhooks/payments`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentWebhook {
    pub tenant_id: String,
    #[serde(flatten)]
    pub payment: PaymentPayload,
}

/// `POST /api/webhooks/notifications`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NotificationWebhook {
    pub tenant_id: String,
    #[serde(flatten)]
    pub notification: NotificationPayload,
}

/// `POST /api/webhooks/events` (seed 002's enhanced payload).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EntityWebhook {
    pub tenant_id: String,
    #[serde(flatten)]
    pub entity: EntityPayload,
}

/// `POST /api/webhooks/ping`: any JSON naming the tenant, to check a signature.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PingWebhook {
    pub tenant_id: String,
}

/// What `/api/webhooks/{kind}` takes: the body for its `kind`.
pub struct TenantWebhook;

impl PartialSchema for TenantWebhook {
    fn schema() -> RefOr<Schema> {
        let names = ["OrderWebhook", "PaymentWebhook", "NotificationWebhook", "EntityWebhook"];
        RefOr::T(Schema::AnyOf(names.into_iter().fold(AnyOfBuilder::new(), |any, name| any.item(Ref::from_schema_name(name))).build()))
    }
}

impl ToSchema for TenantWebhook {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.extend([
            (OrderWebhook::name().into(), OrderWebhook::schema()),
            (PaymentWebhook::name().into(), PaymentWebhook::schema()),
            (NotificationWebhook::name().into(), NotificationWebhook::schema()),
            (EntityWebhook::name().into(), EntityWebhook::schema()),
        ]);
        <OrderWebhook as ToSchema>::schemas(schemas);
        <PaymentWebhook as ToSchema>::schemas(schemas);
        <NotificationWebhook as ToSchema>::schemas(schemas);
        <EntityWebhook as ToSchema>::schemas(schemas);
    }
}

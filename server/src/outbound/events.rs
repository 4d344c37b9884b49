//! The bodies of the outbound events Tidings composes itself (the others
//! are protocol types sent as they are): one definition each, for the code
//! that sends them and for the OpenAPI document that describes them.

use app::protocol::{ConnectionId, ConnectionStatus, OrderView, PaymentStatus, SessionId};
use serde::Serialize;
use utoipa::ToSchema;

/// `payment.updated`'s data.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentUpdated {
    /// The order paid for, when Tidings knows it.
    pub order: Option<OrderView>,
    pub payment_id: String,
    pub status: PaymentStatus,
    pub amount: Option<f64>,
}

/// `connection.status`'s data: a connect session moved.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionStatusChanged {
    pub session_id: SessionId,
    pub status: ConnectionStatus,
    pub connection_id: Option<ConnectionId>,
    pub their_label: Option<String>,
}

/// `webhook.test`'s data.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TestEvent {
    pub message: String,
    pub endpoint_id: i64,
}

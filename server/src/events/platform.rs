//! Parses every shape a wallet platform posts to `/api/webhooks/confirmd`
//! into one typed event:
//!
//! - **flat** (ConfirmD): `id`, `type`, `connectionId`, `state`, `theirLabel`,
//!   `theirDid`, `orgId`, `outOfBandId`, `timestamp`;
//! - **nested**: `webhookId`, `topic` (`connections.active`), `organizationId`,
//!   `agentId`, `data{connectionId, state, invitationId, theirDid, theirLabel}`;
//! - **ACA-Py**: the connection record itself (`connection_id`, `state`,
//!   `rfc23_state`, `their_label`, `invitation_msg_id`), with the topic taken
//!   from the URL (`…/topic/connections/`);
//! - **Credo**: the connection record (`id`, `state`, `theirLabel`,
//!   `outOfBandId`), routed on its top-level `state`.
//!
//! Pure: no IO, so the worker can re-parse a stored body at any time.

use app::protocol::{ConnectionId, ConnectionStatus};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

/// A parsed delivery.
#[derive(Clone, Debug, PartialEq)]
pub struct PlatformEvent {
    /// The provider's delivery id, when the shape has one.
    pub delivery_id: Option<String>,
    /// `family.state`, e.g. `connections.response-sent`, `credentials.offer`.
    pub topic: String,
    /// Present for connection topics: what the processor acts on.
    pub connection: Option<ConnectionEvent>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ConnectionEvent {
    pub connection_id: Option<ConnectionId>,
    /// The platform's own state name, as sent.
    pub state: String,
    /// Our status for it; `None` for a state we do not know.
    pub status: Option<ConnectionStatus>,
    /// Ids that identify the invitation: out-of-band record id and/or
    /// invitation message id.
    pub invitation_ids: Vec<String>,
    pub their_label: Option<String>,
    pub their_did: Option<String>,
    pub timestamp: Option<DateTime<Utc>>,
}

#[derive(Debug, thiserror::Error)]
pub enum PayloadError {
    #[error("invalid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("unrecognised payload: {0}")]
    Shape(&'static str),
}

fn text(obj: &Map<String, Value>, key: &str) -> Option<String> {
    obj.get(key).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned)
}

fn time(obj: &Map<String, Value>, key: &str) -> Option<DateTime<Utc>> {
    obj.get(key)?.as_str()?.parse::<DateTime<Utc>>().ok()
}

/// Connection-ish topic families.
fn is_connection_family(family: &str) -> bool {
    matches!(family, "connections" | "connection" | "Connection" | "didexchange")
}

/// Maps the flat shape's `type` to a topic family.
fn family_of_type(kind: &str) -> String {
    match kind.to_ascii_lowercase().as_str() {
        "connection" | "connections" => "connections".into(),
        "credential" | "credentials" => "credentials".into(),
        "proof" | "proofs" | "presentation" => "proofs".into(),
        other => other.to_owned(),
    }
}

/// Parses `body`. `topic_hint` is the family named in the URL, when the
/// platform puts it there (ACA-Py posts to `…/topic/{topic}/`).
pub fn parse(body: &[u8], topic_hint: Option<&str>) -> Result<PlatformEvent, PayloadError> {
    let value: Value = serde_json::from_slice(body)?;
    let Value::Object(obj) = value else { return Err(PayloadError::Shape("expected a JSON object")) };

    if let (Some(topic), Some(Value::Object(data))) = (text(&obj, "topic"), obj.get("data")) {
        return Ok(nested(&obj, &topic, data));
    }
    if ["connection_id", "rfc23_state", "their_label", "invitation_msg_id", "invi_msg_id"].iter().any(|k| obj.contains_key(*k)) {
        return acapy(&obj, topic_hint);
    }
    if obj.contains_key("type") || obj.contains_key("connectionId") {
        return flat(&obj);
    }
    if obj.contains_key("id") && obj.contains_key("state") {
        return Ok(credo(&obj));
    }
    Err(PayloadError::Shape("expected a topic, a type, or a connection record"))
}

fn connection_event(
    state: String,
    connection_id: Option<String>,
    invitation_ids: impl IntoIterator<Item = Option<String>>,
    their_label: Option<String>,
    their_did: Option<String>,
    timestamp: Option<DateTime<Utc>>,
) -> ConnectionEvent {
    ConnectionEvent {
        status: ConnectionStatus::from_platform_state(&state),
        state,
        connection_id: connection_id.map(ConnectionId::new),
        invitation_ids: invitation_ids.into_iter().flatten().collect(),
        their_label,
        their_did,
        timestamp,
    }
}

fn flat(obj: &Map<String, Value>) -> Result<PlatformEvent, PayloadError> {
    let family = text(obj, "type").map(|t| family_of_type(&t)).unwrap_or_else(|| "connections".into());
    let state = text(obj, "state");
    let connection = if is_connection_family(&family) {
        let state = state.clone().ok_or(PayloadError::Shape("a connection event needs `state`"))?;
        Some(connection_event(
            state,
            text(obj, "connectionId"),
            [text(obj, "outOfBandId"), text(obj, "invitationId")],
            text(obj, "theirLabel"),
            text(obj, "theirDid"),
            time(obj, "timestamp"),
        ))
    } else {
        None
    };
    Ok(PlatformEvent { delivery_id: text(obj, "id"), topic: format!("{family}.{}", state.as_deref().unwrap_or("event")), connection })
}

fn nested(obj: &Map<String, Value>, topic: &str, data: &Map<String, Value>) -> PlatformEvent {
    let (family, topic_state) = topic.split_once('.').unwrap_or((topic, ""));
    let connection = is_connection_family(family).then(|| {
        let state = text(data, "state").unwrap_or_else(|| topic_state.to_owned());
        connection_event(
            state,
            text(data, "connectionId"),
            [text(data, "invitationId"), text(data, "outOfBandId")],
            text(data, "theirLabel"),
            text(data, "theirDid"),
            time(obj, "timestamp"),
        )
    });
    PlatformEvent { delivery_id: text(obj, "webhookId"), topic: topic.to_owned(), connection }
}

fn acapy(obj: &Map<String, Value>, topic_hint: Option<&str>) -> Result<PlatformEvent, PayloadError> {
    let family = topic_hint.unwrap_or("connections").trim_matches('/').to_owned();
    // `state` is the record's own state (`active`); `rfc23_state` the
    // protocol's (`completed`). Both map to the same status.
    let state = text(obj, "state").or_else(|| text(obj, "rfc23_state"));
    // A multi-use invitation's own record stays at `invitation` as a
    // template; each scan makes a connection of its own. The template's id
    // must not become a session's connection, or the real one would find
    // the session taken.
    let template = text(obj, "invitation_mode").as_deref() == Some("multi");
    let connection = if is_connection_family(&family) {
        let state = state.clone().ok_or(PayloadError::Shape("a connection record needs `state`"))?;
        Some(connection_event(
            state,
            text(obj, "connection_id").filter(|_| !template),
            [text(obj, "invitation_msg_id"), text(obj, "oob_id")],
            text(obj, "their_label"),
            text(obj, "their_did"),
            time(obj, "updated_at"),
        ))
    } else {
        None
    };
    Ok(PlatformEvent { delivery_id: None, topic: format!("{family}.{}", state.as_deref().unwrap_or("event")), connection })
}

fn credo(obj: &Map<String, Value>) -> PlatformEvent {
    let state = text(obj, "state").unwrap_or_default();
    PlatformEvent {
        // `id` is the connection record's id, the same for every state: not a
        // delivery id.
        delivery_id: None,
        topic: format!("connections.{state}"),
        connection: Some(connection_event(
            state,
            text(obj, "id"),
            [text(obj, "outOfBandId")],
            text(obj, "theirLabel"),
            text(obj, "theirDid"),
            time(obj, "updatedAt"),
        )),
    }
}

#[cfg(test)]
#[path = "platform_tests.rs"]
mod tests;

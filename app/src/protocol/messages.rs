//! What travels over `/ws/connections` and the connect REST API. Field names
//! follow the seeds' contract (`sessionId`, `status_update`, …) so existing
//! clients keep working.

use super::{ConnectionId, ConnectionStatus, OutOfBandId, RequestType, SessionId, StreamStart};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Server → client WebSocket messages.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    /// First message on every (re)connect: carries the session's current
    /// state, so a client that was offline catches up at once.
    #[serde(rename_all = "camelCase")]
    Connected {
        session_id: SessionId,
        status: ConnectionStatus,
        connection_id: Option<ConnectionId>,
        their_label: Option<String>,
        message: String,
        timestamp: DateTime<Utc>,
        /// With `resumed`, the page keeps what it has and the updates it
        /// missed follow; the state above is for a page that reloads.
        #[serde(flatten)]
        start: StreamStart,
    },
    /// A change of the session's status.
    #[serde(rename_all = "camelCase")]
    StatusUpdate {
        session_id: SessionId,
        status: ConnectionStatus,
        connection_id: Option<ConnectionId>,
        their_label: Option<String>,
        timestamp: DateTime<Utc>,
    },
    /// Answer to a client's `ping`.
    Pong { timestamp: DateTime<Utc> },
    /// Something the client sent could not be understood.
    Error { message: String },
}

/// Client → server WebSocket messages.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    /// Application-level heartbeat: browsers cannot see WebSocket ping frames,
    /// so a page proves the server is alive this way.
    Ping,
}

/// Body of `POST /api/connections/session`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreateSessionRequest {
    #[serde(default)]
    pub request_type: RequestType,
}

/// `data` of a created session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreatedSession {
    pub session_id: SessionId,
    pub invitation_url: String,
    pub out_of_band_id: OutOfBandId,
    pub expires_at: DateTime<Utc>,
}

/// `data` of `GET /api/connections/session?sessionId=…`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct SessionView {
    pub session_id: SessionId,
    pub status: ConnectionStatus,
    pub connection_id: Option<ConnectionId>,
    pub their_label: Option<String>,
    pub their_did: Option<String>,
    pub invitation_url: String,
    pub out_of_band_id: OutOfBandId,
    pub request_type: RequestType,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// The seeds' response envelope: `{"success":true,"data":…}`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Envelope<T> {
    pub success: bool,
    pub data: T,
}

impl<T> Envelope<T> {
    pub fn ok(data: T) -> Self {
        Self { success: true, data }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_update_uses_the_seed_field_names() {
        let msg = ServerMessage::StatusUpdate {
            session_id: SessionId::new("s1"),
            status: ConnectionStatus::Response,
            connection_id: Some(ConnectionId::new("c1")),
            their_label: Some("iPhone".into()),
            timestamp: DateTime::from_timestamp(0, 0).unwrap(),
        };
        let json = serde_json::to_value(&msg).unwrap();
        assert_eq!(json["type"], "status_update");
        assert_eq!(json["sessionId"], "s1");
        assert_eq!(json["status"], "response");
        assert_eq!(json["connectionId"], "c1");
        assert_eq!(json["theirLabel"], "iPhone");
    }

    #[test]
    fn parses_a_client_ping() {
        let msg: ClientMessage = serde_json::from_str(r#"{"type":"ping"}"#).unwrap();
        assert_eq!(msg, ClientMessage::Ping);
    }

    #[test]
    fn request_type_defaults_to_registration() {
        let req: CreateSessionRequest = serde_json::from_str("{}").unwrap();
        assert_eq!(req.request_type, RequestType::Registration);
    }
}

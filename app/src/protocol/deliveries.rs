//! The inbound webhook log operators read at `/admin/deliveries`.

use super::{DeliveryStatus, SessionId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One row of the delivery log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
#[serde(rename_all = "camelCase")]
pub struct DeliverySummary {
    pub id: i64,
    pub provider: String,
    pub topic: String,
    pub status: DeliveryStatus,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub session_id: Option<SessionId>,
    pub received_at: DateTime<Utc>,
    pub processed_at: Option<DateTime<Utc>>,
    /// Read back from the platform by reconciliation, not posted by it.
    pub reconciled: bool,
}

/// One delivery with its payload, pretty-printed, credentials redacted
/// (empty once retention purged it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DeliveryDetail {
    #[serde(flatten)]
    pub summary: DeliverySummary,
    pub payload: String,
}

/// How many deliveries a replay set going again.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Replayed {
    pub replayed: usize,
}

/// One minute of the delivery log: what arrived, how much of it is applied,
/// and how much failed at least once.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MinuteCounts {
    pub minute: DateTime<Utc>,
    pub received: i64,
    pub applied: i64,
    pub failed: i64,
}

/// `/ws/deliveries` client → server: only the heartbeat (the socket
/// watches the log from the moment it opens).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LogClientMessage {
    Ping,
}

/// `/ws/deliveries` server → client.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LogServerMessage {
    /// The socket watches the log: the page reads it now (again, after a
    /// reconnect, for what it missed meanwhile).
    Watching {
        timestamp: DateTime<Utc>,
    },
    /// Deliveries arrived or changed status: the page reads the log again.
    /// (A burst is told once, then at most a few times a second.)
    Moved {},
    Pong {
        timestamp: DateTime<Utc>,
    },
    Error {
        message: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_move_reads_whatever_else_its_frame_carries() {
        let moved: LogServerMessage = serde_json::from_str(r#"{"type":"moved","offset":42}"#).unwrap();
        assert_eq!(moved, LogServerMessage::Moved {});
        assert_eq!(serde_json::to_string(&LogClientMessage::Ping).unwrap(), r#"{"type":"ping"}"#);
    }
}

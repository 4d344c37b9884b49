//! Connection and delivery statuses: one enum each, used by the server, the
//! browser and the database alike, so no status is ever a bare string.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Where a wallet connection stands, from the student's point of view.
///
/// The happy path is `Invitation → Request → Response → Active → Completed`;
/// `Error` and `Abandoned` end a flow that never became a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "TEXT", rename_all = "lowercase"))]
pub enum ConnectionStatus {
    Invitation,
    Request,
    Response,
    Active,
    Completed,
    Error,
    Abandoned,
}

impl ConnectionStatus {
    /// The steps a page shows, in order.
    pub const STEPS: [ConnectionStatus; 4] = [Self::Invitation, Self::Request, Self::Response, Self::Active];

    /// Position on the happy path. Failures share the rank of the step they
    /// interrupt at most, and are handled separately in [`Self::advance`].
    fn rank(self) -> u8 {
        match self {
            Self::Invitation => 0,
            Self::Request => 1,
            Self::Response => 2,
            Self::Active => 3,
            Self::Completed => 4,
            Self::Error | Self::Abandoned => 5,
        }
    }

    /// A status no later event can change.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Completed | Self::Error | Self::Abandoned)
    }

    /// The wallet is connected: what a page celebrates.
    pub fn is_connected(self) -> bool {
        matches!(self, Self::Active | Self::Completed)
    }

    /// The flow ended without a connection: a page offers a new code.
    pub fn is_failed(self) -> bool {
        matches!(self, Self::Error | Self::Abandoned)
    }

    /// The status after `incoming` arrives while the session is at `self`,
    /// or `None` when the event must not change anything.
    ///
    /// Statuses only move forward, so a late or repeated webhook (a
    /// `response-sent` delivered after `completed`) never moves a session
    /// back. A failure can end a flow that is not yet connected, but does
    /// not undo an established connection.
    pub fn advance(self, incoming: ConnectionStatus) -> Option<ConnectionStatus> {
        if self.is_final() || incoming == self {
            return None;
        }
        if incoming.is_failed() {
            return (!self.is_connected()).then_some(incoming);
        }
        (incoming.rank() > self.rank()).then_some(incoming)
    }

    /// Maps a platform's state name to ours. `Completed` is never a platform
    /// state: it marks a flow whose follow-up exchanges are done.
    /// Accepts the ConfirmD names, the
    /// RFC 0023 DID-exchange names (`request-received`, `response-sent`, …)
    /// that ACA-Py and Credo send, and ACA-Py's legacy connection states.
    pub fn from_platform_state(state: &str) -> Option<ConnectionStatus> {
        let state = state.trim().to_ascii_lowercase();
        Some(match state.as_str() {
            "invitation" | "invitation-sent" | "invitation-received" | "start" | "init" | "await-response" => Self::Invitation,
            "request" | "request-sent" | "request-received" => Self::Request,
            "response" | "response-sent" | "response-received" => Self::Response,
            // RFC 0023's `completed` is an established connection: the
            // seeds map it to `active`, and so do we.
            "active" | "completed" | "complete" => Self::Active,
            "error" => Self::Error,
            "abandoned" => Self::Abandoned,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Invitation => "invitation",
            Self::Request => "request",
            Self::Response => "response",
            Self::Active => "active",
            Self::Completed => "completed",
            Self::Error => "error",
            Self::Abandoned => "abandoned",
        }
    }

    /// Words a student reads.
    pub fn label(self) -> &'static str {
        match self {
            Self::Invitation => "Waiting for scan",
            Self::Request => "Wallet requested",
            Self::Response => "Responding",
            Self::Active => "Connected",
            Self::Completed => "Connected",
            Self::Error => "Something went wrong",
            Self::Abandoned => "Code expired",
        }
    }
}

impl fmt::Display for ConnectionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of parsing an unknown status name.
#[derive(Debug, thiserror::Error)]
#[error("unknown status `{0}`")]
pub struct UnknownStatus(pub String);

impl FromStr for ConnectionStatus {
    type Err = UnknownStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        serde_json::from_value(serde_json::Value::String(s.to_owned())).map_err(|_| UnknownStatus(s.to_owned()))
    }
}

/// What became of a stored webhook delivery.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "TEXT", rename_all = "lowercase"))]
pub enum DeliveryStatus {
    /// Stored and acknowledged, not yet applied (or applying failed and a
    /// worker will try again).
    Pending,
    /// Applied to the state it concerns.
    Processed,
    /// Parsed and kept, but no session or record claims it.
    Unmatched,
}

impl DeliveryStatus {
    /// The name it is stored and sent under.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Processed => "processed",
            Self::Unmatched => "unmatched",
        }
    }
}

/// Why a student opened a connect flow (the seeds' `requestType`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "TEXT", rename_all = "lowercase"))]
pub enum RequestType {
    #[default]
    Registration,
    Authentication,
}

#[cfg(test)]
mod tests {
    use super::ConnectionStatus::{self, *};

    #[test]
    fn moves_forward_only() {
        assert_eq!(Invitation.advance(Request), Some(Request));
        assert_eq!(Invitation.advance(Active), Some(Active));
        assert_eq!(Response.advance(Request), None);
        assert_eq!(Active.advance(Response), None);
        assert_eq!(Active.advance(Active), None);
        assert_eq!(Active.advance(Completed), Some(Completed));
        assert_eq!(Completed.advance(Active), None);
    }

    #[test]
    fn failures_end_unconnected_flows_only() {
        assert_eq!(Invitation.advance(Abandoned), Some(Abandoned));
        assert_eq!(Response.advance(Error), Some(Error));
        assert_eq!(Active.advance(Abandoned), None);
        assert_eq!(Abandoned.advance(Active), None);
        assert_eq!(Error.advance(Request), None);
    }

    #[test]
    fn every_order_of_a_flow_ends_at_its_furthest_step() {
        let flow = [Request, Response, Active, Error];
        // All 24 orders of four events.
        fn permutations(rest: Vec<usize>) -> Vec<Vec<usize>> {
            if rest.is_empty() {
                return vec![vec![]];
            }
            let mut all = Vec::new();
            for (i, &first) in rest.iter().enumerate() {
                let mut others = rest.clone();
                others.remove(i);
                for mut tail in permutations(others) {
                    tail.insert(0, first);
                    all.push(tail);
                }
            }
            all
        }
        let orders = permutations((0..flow.len()).collect());
        assert_eq!(orders.len(), 24);
        for order in orders {
            let end = order.iter().fold(Invitation, |s, &i| s.advance(flow[i]).unwrap_or(s));
            // An error after the connection is established changes nothing;
            // one before it ends the flow.
            let error_first = order.iter().position(|&i| i == 3) < order.iter().position(|&i| i == 2);
            assert_eq!(end, if error_first { Error } else { Active }, "order {order:?}");
        }
    }

    #[test]
    fn maps_platform_state_names() {
        let cases = [
            ("response-sent", Response),
            ("request-received", Request),
            ("completed", Active),
            ("active", Active),
            ("Abandoned", Abandoned),
            ("invitation", Invitation),
        ];
        for (name, want) in cases {
            assert_eq!(ConnectionStatus::from_platform_state(name), Some(want), "{name}");
        }
        assert_eq!(ConnectionStatus::from_platform_state("offer-sent"), None);
    }

    #[test]
    fn round_trips_through_its_name() {
        for s in [Invitation, Request, Response, Active, Completed, Error, Abandoned] {
            assert_eq!(s.as_str().parse::<ConnectionStatus>().unwrap(), s);
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{s}\""));
        }
    }

    #[test]
    fn delivery_statuses_are_named_as_serialised() {
        use super::DeliveryStatus;
        for s in [DeliveryStatus::Pending, DeliveryStatus::Processed, DeliveryStatus::Unmatched] {
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{}\"", s.as_str()));
        }
    }
}

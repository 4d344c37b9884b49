//! Connect sessions: what the connect page shows and matching reads.

use super::StoreResult;
use app::protocol::{ConnectionId, ConnectionStatus, OutOfBandId, RequestType, SessionId, SessionView};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// How a webhook found its session: kept on the session, so every guess the
/// legacy mode makes is counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "TEXT", rename_all = "snake_case")]
pub enum MatchRule {
    /// The session's own single-use invitation id: exact.
    Invitation,
    /// The seeds' "most recent waiting session" rule: a guess.
    LegacyGuess,
}

impl MatchRule {
    /// The name it is stored under.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchRule::Invitation => "invitation",
            MatchRule::LegacyGuess => "legacy_guess",
        }
    }
}

/// A session about to be stored.
#[derive(Clone, Debug)]
pub struct NewSession {
    pub session_id: SessionId,
    pub request_type: RequestType,
    pub invitation_url: String,
    pub out_of_band_id: OutOfBandId,
    pub invitation_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A session with the fields matching needs beyond what clients see.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SessionRecord {
    #[sqlx(flatten)]
    pub view: SessionView,
    pub invitation_id: Option<String>,
}

/// A compare-and-set status change: applied only if the session is still at
/// `from`, so concurrent writers (or nodes) cannot move a session backwards.
#[derive(Clone, Debug)]
pub struct StatusChange {
    pub session_id: SessionId,
    pub from: ConnectionStatus,
    pub to: ConnectionStatus,
    pub connection_id: Option<ConnectionId>,
    pub their_label: Option<String>,
    pub their_did: Option<String>,
    pub matched_by: Option<MatchRule>,
    pub at: DateTime<Utc>,
}

#[async_trait]
pub trait SessionStore: Send + Sync {
    async fn session(&self, id: &SessionId) -> StoreResult<Option<SessionView>>;
}

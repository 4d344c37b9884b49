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

/// An open session, as reconciliation asks the platform about it.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct OpenSession {
    pub session_id: SessionId,
    pub status: ConnectionStatus,
    pub out_of_band_id: OutOfBandId,
    pub invitation_id: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// Which open sessions [`SessionStore::stalled_sessions`] lists: those
/// whose last move lies in `since..before` (a pass pages through them by
/// moving `since` on), or only one.
#[derive(Clone, Copy, Debug)]
pub struct StalledWindow<'a> {
    pub since: DateTime<Utc>,
    pub before: DateTime<Utc>,
    pub only: Option<&'a SessionId>,
}

/// The statuses a session can still move on from by a webhook.
pub const OPEN_STATUSES: [ConnectionStatus; 3] = [ConnectionStatus::Invitation, ConnectionStatus::Request, ConnectionStatus::Response];

#[async_trait]
pub trait SessionStore: Send + Sync {
    async fn session(&self, id: &SessionId) -> StoreResult<Option<SessionView>>;
    /// Up to `limit` open, unexpired sessions (or only `only`) that last
    /// moved after `since` and before `before`, longest-stalled first.
    async fn stalled_sessions(&self, window: StalledWindow<'_>, now: DateTime<Utc>, limit: i64) -> StoreResult<Vec<OpenSession>>;
}

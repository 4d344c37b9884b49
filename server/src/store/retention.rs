//! Purging what is kept only for a while: raw webhook bodies, the activity
//! log, outbound attempts, expired sign-ins and invitations.

use super::StoreResult;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// Everything older than these times goes.
#[derive(Clone, Debug)]
pub struct PurgeBefore {
    pub webhook_bodies: DateTime<Utc>,
    pub activity: DateTime<Utc>,
    pub outbound_attempts: DateTime<Utc>,
    /// Sign-ins and invitations that expired before this.
    pub expired: DateTime<Utc>,
}

/// How many of each were purged.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Purged {
    pub webhook_bodies: u64,
    pub activity: u64,
    pub outbound_attempts: u64,
    pub sessions: u64,
    pub invitations: u64,
}

#[async_trait]
pub trait RetentionStore: Send + Sync {
    /// Purges in batches, so no single transaction holds the write lock for
    /// long. A delivery keeps its row (and so its dedupe key); only the
    /// body of an applied one goes.
    async fn purge(&self, before: &PurgeBefore) -> StoreResult<Purged>;
}

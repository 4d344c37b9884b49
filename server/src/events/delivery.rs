//! A webhook delivery: as intake stores it, and as the worker reads it back.

use super::Provider;
use app::protocol::DeliveryStatus;
use chrono::{DateTime, Utc};

/// A webhook delivery, stored before it is acknowledged.
#[derive(Clone, Debug)]
pub struct NewDelivery {
    pub provider: Provider,
    /// The provider's delivery id, or a hash of the body when it has none.
    pub delivery_key: String,
    pub topic: String,
    pub body: Vec<u8>,
    /// What a later record can make this delivery applicable again by (a
    /// message's `wamid`, an invitation's id), when it is kept unmatched.
    pub claim: Option<String>,
    pub received_at: DateTime<Utc>,
}

/// How the delivery key of a record reconciliation read back from the
/// platform starts (then the hash of the record's bytes, so reading the
/// same record twice stores it once). Webhooks' keys never start so.
pub const RECONCILED_KEY_PREFIX: &str = "reconciled:";

/// The same, as a SQL `LIKE` pattern.
pub const RECONCILED_KEY_PATTERN: &str = "reconciled:%";

#[cfg(test)]
impl NewDelivery {
    /// A tenant delivery with `key`, for the store's tests.
    pub fn sample(key: &str) -> Self {
        Self {
            provider: Provider::Tenant,
            delivery_key: key.into(),
            topic: "t".into(),
            body: b"{}".to_vec(),
            claim: None,
            received_at: Utc::now(),
        }
    }
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct StoredDelivery {
    pub id: i64,
    pub provider: Provider,
    pub topic: String,
    pub body: Vec<u8>,
    pub status: DeliveryStatus,
    pub attempts: i64,
}

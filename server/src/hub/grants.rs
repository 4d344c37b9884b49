//! What let a socket in, so it can be shut out again: logging out, revoking
//! an API key, removing a member or a channel token running out closes the
//! sockets that credential opened, within seconds.

use crate::events::Revocation;
use app::protocol::TenantId;

/// A credential a socket holds its channels by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Grant {
    /// A staff member's sign-in (by the hash of its cookie token).
    Session(String),
    /// Membership of a tenant, for a user.
    Member(TenantId, i64),
    /// A channel token minted with this API key (by its id).
    ApiKey(i64),
    /// Valid until this Unix second (a channel token's or a sign-in's end).
    Until(i64),
}

impl Revocation {
    pub fn covers(&self, grant: &Grant) -> bool {
        match (self, grant) {
            (Revocation::Session { token_hash }, Grant::Session(held)) => token_hash == held,
            (Revocation::Member { tenant, user }, Grant::Member(t, u)) => tenant == t && user == u,
            (Revocation::ApiKey { key }, Grant::ApiKey(held)) => key == held,
            _ => false,
        }
    }
}

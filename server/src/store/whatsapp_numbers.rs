//! A tenant's WhatsApp business numbers: which tenant an inbound webhook
//! belongs to (by Meta's `phone_number_id`), and which number it sends from.

use super::StoreResult;
use app::protocol::{TenantId, WhatsAppNumber};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use secrecy::SecretString;

/// A number to add to a tenant.
#[derive(Clone, Debug)]
pub struct NewNumber {
    pub phone_number_id: String,
    pub display_number: String,
    pub access_token: Option<SecretString>,
}

/// The number a tenant sends from, and its own token if it has one.
#[derive(Clone, Debug)]
pub struct SendingNumber {
    pub phone_number_id: String,
    pub access_token: Option<SecretString>,
}

#[async_trait]
pub trait WhatsAppNumberStore: Send + Sync {
    /// A tenant's numbers, the environment's first.
    async fn whatsapp_numbers(&self, tenant: TenantId) -> StoreResult<Vec<WhatsAppNumber>>;
    /// Adds a number; `None` if the tenant already has it.
    async fn add_whatsapp_number(&self, tenant: TenantId, number: &NewNumber, at: DateTime<Utc>) -> StoreResult<Option<WhatsAppNumber>>;
    /// Removes one of the tenant's own numbers (not the environment's).
    async fn remove_whatsapp_number(&self, tenant: TenantId, id: i64) -> StoreResult<bool>;
    /// Makes `number` the environment's number of `tenant`, replacing the one
    /// an earlier start configured (`None`: there is none).
    async fn sync_environment_number(&self, tenant: TenantId, number: Option<(&str, &str)>, at: DateTime<Utc>) -> StoreResult<()>;
    /// The tenants that own `phone_number_id`.
    async fn number_owners(&self, phone_number_id: &str) -> StoreResult<Vec<TenantId>>;
    /// The number `tenant` sends from: `phone_number_id` if it owns it, else
    /// its first (the environment's before its own).
    async fn sending_number(&self, tenant: TenantId, phone_number_id: Option<&str>) -> StoreResult<Option<SendingNumber>>;
}

//! Durable storage behind traits, so the embedded SQLite file and a
//! PostgreSQL cluster run the same code. The backend is chosen once, from
//! `DATABASE_URL`, in [`connect`]. One trait per area; [`Store`] is all of
//! them.

mod accounts;
mod apply;
pub mod copy;
mod deliveries;
mod error;
mod invitations;
mod jobs;
mod outbound;
mod platform_webhooks;
mod postgres;
mod retention;
mod rows;
mod sessions;
mod sqlite;
mod tenant_data;
mod tenant_webhooks;
mod whatsapp;
mod whatsapp_numbers;

pub use accounts::*;
pub use apply::*;
pub use deliveries::*;
pub use error::{StoreError, StoreResult};
pub use invitations::*;
pub use jobs::WriteStats;
pub use outbound::*;
pub use platform_webhooks::*;
pub use postgres::PostgresStore;
pub use retention::*;
pub use sessions::*;
pub use sqlite::SqliteStore;
pub use tenant_data::*;
pub use tenant_webhooks::*;
pub use whatsapp::*;
pub use whatsapp_numbers::*;

use std::sync::Arc;

/// Every storage area, as one object the application holds.
pub trait Store:
    SessionStore
    + DeliveryStore
    + WhatsAppStore
    + WhatsAppNumberStore
    + AccountStore
    + InvitationStore
    + TenantWebhookStore
    + TenantDataStore
    + OutboundStore
    + PlatformWebhookStore
    + RetentionStore
    + ApplyStore
    + 'static
{
}

impl<
        T: SessionStore
            + DeliveryStore
            + WhatsAppStore
            + WhatsAppNumberStore
            + AccountStore
            + InvitationStore
            + TenantWebhookStore
            + TenantDataStore
            + OutboundStore
            + PlatformWebhookStore
            + RetentionStore
            + ApplyStore
            + 'static,
    > Store for T
{
}

/// Opens the store named by `database_url` and brings its schema up to date.
pub async fn connect(database_url: &str) -> anyhow::Result<Arc<dyn Store>> {
    if database_url.starts_with("sqlite:") {
        return Ok(Arc::new(SqliteStore::connect(database_url).await?));
    }
    if database_url.starts_with("postgres:") || database_url.starts_with("postgresql:") {
        return Ok(Arc::new(PostgresStore::connect(database_url).await?));
    }
    anyhow::bail!("unsupported DATABASE_URL scheme (expected sqlite:… or postgres:…)")
}

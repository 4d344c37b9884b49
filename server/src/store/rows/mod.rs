//! The rows the backends read through sqlx, shared: `sqlx::FromRow` is
//! generic over the database, so SQLite and PostgreSQL decode the same
//! structs.

pub(super) mod accounts;
pub(super) mod notifications;
pub(super) mod orders;
pub(super) mod outbound;
pub(super) mod tenant_webhooks;
pub(super) mod whatsapp;
pub(super) mod whatsapp_numbers;

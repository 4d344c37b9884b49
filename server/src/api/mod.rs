//! The JSON API on the seeds' contract.

pub mod dashboard;
pub mod deliveries;
pub mod notifications;
pub mod outbound;
pub mod sessions;
pub mod stats;
pub mod tenants;
pub mod webhook_settings;
pub mod whatsapp;

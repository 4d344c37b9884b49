//! The JSON API on the seeds' contract.

pub mod deliveries;
pub mod sessions;
pub mod stats;
pub mod tenants;
pub mod webhook_settings;
pub mod whatsapp;

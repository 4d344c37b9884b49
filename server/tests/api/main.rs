//! Integration tests: the real server on port 0 with a temporary SQLite
//! file, driven over real HTTP and WebSocket on loopback.

mod auth;
mod connect_flow;
mod helpers;
mod intake;
mod lifecycle;
mod outbound;
mod tenant_events;
mod tenant_helpers;
mod wa_helpers;
mod webhook_settings;
mod whatsapp;

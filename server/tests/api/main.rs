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
mod walls_accounts;
mod walls_links;
mod walls_sockets;
mod walls_whatsapp;
mod webhook_settings;
mod whatsapp;

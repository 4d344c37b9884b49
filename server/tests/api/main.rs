//! Integration tests: the real server on port 0 with a temporary SQLite
//! file (or, when the test command provides them, a private PostgreSQL and
//! Redis: see [`backend`]), driven over real HTTP and WebSocket on
//! loopback; in this process, or (to kill it) as the real binary in a
//! process of its own.

mod acapy;
mod acapy_agent;
mod auth;
mod backend;
mod bell_storm;
mod cluster;
mod connect_flow;
mod copy_to_postgres;
mod delivery_log;
mod drop_storm;
mod faults;
mod health;
mod helpers;
mod intake;
mod lifecycle;
mod metrics;
mod openapi;
mod outbound;
mod platform_apps;
mod process;
mod redis_server;
mod replay;
mod resume;
mod slow_consumer;
mod tenant_events;
mod tenant_helpers;
mod wa_helpers;
mod walls_accounts;
mod walls_cross_site;
mod walls_links;
mod walls_sockets;
mod walls_whatsapp;
mod webhook_settings;
mod whatsapp;

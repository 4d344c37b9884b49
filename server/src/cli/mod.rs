//! The command line: `tidings` (serve, the default), `tidings admin …`,
//! `tidings platform …` and `tidings simulate …`.

pub mod admin;
pub mod platform;
pub mod simulate;
pub mod simulate_whatsapp;

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(name = "tidings", version, about = "Provider webhooks in, live browser updates out")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the app (the default). Address from LEPTOS_SITE_ADDR.
    Serve,
    /// Set up tenants, staff and API keys.
    #[command(subcommand)]
    Admin(admin::Admin),
    /// Wire the wallet platform's webhooks to this server.
    #[command(subcommand)]
    Platform(platform::Platform),
    /// Play a provider against a running server.
    #[command(subcommand)]
    Simulate(simulate::Simulate),
}

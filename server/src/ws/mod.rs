//! WebSocket endpoints, on one shared loop ([`pump`]).

pub mod connections;
mod pump;
pub mod tenant;
pub mod whatsapp;

//! WebSocket endpoints.

pub mod connections;

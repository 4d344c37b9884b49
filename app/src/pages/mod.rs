//! One module per route.

mod connect;
mod home;
mod whatsapp;

pub use connect::ConnectPage;
pub use home::{Home, NotFound};
pub use whatsapp::WhatsAppPage;

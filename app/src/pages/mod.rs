//! One module per route.

mod connect;
mod home;

pub use connect::ConnectPage;
pub use home::{Home, NotFound};

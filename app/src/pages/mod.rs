//! One module per route.

// First: its `lazy_board!` is used by the pages after it.
#[macro_use]
mod lazy;
mod activity;
mod connect;
mod dashboard;
mod deliveries;
mod helpdesk;
mod home;
mod invite;
mod login;
mod settings;
mod whatsapp;

pub use activity::ActivityPage;
pub use connect::ConnectPage;
pub use dashboard::DashboardPage;
pub use deliveries::DeliveriesPage;
pub use helpdesk::HelpdeskPage;
pub use home::{Home, NotFound};
pub use invite::InvitePage;
pub use login::LoginPage;
pub use settings::{SettingsPage, WebhookSettingsPage};
pub use whatsapp::WhatsAppPage;

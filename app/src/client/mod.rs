//! Browser-side helpers: the reconnecting socket and the connect REST calls.
//! They compile on the server too (the SSR build type-checks the pages) but
//! only ever run in the browser, from event handlers and effects.

mod api;
mod auth_api;
mod live_socket;
mod settings_api;
mod tenant_api;
mod whatsapp_api;

pub use api::{create_session, fetch_session, ws_url};
pub use auth_api::{guarded, login, logout, me};
pub use live_socket::{open_live_socket, LinkState, LiveMessage, LiveSocket};
pub use settings_api::*;
pub use tenant_api::*;
pub use whatsapp_api::{list_incoming, list_messages, send_template, ws_whatsapp_url};

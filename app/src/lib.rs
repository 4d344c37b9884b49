//! Tidings' user interface and shared vocabulary.
//!
//! - [`protocol`]: statuses, ids and WebSocket messages shared by the server,
//!   the browser and the database.
//! - `pages/`: one module per route; `components/`: the pieces they share.
//! - `client/`: browser-only helpers (the reconnecting socket, REST calls).
//!
//! The server renders every page ([`shell`]); the `frontend` crate hydrates
//! it in the browser.

// Leptos' typed views nest deeply; optimised builds (which do not erase
// component types) need more room than the default 128.
#![recursion_limit = "256"]

mod auth;
pub mod client;
mod components;
mod pages;
pub mod protocol;
#[cfg(feature = "ssr")]
mod security;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    security::content_security_policy(&options);
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                // No icon file: without this, every first visit asks for
                // /favicon.ico and gets a 404 beside the files it needs.
                <link rel="icon" href="data:,"/>
                <AutoReload options=options.clone()/>
                <HashedStylesheet id="leptos" options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    auth::provide_auth();
    components::bell::provide_tenant_live();
    // Marks the page interactive once hydrated (effects run only in the
    // browser), so tests and scripts know when clicks take effect.
    Effect::new(|_| {
        if let Some(body) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.body()) {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <Title text="Tidings"/>
        <Router>
            <components::Header/>
            <main class="main">
                <Routes fallback=pages::NotFound>
                    <Route path=path!("/") view=pages::Home/>
                    <Route path=path!("/register/connect") view=pages::ConnectPage/>
                    <Route path=path!("/whatsapp") view=pages::WhatsAppPage/>
                    <Route path=path!("/login") view=pages::LoginPage/>
                    <Route path=path!("/invite") view=pages::InvitePage/>
                    <Route path=path!("/settings") view=pages::SettingsPage/>
                    <Route path=path!("/settings/webhooks") view=pages::WebhookSettingsPage/>
                    <Route path=path!("/activity") view=pages::ActivityPage/>
                    <Route path=path!("/admin/deliveries") view=pages::DeliveriesPage/>
                    <Route path=path!("/dashboard") view=pages::DashboardPage/>
                    <Route path=path!("/helpdesk") view=pages::HelpdeskPage/>
                </Routes>
            </main>
            <components::bell::Toasts/>
        </Router>
    }
}

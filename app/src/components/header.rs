//! The top bar every page shows.

use leptos::prelude::*;

#[component]
pub fn Header() -> impl IntoView {
    view! {
        <header class="topbar">
            <a class="brand" href="/">
                <span class="brand-mark" aria-hidden="true">"◆"</span>
                " Tidings"
            </a>
            <nav class="nav">
                <a href="/register/connect">"Connect wallet"</a>
                <a href="/whatsapp">"WhatsApp"</a>
            </nav>
        </header>
    }
}

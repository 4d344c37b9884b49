//! The landing page and the 404 page.

use leptos::prelude::*;

#[component]
pub fn Home() -> impl IntoView {
    view! {
        <section class="hero">
            <h1>"Student registration"</h1>
            <p class="lead">
                "Connect your digital wallet to register. It takes a scan and a few seconds, "
                "and you can watch every step happen live."
            </p>
            <a class="button primary" href="/register/connect">"Connect wallet"</a>
        </section>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <section class="hero">
            <h1>"Page not found"</h1>
            <a class="button" href="/">"Back to the start"</a>
        </section>
    }
}

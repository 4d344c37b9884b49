//! The top bar every page shows, with the signed-in user and sign-out.

use super::bell::{Bell, LiveTenant};
use crate::auth::use_auth;
use crate::client;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;

#[component]
pub fn Header() -> impl IntoView {
    let auth = use_auth();
    let navigate = use_navigate();
    let sign_out = move |_| {
        let navigate = navigate.clone();
        spawn_local(async move {
            let _ = client::logout().await;
            auth.me.set(None);
            navigate("/login", Default::default());
        });
    };
    view! {
        <header class="topbar">
            <a class="brand" href="/">
                <span class="brand-mark" aria-hidden="true">"◆"</span>
                " Tidings"
            </a>
            <nav class="nav">
                <a href="/register/connect">"Connect wallet"</a>
                <a href="/whatsapp">"WhatsApp"</a>
                <Show when=move || auth.me.with(Option::is_some)>
                    <a href="/dashboard">"Dashboard"</a>
                    <a href="/helpdesk">"Helpdesk"</a>
                    <a href="/settings">"Settings"</a>
                    <a href="/activity">"Activity"</a>
                    <Show when=move || auth.me.with(|m| m.as_ref().is_some_and(|m| m.is_operator))>
                        <a href="/admin/deliveries">"Deliveries"</a>
                    </Show>
                </Show>
                <Show
                    when=move || auth.me.with(Option::is_some)
                    fallback=|| view! { <a href="/login">"Sign in"</a> }
                >
                    {move || {
                        let tenant = auth.me.with(|m| m.as_ref().and_then(|m| m.tenants.first().map(|t| t.tenant_id)));
                        tenant.map(|tenant| view! { <LiveTenant tenant/><Bell/> })
                    }}
                    <span class="who">{move || auth.me.with(|m| m.as_ref().map(|m| m.email.clone()))}</span>
                    <button class="button small" on:click=sign_out.clone()>"Sign out"</button>
                </Show>
            </nav>
        </header>
    }
}

//! `/settings`: a tenant's staff, API keys and WhatsApp numbers, for its
//! admins, and new tenants. Secrets (a new key, an invitation link) are
//! shown once.

mod keys;
mod outbound;
mod staff;
mod webhooks;
mod whatsapp_numbers;

pub use webhooks::WebhookSettingsPage;

use crate::auth::{pick_tenant, use_auth, TenantPicker};
use crate::client;
use crate::pages::lazy::StaffBoard;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_query_map;

#[component]
pub fn SettingsPage() -> impl IntoView {
    view! { <StaffBoard board=settings_board/> }
}

lazy_board!(settings_board, SettingsBoard);

#[component]
fn SettingsBoard() -> impl IntoView {
    let me = use_auth().me.get_untracked().expect("shown to signed-in staff only");
    let wanted = use_query_map().with_untracked(|q| q.get("tenant"));
    let admin_tenants: Vec<_> = me.tenants.iter().filter(|t| t.role == crate::protocol::Role::Admin).cloned().collect();
    let body = match pick_tenant(&me, wanted, true) {
        Some(tenant) => view! {
            <div class="card-head">
                <div>
                    <p class="eyebrow">"Settings · " <TenantPicker tenants=admin_tenants current=tenant.clone() param="tenant"/></p>
                    <h1>{tenant.name.clone()}</h1>
                </div>
            </div>
            <p><a href=format!("/settings/webhooks?tenant={}", tenant.tenant_id)>"Inbound webhooks →"</a></p>
            <staff::Staff tenant=tenant.tenant_id/>
            <keys::ApiKeys tenant=tenant.tenant_id/>
            <whatsapp_numbers::WhatsAppNumbers tenant=tenant.tenant_id/>
            <NewTenant/>
        }
        .into_any(),
        None => view! {
            <h1>"Settings"</h1>
            <p class="empty">"Only a tenant's admins manage its staff and API keys. Ask one of them."</p>
        }
        .into_any(),
    };
    view! { <section class="card settings">{body}</section> }
}

/// Creates a tenant; its creator becomes its admin.
#[component]
fn NewTenant() -> impl IntoView {
    let name = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        spawn_local(async move {
            match client::create_tenant(&name.get_untracked()).await {
                Ok(created) => {
                    if let Some(window) = web_sys::window() {
                        let _ = window.location().set_href(&format!("/settings?tenant={}", created.tenant_id));
                    }
                }
                Err(err) => error.set(Some(err)),
            }
        });
    };
    view! {
        <h2>"New tenant"</h2>
        <form class="inline" on:submit=submit>
            <input required placeholder="College or business name" aria-label="Tenant name" bind:value=name/>
            <button class="button" type="submit">"Create tenant"</button>
        </form>
        <Show when=move || error.with(Option::is_some)>
            <p class="alert" role="alert">{move || error.get()}</p>
        </Show>
    }
}

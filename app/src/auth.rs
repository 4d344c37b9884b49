//! The browser's view of who is signed in, shared by every page: loaded once
//! when the app starts, set by the login page, cleared on sign-out.

use crate::client;
use crate::protocol::{Me, Role, TenantMembership};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_location, use_navigate};

#[derive(Clone, Copy)]
pub struct Auth {
    pub me: RwSignal<Option<Me>>,
    /// Whether the server has been asked yet.
    pub checked: RwSignal<bool>,
}

/// Creates the app's auth state and asks the server who is signed in.
pub fn provide_auth() -> Auth {
    let auth = Auth { me: RwSignal::new(None), checked: RwSignal::new(false) };
    provide_context(auth);
    Effect::new(move |_| {
        spawn_local(async move {
            if let Ok(me) = client::me().await {
                auth.me.set(Some(me));
            }
            auth.checked.set(true);
        });
    });
    auth
}

pub fn use_auth() -> Auth {
    expect_context()
}

/// The tenant a page shows: the one named in its query if the user belongs
/// to it (with the right role), else their first such tenant.
pub fn pick_tenant(me: &Me, wanted: Option<String>, admin_only: bool) -> Option<TenantMembership> {
    let eligible = |t: &&TenantMembership| !admin_only || t.role == Role::Admin;
    let wanted = wanted.and_then(|w| w.parse::<i64>().ok());
    me.tenants.iter().filter(eligible).find(|t| Some(t.tenant_id.0) == wanted).or_else(|| me.tenants.iter().find(eligible)).cloned()
}

/// Shows its children to signed-in staff; sends anyone else to the login
/// page, which brings them back here afterwards.
#[component]
pub fn RequireStaff(children: ChildrenFn) -> impl IntoView {
    let auth = use_auth();
    let navigate = use_navigate();
    let location = use_location();
    Effect::new(move |_| {
        if auth.checked.get() && auth.me.with(Option::is_none) {
            let here = format!("{}{}", location.pathname.get_untracked(), location.search.get_untracked());
            let next = js_sys::encode_uri_component(&here);
            navigate(&format!("/login?next={next}"), Default::default());
        }
    });
    view! {
        <Show
            when=move || auth.me.with(Option::is_some)
            fallback=|| view! { <p class="loading">"Checking your sign-in…"</p> }
        >
            {children()}
        </Show>
    }
}

/// Switches the page to another of the user's tenants.
#[component]
pub fn TenantPicker(tenants: Vec<TenantMembership>, current: TenantMembership, param: &'static str) -> impl IntoView {
    let on_change = move |ev: leptos::ev::Event| {
        let id = event_target_value(&ev);
        if let Some(window) = web_sys::window() {
            let path = window.location().pathname().unwrap_or_default();
            let _ = window.location().set_href(&format!("{path}?{param}={id}"));
        }
    };
    view! {
        <select class="tenant-picker" aria-label="Tenant" on:change=on_change>
            {tenants
                .into_iter()
                .map(|t| {
                    let selected = t.tenant_id == current.tenant_id;
                    view! { <option value=t.tenant_id.0.to_string() selected=selected>{t.name}</option> }
                })
                .collect_view()}
        </select>
    }
}

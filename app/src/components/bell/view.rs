//! The bell in the header: unread badge, a dropdown of notifications (newest
//! first, paged), mark read, dismiss, mark all read, click-through, and the
//! live-connection state.

use super::use_tenant_live;
use crate::client::{self, LinkState};
use crate::protocol::{safe_link, Notification};
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn Bell() -> impl IntoView {
    let live = use_tenant_live();
    let open = RwSignal::new(false);
    let label = move || format!("Notifications, {} unread", live.unread.get());
    let has_unread = move || live.unread.get() > 0;
    let mark_all = move |_| {
        if let Some(tenant) = live.tenant.get_untracked() {
            spawn_local(async move {
                let _ = client::mark_all_read(tenant).await;
            });
        }
    };
    view! {
        <div class="bell">
            <button class="bell-button" aria-label=label aria-expanded=move || open.get().to_string() on:click=move |_| open.update(|o| *o = !*o)>
                <svg class="bell-icon" viewBox="0 0 24 24" aria-hidden="true">
                    <path d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1z"/>
                </svg>
                <Show when=has_unread>
                    <span class="badge" data-testid="unread">{move || live.unread.get()}</span>
                </Show>
            </button>
            <Show when=move || open.get()>
                <div class="bell-panel" role="dialog" aria-label="Notifications">
                    <div class="bell-head">
                        <strong>"Notifications"</strong>
                        <span class=move || live.link.get().css_class()></span>
                        <span class="muted small">
                            {move || if live.link.get() == LinkState::Live { "Live" } else { "Offline: checking every 10 s" }}
                        </span>
                        <button class="button small ghost" on:click=mark_all>"Mark all read"</button>
                    </div>
                    <ul class="bell-list">
                        <For each=move || live.items.get() key=|n| (n.id, n.is_read) let:n>
                            <Item n/>
                        </For>
                    </ul>
                    <Show when=move || live.items.with(Vec::is_empty)>
                        <p class="empty">"Nothing yet."</p>
                    </Show>
                    <Show when=move || live.next_cursor.get().is_some()>
                        <button class="button small" on:click=move |_| live.load_more()>"Load more"</button>
                    </Show>
                </div>
            </Show>
        </div>
    }
}

#[component]
fn Item(n: Notification) -> impl IntoView {
    let live = use_tenant_live();
    let id = n.id;
    let action = n.action_url.clone();
    let change = move |read: Option<bool>, dismissed: Option<bool>| {
        if let Some(tenant) = live.tenant.get_untracked() {
            spawn_local(async move {
                let _ = client::set_notification(tenant, id, read, dismissed).await;
            });
        }
    };
    let open = move |_| {
        change(Some(true), None);
        // Links were checked when stored; a page still follows only an
        // http(s) URL or a path on this site, whatever the server sends.
        if let (Some(url), Some(window)) = (safe_link(action.as_deref()), web_sys::window()) {
            let _ = window.location().set_href(url);
        }
    };
    let time = local_hours_minutes(n.created_at);
    view! {
        <li class=if n.is_read { "note read" } else { "note unread" } data-id=n.id>
            <button class="note-body" on:click=open>
                <strong>{n.title.clone()}</strong>
                <span>{n.message.clone()}</span>
                <span class="muted small">{time}</span>
            </button>
            <div class="note-actions">
                <Show when=move || !n.is_read>
                    <button class="button small ghost" on:click=move |_| change(Some(true), None)>"Mark read"</button>
                </Show>
                <button class="button small ghost" aria-label="Dismiss" on:click=move |_| change(None, Some(true))>"×"</button>
            </div>
        </li>
    }
}

/// `at` as the browser's local "HH:MM", read from a JS `Date`: the bell is
/// on every page, and chrono's formatting and time zones would put their
/// code in the module every page loads.
fn local_hours_minutes(at: chrono::DateTime<chrono::Utc>) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at.timestamp_millis() as f64));
        format!("{:02}:{:02}", date.get_hours(), date.get_minutes())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        at.with_timezone(&chrono::Local).format("%H:%M").to_string()
    }
}

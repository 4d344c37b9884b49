//! Toasts for new notifications: how long each stays depends on its
//! priority; urgent ones stay until closed.

use super::use_tenant_live;
use crate::protocol::{Notification, Priority};
use leptos::prelude::*;
use std::time::Duration;

fn lifetime(priority: Priority) -> Option<Duration> {
    match priority {
        Priority::Low => Some(Duration::from_secs(3)),
        Priority::Medium => Some(Duration::from_secs(5)),
        Priority::High => Some(Duration::from_secs(9)),
        Priority::Urgent => None,
    }
}

fn priority_name(p: Priority) -> String {
    serde_json::to_value(p).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

#[component]
pub fn Toasts() -> impl IntoView {
    let live = use_tenant_live();
    view! {
        <div class="toasts" aria-live="polite">
            <For each=move || live.toasts.get() key=|n| n.id let:n>
                <Toast n/>
            </For>
        </div>
    }
}

#[component]
fn Toast(n: Notification) -> impl IntoView {
    let live = use_tenant_live();
    let id = n.id;
    let close = move || live.toasts.update(|t| t.retain(|x| x.id != id));
    if let Some(after) = lifetime(n.priority) {
        set_timeout(close, after);
    }
    view! {
        <div class=format!("toast toast-{}", priority_name(n.priority)) role="status">
            <strong>{n.title.clone()}</strong>
            <span>{n.message.clone()}</span>
            <button class="toast-close" aria-label="Close" on:click=move |_| close()>"×"</button>
        </div>
    }
}

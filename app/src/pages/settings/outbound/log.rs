//! One endpoint's delivery log: status, attempts, next retry, the last
//! answer, filters, and resend.

use crate::client;
use crate::protocol::{OutboundDeliveryView, OutboundEventType, OutboundStatus, TenantId};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::time::Duration;

fn name<T: serde::Serialize>(v: T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

#[component]
pub(super) fn DeliveryLog(tenant: TenantId, endpoint: i64, version: RwSignal<u64>) -> impl IntoView {
    let rows = RwSignal::new(Vec::<OutboundDeliveryView>::new());
    let event_type = RwSignal::new(None::<OutboundEventType>);
    let status = RwSignal::new(None::<OutboundStatus>);
    let load = move || {
        let (t, s) = (event_type.get_untracked(), status.get_untracked());
        spawn_local(async move {
            if let Ok(list) = client::endpoint_deliveries(tenant, endpoint, t, s).await {
                rows.set(list);
            }
        })
    };
    Effect::new(move |_| {
        version.track();
        event_type.track();
        status.track();
        load();
    });
    // The log follows the retries while it is open.
    Effect::new(move |_| {
        if let Ok(handle) = set_interval_with_handle(load, Duration::from_secs(1)) {
            on_cleanup(move || handle.clear());
        }
    });
    let resend = move |id: i64| {
        spawn_local(async move {
            let _ = client::resend_delivery(tenant, id).await;
            load();
        })
    };
    let on_type = move |ev: leptos::ev::Event| {
        let v = event_target_value(&ev);
        event_type.set(OutboundEventType::SUBSCRIBABLE.into_iter().chain([OutboundEventType::Test]).find(|t| t.name() == v));
    };
    let on_status = move |ev: leptos::ev::Event| {
        let v = event_target_value(&ev);
        status.set([OutboundStatus::Pending, OutboundStatus::Succeeded, OutboundStatus::Failed].into_iter().find(|s| name(*s) == v));
    };
    view! {
        <div class="delivery-log">
            <div class="inline">
                <select aria-label="Event type" on:change=on_type>
                    <option value="">"All events"</option>
                    {OutboundEventType::SUBSCRIBABLE.into_iter().chain([OutboundEventType::Test]).map(|t| view! { <option value=t.name()>{t.name()}</option> }).collect_view()}
                </select>
                <select aria-label="Outcome" on:change=on_status>
                    <option value="">"Any outcome"</option>
                    <option value="pending">"pending"</option>
                    <option value="succeeded">"succeeded"</option>
                    <option value="failed">"failed"</option>
                </select>
            </div>
            <table class="plain">
                <thead><tr><th>"Event"</th><th>"Outcome"</th><th>"Attempts"</th><th>"Last answer"</th><th>"Next retry"</th><th></th></tr></thead>
                <tbody>
                    <For each=move || rows.get() key=|r| (r.id, r.attempts, name(r.status)) let:r>
                        {
                            let id = r.id;
                            let answer = r.last_attempt.as_ref().map(|a| match (a.status_code, &a.error) {
                                (Some(code), _) => format!("{code} {}", a.response.clone().unwrap_or_default()),
                                (None, Some(err)) => err.clone(),
                                _ => String::new(),
                            }).unwrap_or_default();
                            let next = r.next_attempt_at.map(|t| t.with_timezone(&chrono::Local).format("%H:%M:%S").to_string()).unwrap_or_default();
                            view! {
                                <tr class="delivery" data-status=name(r.status)>
                                    <td>{r.event_type.name()}</td>
                                    <td class="outcome">{name(r.status)}</td>
                                    <td class="attempts">{r.attempts}</td>
                                    <td class="answer">{answer}</td>
                                    <td>{next}</td>
                                    <td><button class="button small ghost" on:click=move |_| resend(id)>"Resend"</button></td>
                                </tr>
                            }
                        }
                    </For>
                </tbody>
            </table>
        </div>
    }
}

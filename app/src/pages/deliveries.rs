//! `/admin/deliveries`: every inbound webhook, for operators. A chart of the
//! last 24 hours per minute, filters by topic and status, a delivery's
//! payload (credentials redacted), replay of one delivery or of every one
//! the filter lists; it follows new deliveries while it is open.

use crate::auth::RequireStaff;
use crate::client;
use crate::components::MinuteChart;
use crate::protocol::{DeliveryDetail, DeliveryStatus, DeliverySummary, MinuteCounts};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::time::Duration;

const STATUSES: [DeliveryStatus; 3] = [DeliveryStatus::Pending, DeliveryStatus::Processed, DeliveryStatus::Unmatched];

#[component]
pub fn DeliveriesPage() -> impl IntoView {
    view! {
        <RequireStaff>
            <DeliveriesBoard/>
        </RequireStaff>
    }
}

fn when(at: chrono::DateTime<chrono::Utc>) -> String {
    at.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M:%S").to_string()
}

#[component]
fn DeliveriesBoard() -> impl IntoView {
    let rows = RwSignal::new(Vec::<DeliverySummary>::new());
    let topic = RwSignal::new(String::new());
    let status = RwSignal::new(None::<DeliveryStatus>);
    let opened = RwSignal::new(None::<DeliveryDetail>);
    let notice = RwSignal::new(None::<String>);
    let minutes = RwSignal::new(Vec::<MinuteCounts>::new());
    // The chart reads 24 hours of the log: every fifth refresh is enough.
    let refreshes = StoredValue::new(0u32);
    let load = move || {
        let chart = refreshes.get_value().is_multiple_of(5);
        refreshes.update_value(|n| *n = n.wrapping_add(1));
        let (t, s) = (topic.get_untracked(), status.get_untracked());
        spawn_local(async move {
            match client::deliveries(&t, s).await {
                Ok(list) => rows.set(list),
                Err(err) => notice.set(Some(err)),
            }
            if chart {
                if let Ok(counts) = client::delivery_timeline().await {
                    minutes.set(counts);
                }
            }
        })
    };
    Effect::new(move |_| {
        topic.track();
        status.track();
        load();
    });
    // New deliveries appear while the page is open.
    Effect::new(move |_| {
        if let Ok(handle) = set_interval_with_handle(load, Duration::from_secs(1)) {
            on_cleanup(move || handle.clear());
        }
    });
    let open = move |id: i64| {
        spawn_local(async move {
            match client::delivery(id).await {
                Ok(detail) => opened.set(Some(detail)),
                Err(err) => notice.set(Some(err)),
            }
        })
    };
    let replay = move |ids: Option<Vec<i64>>| {
        let (t, s) = (topic.get_untracked(), status.get_untracked());
        spawn_local(async move {
            match client::replay(ids, &t, s).await {
                Ok(done) => notice.set(Some(format!("Replayed {} deliveries", done.replayed))),
                Err(err) => notice.set(Some(err)),
            }
            load();
        })
    };
    let on_status = move |ev: leptos::ev::Event| {
        let v = event_target_value(&ev);
        status.set(STATUSES.into_iter().find(|s| s.as_str() == v));
    };
    view! {
        <section class="card">
            <div class="card-head">
                <div>
                    <p class="eyebrow">"Operations"</p>
                    <h1>"Webhook deliveries"</h1>
                </div>
                <div class="inline">
                    <input aria-label="Topic" placeholder="topic, e.g. connections" on:change=move |ev| topic.set(event_target_value(&ev))/>
                    <select aria-label="Status" on:change=on_status>
                        <option value="">"Any status"</option>
                        {STATUSES.into_iter().map(|s| view! { <option value=s.as_str()>{s.as_str()}</option> }).collect_view()}
                    </select>
                    <button type="button" on:click=move |_| replay(None)>"Replay all listed"</button>
                </div>
            </div>
            <MinuteChart counts=minutes.into()/>
            {move || notice.get().map(|n| view! { <p class="notice" role="status">{n}</p> })}
            <table class="plain deliveries">
                <thead>
                    <tr><th>"#"</th><th>"Received"</th><th>"Provider"</th><th>"Topic"</th><th>"Status"</th><th>"Applied"</th><th>"Error"</th><th></th></tr>
                </thead>
                <tbody>
                    <For each=move || rows.get() key=|d| (d.id, d.status, d.processed_at) let:d>
                        <tr data-delivery=d.id data-status=d.status.as_str()>
                            <td>{d.id}</td>
                            <td class="muted">{when(d.received_at)}</td>
                            <td>{d.provider.clone()}</td>
                            <td>{d.topic.clone()}{d.reconciled.then(|| view! { " " <span class="badge">"reconciled"</span> })}</td>
                            <td>{d.status.as_str()}</td>
                            <td class="muted">{d.processed_at.map(when).unwrap_or_default()}</td>
                            <td>{d.last_error.clone().unwrap_or_default()}</td>
                            <td class="inline">
                                <button type="button" on:click=move |_| open(d.id)>"Payload"</button>
                                <button type="button" on:click=move |_| replay(Some(vec![d.id]))>"Replay"</button>
                            </td>
                        </tr>
                    </For>
                </tbody>
            </table>
            {move || opened.get().map(|detail| view! {
                <div class="payload">
                    <h2>{format!("Delivery {} · {}", detail.summary.id, detail.summary.topic)}</h2>
                    <pre aria-label="Payload">{if detail.payload.is_empty() { "(purged by retention)".to_owned() } else { detail.payload.clone() }}</pre>
                </div>
            })}
        </section>
    }
}

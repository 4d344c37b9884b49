//! `/admin/deliveries`: every inbound webhook, for operators, with the
//! session it was matched to. A chart of the
//! last 24 hours per minute, filters by topic and status, a delivery's
//! payload (credentials redacted), replay of one delivery or of every one
//! the filter lists. It follows the log live: the server says over
//! `/ws/deliveries` when deliveries arrive or change status, and the page
//! reads the log again with its filters.

use super::lazy::StaffBoard;
use crate::auth::use_auth;
use crate::client::{self, LinkState};
use crate::components::MinuteChart;
use crate::protocol::{DeliveryDetail, DeliveryStatus, DeliverySummary, LogServerMessage, MinuteCounts};
use leptos::prelude::*;
use leptos::task::spawn_local;

const STATUSES: [DeliveryStatus; 3] = [DeliveryStatus::Pending, DeliveryStatus::Processed, DeliveryStatus::Unmatched];
/// How often the per-minute chart is read again while deliveries arrive.
const CHART_EVERY_MS: f64 = 5_000.0;

#[component]
pub fn DeliveriesPage() -> impl IntoView {
    view! { <StaffBoard board=deliveries_board/> }
}

lazy_board!(deliveries_board, DeliveriesBoard);

/// The subject a delivery was matched to, short (the full id is its title).
fn subject(session: &crate::protocol::SessionId) -> String {
    format!("session {}", session.as_str().chars().take(8).collect::<String>())
}

fn when(at: chrono::DateTime<chrono::Utc>) -> String {
    at.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M:%S").to_string()
}

#[component]
fn DeliveriesBoard() -> impl IntoView {
    // Only operators may read the log (nor open its socket).
    if !use_auth().me.with_untracked(|m| m.as_ref().is_some_and(|m| m.is_operator)) {
        return view! { <section class="card"><h1>"Webhook deliveries"</h1><p class="empty">"Only operators read the delivery log."</p></section> }
            .into_any();
    }
    let rows = RwSignal::new(Vec::<DeliverySummary>::new());
    let topic = RwSignal::new(String::new());
    let status = RwSignal::new(None::<DeliveryStatus>);
    let opened = RwSignal::new(None::<DeliveryDetail>);
    let notice = RwSignal::new(None::<String>);
    let minutes = RwSignal::new(Vec::<MinuteCounts>::new());
    let link = RwSignal::new(LinkState::Idle);
    // One read at a time; a move (or a new filter) during a read asks for
    // one more read after it, so a burst costs a few reads, and none is lost.
    let reading = StoredValue::new(false);
    let again = StoredValue::new(false);
    // The chart reads 24 hours of the log: at most every few seconds, and
    // once more after the last move, so it ends up current.
    let chart_read_at = StoredValue::new(f64::NEG_INFINITY);
    let chart_due = StoredValue::new(false);
    // After an `.await` the page may be gone (its values disposed): every
    // read there is a `try_`, and a gone page ends the task.
    let refresh_chart = move || {
        if chart_due.try_get_value() != Some(false) {
            return;
        }
        chart_due.set_value(true);
        let wait = chart_read_at.get_value() + CHART_EVERY_MS - js_sys::Date::now();
        spawn_local(async move {
            if wait > 0.0 {
                gloo_timers::future::TimeoutFuture::new(wait as u32).await;
            }
            chart_due.set_value(false);
            chart_read_at.set_value(js_sys::Date::now());
            if let Ok(counts) = client::delivery_timeline().await {
                minutes.set(counts);
            }
        });
    };
    let load = move || {
        if reading.get_value() {
            again.set_value(true);
            return;
        }
        reading.set_value(true);
        spawn_local(async move {
            loop {
                again.set_value(false);
                let (Some(t), Some(s)) = (topic.try_get_untracked(), status.try_get_untracked()) else { return };
                match client::deliveries(&t, s).await {
                    Ok(list) => rows.set(list),
                    Err(err) => notice.set(Some(err)),
                }
                refresh_chart();
                if again.try_get_value() != Some(true) {
                    break;
                }
            }
            reading.set_value(false);
        })
    };
    Effect::new(move |_| {
        topic.track();
        status.track();
        load();
    });
    // The server says when the log moved; a reconnect reads it again too.
    Effect::new(move |_| {
        let socket = client::open_live_socket(
            client::ws_deliveries_url(),
            Vec::new(),
            move |msg: LogServerMessage| {
                if matches!(msg, LogServerMessage::Watching { .. } | LogServerMessage::Moved {}) {
                    load();
                }
            },
            move |state| link.set(state),
        );
        on_cleanup(move || drop(socket));
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
                <crate::components::LiveDot state=link/>
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
                    <tr><th>"#"</th><th>"Received"</th><th>"Provider"</th><th>"Topic"</th><th>"Status"</th><th>"Matched"</th><th>"Applied"</th><th>"Error"</th><th></th></tr>
                </thead>
                <tbody>
                    <For each=move || rows.get() key=|d| (d.id, d.status, d.processed_at) let:d>
                        <tr data-delivery=d.id data-status=d.status.as_str()>
                            <td>{d.id}</td>
                            <td class="muted">{when(d.received_at)}</td>
                            <td>{d.provider.clone()}</td>
                            <td>{d.topic.clone()}{d.reconciled.then(|| view! { " " <span class="badge">"reconciled"</span> })}</td>
                            <td>{d.status.as_str()}</td>
                            <td class="muted" title=d.session_id.as_ref().map(|s| s.to_string())>{d.session_id.as_ref().map(subject).unwrap_or_default()}</td>
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
    .into_any()
}

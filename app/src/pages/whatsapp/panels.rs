//! The send form and the analytics panel.

use super::analytics::{human, Analytics};
use super::Board;
use crate::client;
use crate::protocol::MessageStatus;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Templates approved for this business (suggestions; any name can be typed).
const TEMPLATES: [&str; 4] = ["hello_world", "registration_confirmation", "fee_reminder", "document_request"];

#[component]
pub(super) fn SendForm(board: Board) -> impl IntoView {
    let to = RwSignal::new(String::new());
    let template = RwSignal::new(TEMPLATES[0].to_owned());
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        failure.set(None);
        let (college, number, name) = (board.college.get_untracked(), to.get_untracked(), template.get_untracked());
        spawn_local(async move {
            match client::send_template(&college, &number, &name).await {
                Ok(message) => {
                    board.upsert(message);
                    to.set(String::new());
                }
                Err(err) => failure.set(Some(err)),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="send" on:submit=submit>
            <label>
                "Recipient"
                <input type="tel" required placeholder="15551234567" bind:value=to aria-label="Recipient number"/>
            </label>
            <label>
                "Template"
                <input list="templates" required bind:value=template aria-label="Template name"/>
                <datalist id="templates">
                    {TEMPLATES.iter().map(|t| view! { <option value=*t></option> }).collect_view()}
                </datalist>
            </label>
            <button class="button primary" type="submit" disabled=move || busy.get()>
                {move || if busy.get() { "Sending…" } else { "Send template" }}
            </button>
            <Show when=move || failure.with(Option::is_some)>
                <p class="form-error" role="alert">{move || failure.get()}</p>
            </Show>
        </form>
    }
}

#[component]
pub(super) fn AnalyticsPanel(board: Board) -> impl IntoView {
    let stats = Memo::new(move |_| board.messages.with(|m| Analytics::of(m)));
    let card = move |label: &'static str, value: Signal<String>| {
        view! {
            <div class="stat" data-stat=label>
                <span class="stat-value">{value}</span>
                <span class="stat-label">{label}</span>
            </div>
        }
    };
    let pct = move |f: fn(&Analytics) -> f64| Signal::derive(move || format!("{:.0}%", stats.with(f)));
    let bar = move || {
        let a = stats.get();
        MessageStatus::ALL
            .iter()
            .zip(a.by_status)
            .filter(|(_, n)| *n > 0)
            .map(|(status, n)| {
                let width = format!("width: {:.2}%", n as f64 * 100.0 / a.total.max(1) as f64);
                let title = format!("{}: {n}", status.tick().1);
                view! { <span class=format!("bar-part tick-{}", status.as_str()) style=width title=title></span> }
            })
            .collect_view()
    };
    view! {
        <div class="analytics" aria-label="Delivery analytics">
            {card("messages", Signal::derive(move || stats.with(|a| a.total.to_string())))}
            {card("delivered", pct(|a| a.delivered_pct))}
            {card("read", pct(|a| a.read_pct))}
            {card("failed", pct(|a| a.failed_pct))}
            {card("median to deliver", Signal::derive(move || human(stats.with(|a| a.median_to_deliver))))}
            {card("median to read", Signal::derive(move || human(stats.with(|a| a.median_to_read))))}
            <div class="bar" role="img" aria-label="Messages by status">{bar}</div>
        </div>
    }
}

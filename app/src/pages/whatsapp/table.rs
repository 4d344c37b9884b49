//! The message list: a row per outgoing message with its tick changing in
//! place, the failure reason under a failed one, and status filters.

use super::Board;
use crate::protocol::{MessageStatus, OutgoingMessage};
use chrono::{DateTime, Local, Utc};
use leptos::prelude::*;

pub(super) fn local_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&Local).format("%H:%M:%S").to_string()
}

/// The tick of a status, as a person and a screen reader see it.
#[component]
pub(super) fn Tick(status: MessageStatus, #[prop(optional)] reason: Option<String>) -> impl IntoView {
    let (mark, label) = status.tick();
    let title = reason.unwrap_or_else(|| label.to_owned());
    // The clock is drawn, so it shows even where no emoji font is installed.
    let mark = match status {
        MessageStatus::Pending => view! {
            <svg class="clock" viewBox="0 0 16 16" aria-hidden="true">
                <circle cx="8" cy="8" r="6.5" fill="none" stroke="currentColor" stroke-width="1.5"/>
                <path d="M8 4.5V8l2.5 1.5" fill="none" stroke="currentColor" stroke-width="1.5" stroke-linecap="round"/>
            </svg>
        }
        .into_any(),
        _ => mark.into_any(),
    };
    view! {
        <span class=format!("tick tick-{}", status.as_str()) role="img" aria-label=label title=title>{mark}</span>
    }
}

#[component]
pub(super) fn Filters(board: Board) -> impl IntoView {
    let count =
        move |status: Option<MessageStatus>| board.messages.with(|m| m.iter().filter(|m| status.is_none_or(|s| m.status == s)).count());
    let options = std::iter::once(None).chain(MessageStatus::ALL.into_iter().map(Some));
    view! {
        <div class="filters" role="group" aria-label="Filter by status">
            {options
                .map(|status| {
                    let label = status.map_or("All", |s| s.tick().1);
                    view! {
                        <button
                            class="chip"
                            class:active=move || board.filter.get() == status
                            aria-pressed=move || (board.filter.get() == status).to_string()
                            on:click=move |_| board.filter.set(status)
                        >
                            {label}
                            " "
                            <span class="chip-count">{move || count(status)}</span>
                        </button>
                    }
                })
                .collect_view()}
        </div>
    }
}

fn reason(m: &OutgoingMessage) -> Option<String> {
    m.error.as_ref().map(|e| match &e.details {
        Some(details) => format!("{} ({}): {details}", e.title, e.code),
        None => format!("{} ({})", e.title, e.code),
    })
}

#[component]
pub(super) fn MessageTable(board: Board) -> impl IntoView {
    let rows = move || {
        let filter = board.filter.get();
        board.messages.with(|list| list.iter().filter(|m| filter.is_none_or(|s| m.status == s)).cloned().collect::<Vec<_>>())
    };
    view! {
        <table class="messages">
            <thead>
                <tr>
                    <th>"Recipient"</th>
                    <th>"Template"</th>
                    <th>"Sent"</th>
                    <th class="status-col">"Status"</th>
                </tr>
            </thead>
            <tbody>
                <For each=rows key=|m| (m.whatsapp_message_id.clone(), m.status) let:m>
                    <MessageRow m board/>
                </For>
            </tbody>
        </table>
        <Show when=move || board.messages.with(Vec::is_empty)>
            <p class="empty">"No messages yet. Send a template to see its ticks arrive."</p>
        </Show>
    }
}

#[component]
fn MessageRow(m: OutgoingMessage, board: Board) -> impl IntoView {
    let why = reason(&m);
    let to = m.to.clone();
    view! {
        <tr
            class="message"
            data-wamid=m.whatsapp_message_id.clone()
            data-status=m.status.as_str()
            on:click=move |_| board.contact.set(Some(to.clone()))
        >
            <td class="to">"+" {m.to.clone()}</td>
            <td>{m.template.clone().unwrap_or_else(|| "—".into())}</td>
            <td><time>{local_time(m.created_at)}</time></td>
            <td class="status-col">
                <Tick status=m.status reason=why.clone().unwrap_or_default()/>
                {why.map(|text| view! { <div class="reason">{text}</div> })}
            </td>
        </tr>
    }
}

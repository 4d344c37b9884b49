//! The conversation with one contact: our templates and their replies, in
//! order; with none chosen, the latest replies.

use super::table::{local_time, Tick};
use super::Board;
use chrono::{DateTime, Utc};
use leptos::prelude::*;

#[derive(Clone)]
enum Bubble {
    Out { text: String, at: DateTime<Utc>, status: crate::protocol::MessageStatus },
    In { text: String, at: DateTime<Utc> },
}

impl Bubble {
    fn at(&self) -> DateTime<Utc> {
        match self {
            Bubble::Out { at, .. } | Bubble::In { at, .. } => *at,
        }
    }
}

#[component]
pub(super) fn Conversation(board: Board) -> impl IntoView {
    let thread = move |contact: String| {
        let mut bubbles: Vec<Bubble> = board.messages.with(|list| {
            list.iter()
                .filter(|m| m.to == contact)
                .map(|m| Bubble::Out {
                    text: format!("Template: {}", m.template.clone().unwrap_or_default()),
                    at: m.created_at,
                    status: m.status,
                })
                .collect()
        });
        board.incoming.with(|list| {
            bubbles.extend(
                list.iter()
                    .filter(|m| m.from == contact)
                    .map(|m| Bubble::In { text: m.text.clone().unwrap_or_else(|| format!("[{}]", m.kind)), at: m.received_at }),
            )
        });
        bubbles.sort_by_key(Bubble::at);
        bubbles
            .into_iter()
            .map(|b| match b {
                Bubble::Out { text, at, status } => view! {
                    <li class="bubble out">
                        <span>{text}</span>
                        <span class="meta">{local_time(at)} " " <Tick status/></span>
                    </li>
                }
                .into_any(),
                Bubble::In { text, at } => view! {
                    <li class="bubble in">
                        <span>{text}</span>
                        <span class="meta">{local_time(at)}</span>
                    </li>
                }
                .into_any(),
            })
            .collect_view()
    };
    let latest = move || {
        board.incoming.with(|list| {
            list.iter()
                .take(8)
                .map(|m| {
                    let from = m.from.clone();
                    let who = m.profile_name.clone().unwrap_or_else(|| format!("+{}", m.from));
                    view! {
                        <li class="reply" on:click=move |_| board.contact.set(Some(from.clone()))>
                            <strong>{who}</strong>
                            <span>{m.text.clone().unwrap_or_default()}</span>
                        </li>
                    }
                })
                .collect_view()
        })
    };
    view! {
        <aside class="conversation" aria-label="Conversation">
            {move || match board.contact.get() {
                Some(contact) => view! {
                    <div class="conv-head">
                        <h2>"+" {contact.clone()}</h2>
                        <button class="button small ghost" on:click=move |_| board.contact.set(None)>"Close"</button>
                    </div>
                    <ol class="thread">{thread(contact)}</ol>
                }
                .into_any(),
                None => view! {
                    <h2>"Replies"</h2>
                    <ul class="replies">{latest}</ul>
                    <Show when=move || board.incoming.with(Vec::is_empty)>
                        <p class="empty">"Replies from recipients appear here as they arrive."</p>
                    </Show>
                }
                .into_any(),
            }}
        </aside>
    }
}

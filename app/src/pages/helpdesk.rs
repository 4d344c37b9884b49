//! `/helpdesk`: a live list of tickets with their comments, kept current
//! from entity events; the page joins only the rooms it shows (tickets,
//! comments) and re-reads both lists on every (re)join.

use super::lazy::StaffBoard;
use crate::client::{self, LinkState};
use crate::components::bell::use_tenant_live;
use crate::protocol::{Room, TenantClientMessage, TenantServerMessage};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value;

#[component]
pub fn HelpdeskPage() -> impl IntoView {
    view! { <StaffBoard board=helpdesk_board/> }
}

lazy_board!(helpdesk_board, Helpdesk);

fn id_of(v: &Value) -> String {
    v.get("id").map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned)).unwrap_or_default()
}

fn text(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or_default().to_owned()
}

/// Replaces or adds `entity` by id.
fn upsert(list: RwSignal<Vec<Value>>, entity: Value) {
    list.update(|l| {
        let id = id_of(&entity);
        l.retain(|e| id_of(e) != id);
        l.insert(0, entity);
    });
}

#[component]
fn Helpdesk() -> impl IntoView {
    let live = use_tenant_live();
    let tickets = RwSignal::new(Vec::<Value>::new());
    let comments = RwSignal::new(Vec::<Value>::new());
    let link = RwSignal::new(LinkState::Idle);
    // Updates applied so far: a list read while one arrived may predate it,
    // so the lists are read again until none arrives meanwhile.
    let updates = RwSignal::new(0u64);
    let reload = move || {
        let Some(tenant) = live.tenant.get_untracked() else { return };
        spawn_local(async move {
            loop {
                let seen = updates.get_untracked();
                if let Ok(list) = client::helpdesk(tenant, Room::Tickets).await {
                    tickets.set(list);
                }
                if let Ok(list) = client::helpdesk(tenant, Room::Comments).await {
                    comments.set(list);
                }
                if updates.get_untracked() == seen {
                    break;
                }
            }
        });
    };
    Effect::new(move |_| {
        let Some(tenant) = live.tenant.get() else { return };
        let greeting = [
            TenantClientMessage::JoinTenant { tenant_id: tenant, token: None, resume: None },
            TenantClientMessage::Join { room: Room::Tickets, resume: None },
            TenantClientMessage::Join { room: Room::Comments, resume: None },
        ]
        .iter()
        .map(|m| serde_json::to_string(m).expect("serialises"))
        .collect();
        let socket = client::open_live_socket(
            client::ws_tenant_url(),
            greeting,
            move |msg: TenantServerMessage| match msg {
                // The lists are the rooms': reload unless each resumed.
                TenantServerMessage::Joined { room: Some(_), start, .. } if !start.resumed => reload(),
                TenantServerMessage::EntityUpdate { room: Room::Tickets, data, .. } => {
                    updates.update(|n| *n += 1);
                    upsert(tickets, data);
                }
                TenantServerMessage::EntityUpdate { room: Room::Comments, data, .. } => {
                    updates.update(|n| *n += 1);
                    upsert(comments, data);
                }
                _ => {}
            },
            move |state| link.set(state),
        );
        on_cleanup(move || drop(socket));
    });
    view! {
        <section class="card">
            <div class="card-head">
                <div>
                    <p class="eyebrow">"Helpdesk"</p>
                    <h1>"Tickets"</h1>
                </div>
                <crate::components::LiveDot state=link/>
            </div>
            <ul class="tickets">
                <For each=move || tickets.get() key=|t| (id_of(t), t.to_string()) let:t>
                    {
                        let id = id_of(&t);
                        let thread = move || {
                            let id = id.clone();
                            comments.with(|c| {
                                c.iter()
                                    .filter(|c| text(c, "ticket_id") == id)
                                    .map(|c| view! { <li class="comment">{text(c, "content")}</li> })
                                    .collect_view()
                            })
                        };
                        view! {
                            <li class="ticket" data-ticket=id_of(&t)>
                                <div class="ticket-head">
                                    <strong>{text(&t, "title")}</strong>
                                    <span class="chip">{text(&t, "status")}</span>
                                </div>
                                <ul class="comments">{thread}</ul>
                            </li>
                        }
                    }
                </For>
            </ul>
            <Show when=move || tickets.with(Vec::is_empty)>
                <p class="empty">"No tickets yet. They appear here as your helpdesk reports them."</p>
            </Show>
        </section>
    }
}

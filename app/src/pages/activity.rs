//! `/activity`: a tenant's append-only activity log, for its admins, with a
//! filter by kind.

use super::lazy::StaffBoard;
use crate::auth::{pick_tenant, use_auth, TenantPicker};
use crate::client;
use crate::protocol::{ActivityEntry, ActivityKind, Role};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_query_map;

#[component]
pub fn ActivityPage() -> impl IntoView {
    view! { <StaffBoard board=activity_board/> }
}

lazy_board!(activity_board, ActivityBoard);

#[component]
fn ActivityBoard() -> impl IntoView {
    let me = use_auth().me.get_untracked().expect("shown to signed-in staff only");
    let wanted = use_query_map().with_untracked(|q| q.get("tenant"));
    let Some(tenant) = pick_tenant(&me, wanted, true) else {
        return view! { <section class="card"><h1>"Activity"</h1><p class="empty">"Only admins read the activity log."</p></section> }
            .into_any();
    };
    let admin_tenants: Vec<_> = me.tenants.iter().filter(|t| t.role == Role::Admin).cloned().collect();
    let kind = RwSignal::new(None::<ActivityKind>);
    let entries = RwSignal::new(Vec::<ActivityEntry>::new());
    let id = tenant.tenant_id;
    Effect::new(move |_| {
        let kind = kind.get();
        spawn_local(async move {
            if let Ok(list) = client::activity(id, kind).await {
                entries.set(list);
            }
        });
    });
    let on_kind = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        kind.set(ActivityKind::ALL.into_iter().find(|k| format!("{k:?}") == value));
    };
    view! {
        <section class="card">
            <div class="card-head">
                <div>
                    <p class="eyebrow">"Activity · " <TenantPicker tenants=admin_tenants current=tenant param="tenant"/></p>
                    <h1>"Activity log"</h1>
                </div>
                <select aria-label="Kind" on:change=on_kind>
                    <option value="">"Everything"</option>
                    {ActivityKind::ALL.into_iter().map(|k| view! { <option value=format!("{k:?}")>{k.label()}</option> }).collect_view()}
                </select>
            </div>
            <table class="plain activity">
                <thead><tr><th>"When"</th><th>"What"</th><th>"Who"</th><th>"Detail"</th></tr></thead>
                <tbody>
                    <For each=move || entries.get() key=|e| e.id let:e>
                        <tr data-kind=format!("{:?}", e.kind)>
                            <td class="muted">{e.created_at.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M:%S").to_string()}</td>
                            <td>{e.kind.label()}</td>
                            <td>{e.actor.clone().unwrap_or_else(|| "system".into())}</td>
                            <td>{e.detail.clone()}</td>
                        </tr>
                    </For>
                </tbody>
            </table>
        </section>
    }
    .into_any()
}

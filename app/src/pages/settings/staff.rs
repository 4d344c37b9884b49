//! A tenant's staff: invite (a one-time link, shown once, for the admin to
//! hand over), list, remove.

use crate::client;
use crate::protocol::{MemberView, Role, TenantId};
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub(super) fn Staff(tenant: TenantId) -> impl IntoView {
    let members = RwSignal::new(Vec::<MemberView>::new());
    let email = RwSignal::new(String::new());
    let admin = RwSignal::new(false);
    let link = RwSignal::new(None::<(String, String)>);
    let error = RwSignal::new(None::<String>);
    let load = move || {
        spawn_local(async move {
            match client::members(tenant).await {
                Ok(list) => members.set(list),
                Err(err) => error.set(Some(err)),
            }
        })
    };
    Effect::new(move |_| load());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let role = if admin.get_untracked() { Role::Admin } else { Role::Staff };
        spawn_local(async move {
            match client::invite_member(tenant, &email.get_untracked(), role).await {
                Ok(invited) => {
                    let origin = web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default();
                    link.set(Some((invited.email, format!("{origin}{}", invited.url))));
                    email.set(String::new());
                }
                Err(err) => error.set(Some(err)),
            }
        });
    };
    let remove = move |user: i64| {
        spawn_local(async move {
            match client::remove_member(tenant, user).await {
                Ok(_) => load(),
                Err(err) => error.set(Some(err)),
            }
        })
    };
    view! {
        <h2>"Staff"</h2>
        <table class="plain staff">
            <tbody>
                <For each=move || members.get() key=|m| (m.user_id, m.role) let:m>
                    <tr data-member=m.user_id>
                        <td>{m.email.clone()}</td>
                        <td class="muted">{if m.role == Role::Admin { "admin" } else { "staff" }}</td>
                        <td>
                            {
                                let user = m.user_id;
                                let label = format!("Remove {}", m.email);
                                view! { <button class="button small ghost" aria-label=label on:click=move |_| remove(user)>"Remove"</button> }
                            }
                        </td>
                    </tr>
                </For>
            </tbody>
        </table>
        <form class="inline" on:submit=submit>
            <input type="email" required placeholder="colleague@example.edu" aria-label="Staff email" bind:value=email/>
            <label class="check"><input type="checkbox" bind:checked=admin/> "admin"</label>
            <button class="button" type="submit">"Invite"</button>
        </form>
        <Show when=move || link.with(Option::is_some)>
            <p class="notice" role="status">
                {move || link.get().map(|(email, _)| format!("Send {email} this link (it works once, for 7 days; shown only now): "))}
                <code class="invitation">{move || link.get().map(|(_, url)| url)}</code>
            </p>
        </Show>
        <Show when=move || error.with(Option::is_some)>
            <p class="alert" role="alert">{move || error.get()}</p>
        </Show>
    }
}

//! A tenant's staff, and inviting more.

use crate::client;
use crate::protocol::{MemberView, Role, TenantId};
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub(super) fn Staff(tenant: TenantId) -> impl IntoView {
    let members = RwSignal::new(Vec::<MemberView>::new());
    let email = RwSignal::new(String::new());
    let admin = RwSignal::new(false);
    let notice = RwSignal::new(None::<String>);
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
            match client::add_member(tenant, &email.get_untracked(), role).await {
                Ok(added) => {
                    notice.set(Some(match added.initial_password {
                        Some(password) => format!("{} can sign in with the first password {password} (shown once).", added.member.email),
                        None => format!("{} already had an account and now belongs here.", added.member.email),
                    }));
                    email.set(String::new());
                    load();
                }
                Err(err) => error.set(Some(err)),
            }
        });
    };
    view! {
        <h2>"Staff"</h2>
        <table class="plain">
            <tbody>
                <For each=move || members.get() key=|m| (m.user_id, m.role) let:m>
                    <tr>
                        <td>{m.email}</td>
                        <td class="muted">{if m.role == Role::Admin { "admin" } else { "staff" }}</td>
                    </tr>
                </For>
            </tbody>
        </table>
        <form class="inline" on:submit=submit>
            <input type="email" required placeholder="colleague@example.edu" aria-label="Staff email" bind:value=email/>
            <label class="check"><input type="checkbox" bind:checked=admin/> "admin"</label>
            <button class="button" type="submit">"Add staff"</button>
        </form>
        <Show when=move || notice.with(Option::is_some)>
            <p class="notice" role="status">{move || notice.get()}</p>
        </Show>
        <Show when=move || error.with(Option::is_some)>
            <p class="alert" role="alert">{move || error.get()}</p>
        </Show>
    }
}

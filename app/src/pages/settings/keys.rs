//! A tenant's API keys: create (the secret shown once), list, revoke.

use crate::client;
use crate::protocol::{ApiKeyView, TenantId};
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub(super) fn ApiKeys(tenant: TenantId) -> impl IntoView {
    let keys = RwSignal::new(Vec::<ApiKeyView>::new());
    let name = RwSignal::new(String::new());
    let secret = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let load = move || {
        spawn_local(async move {
            match client::api_keys(tenant).await {
                Ok(list) => keys.set(list),
                Err(err) => error.set(Some(err)),
            }
        })
    };
    Effect::new(move |_| load());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        spawn_local(async move {
            match client::create_api_key(tenant, &name.get_untracked()).await {
                Ok(created) => {
                    secret.set(Some(created.secret));
                    name.set(String::new());
                    load();
                }
                Err(err) => error.set(Some(err)),
            }
        });
    };
    let revoke = move |id: i64| {
        spawn_local(async move {
            match client::revoke_api_key(tenant, id).await {
                Ok(_) => load(),
                Err(err) => error.set(Some(err)),
            }
        })
    };
    view! {
        <h2>"API keys"</h2>
        <p class="muted">"Back ends send them as " <code>"Authorization: Bearer …"</code> "."</p>
        <table class="plain keys">
            <tbody>
                <For each=move || keys.get() key=|k| (k.id, k.revoked_at.is_some()) let:k>
                    <tr data-key=k.id>
                        <td>{k.name.clone()}</td>
                        <td><code>{format!("{}…", k.prefix)}</code></td>
                        <td class="muted">{k.created_at.format("%Y-%m-%d").to_string()}</td>
                        <td>
                            {match k.revoked_at {
                                Some(_) => view! { <span class="muted">"revoked"</span> }.into_any(),
                                None => {
                                    let id = k.id;
                                    view! { <button class="button small" on:click=move |_| revoke(id)>"Revoke"</button> }.into_any()
                                }
                            }}
                        </td>
                    </tr>
                </For>
            </tbody>
        </table>
        <form class="inline" on:submit=submit>
            <input required placeholder="What uses it, e.g. admissions back end" aria-label="Key name" bind:value=name/>
            <button class="button" type="submit">"Create key"</button>
        </form>
        <Show when=move || secret.with(Option::is_some)>
            <p class="notice" role="status">
                "Copy this key now; it will not be shown again: " <code class="secret">{move || secret.get()}</code>
            </p>
        </Show>
        <Show when=move || error.with(Option::is_some)>
            <p class="alert" role="alert">{move || error.get()}</p>
        </Show>
    }
}

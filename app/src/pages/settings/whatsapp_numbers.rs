//! A tenant's WhatsApp business numbers: inbound statuses and replies are
//! routed to the tenant by them, and templates are sent from them. The
//! environment's number is shown, not edited; a saved token is never shown.

use crate::client;
use crate::protocol::{NewWhatsAppNumber, TenantId, WhatsAppNumber};
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub(super) fn WhatsAppNumbers(tenant: TenantId) -> impl IntoView {
    let numbers = RwSignal::new(Vec::<WhatsAppNumber>::new());
    let phone_number_id = RwSignal::new(String::new());
    let display_number = RwSignal::new(String::new());
    let access_token = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let load = move || {
        spawn_local(async move {
            match client::whatsapp_numbers(tenant).await {
                Ok(list) => numbers.set(list),
                Err(err) => error.set(Some(err)),
            }
        })
    };
    Effect::new(move |_| load());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let token = access_token.get_untracked();
        let number = NewWhatsAppNumber {
            phone_number_id: phone_number_id.get_untracked(),
            display_number: display_number.get_untracked(),
            access_token: (!token.trim().is_empty()).then_some(token),
        };
        spawn_local(async move {
            match client::add_whatsapp_number(tenant, &number).await {
                Ok(_) => {
                    error.set(None);
                    phone_number_id.set(String::new());
                    display_number.set(String::new());
                    access_token.set(String::new());
                    load();
                }
                Err(err) => error.set(Some(err)),
            }
        });
    };
    let remove = move |id: i64| {
        spawn_local(async move {
            match client::remove_whatsapp_number(tenant, id).await {
                Ok(_) => load(),
                Err(err) => error.set(Some(err)),
            }
        })
    };
    view! {
        <h2>"WhatsApp numbers"</h2>
        <p class="muted">"Statuses and replies Meta reports on these numbers belong to this tenant."</p>
        <table class="plain numbers">
            <tbody>
                <For each=move || numbers.get() key=|n| n.id let:n>
                    <tr data-number=n.phone_number_id.clone()>
                        <td>{format!("+{}", n.display_number)}</td>
                        <td><code>{n.phone_number_id.clone()}</code></td>
                        <td class="muted">{if n.has_access_token { "own token" } else { "default token" }}</td>
                        <td>
                            {if n.from_environment {
                                view! { <span class="muted">"from the environment"</span> }.into_any()
                            } else {
                                let id = n.id;
                                view! { <button class="button small ghost" on:click=move |_| remove(id)>"Remove"</button> }.into_any()
                            }}
                        </td>
                    </tr>
                </For>
            </tbody>
        </table>
        <form class="inline" on:submit=submit>
            <input required inputmode="numeric" placeholder="Phone number ID" aria-label="Phone number ID" bind:value=phone_number_id/>
            <input required placeholder="+1 555 010 0200" aria-label="Display number" bind:value=display_number/>
            <input type="password" placeholder="Access token (optional)" aria-label="Access token" bind:value=access_token/>
            <button class="button" type="submit">"Add number"</button>
        </form>
        <Show when=move || error.with(Option::is_some)>
            <p class="alert" role="alert">{move || error.get()}</p>
        </Show>
    }
}

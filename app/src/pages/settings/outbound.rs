//! The outbound half of `/settings/webhooks`: the tenant's own endpoints,
//! which events each receives, its secret (shown once), a test event, and
//! each endpoint's delivery log.

mod log;

use crate::client;
use crate::protocol::{EndpointView, OutboundEventType, TenantId};
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub(super) fn OutboundEndpoints(tenant: TenantId) -> impl IntoView {
    let endpoints = RwSignal::new(Vec::<EndpointView>::new());
    let secret = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let url = RwSignal::new(String::new());
    let chosen = RwSignal::new(Vec::<OutboundEventType>::new());
    let load = move || {
        spawn_local(async move {
            match client::endpoints(tenant).await {
                Ok(list) => endpoints.set(list),
                Err(err) => error.set(Some(err)),
            }
        })
    };
    Effect::new(move |_| load());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        spawn_local(async move {
            match client::create_endpoint(tenant, &url.get_untracked(), &chosen.get_untracked()).await {
                Ok(created) => {
                    secret.set(Some(created.secret));
                    url.set(String::new());
                    load();
                }
                Err(err) => error.set(Some(err)),
            }
        });
    };
    let toggle = move |t: OutboundEventType| {
        chosen.update(|c| if c.contains(&t) { c.retain(|x| *x != t) } else { c.push(t) });
    };
    view! {
        <h2>"Outbound endpoints"</h2>
        <p class="muted">
            "Tidings sends its events to your systems, signed with Standard Webhooks headers, and retries for a day and a half."
        </p>
        <ul class="endpoints-list">
            <For each=move || endpoints.get() key=|e| (e.id, e.enabled, e.event_types.len()) let:e>
                <Endpoint e tenant secret reload=Callback::new(move |()| load())/>
            </For>
        </ul>
        <form class="stack" on:submit=submit>
            <label>"Endpoint URL" <input type="url" required placeholder="https://example.edu/hooks/tidings" bind:value=url/></label>
            <fieldset class="endpoints">
                <legend>"Events (none ticked: all)"</legend>
                {OutboundEventType::SUBSCRIBABLE
                    .into_iter()
                    .map(|t| view! {
                        <label class="check"><input type="checkbox" on:change=move |_| toggle(t)/> {t.name()}</label>
                    })
                    .collect_view()}
            </fieldset>
            <div class="inline"><button class="button" type="submit">"Add endpoint"</button></div>
        </form>
        <Show when=move || secret.with(Option::is_some)>
            <p class="notice" role="status">
                "The endpoint's signing secret, shown once: " <code class="secret endpoint-secret">{move || secret.get()}</code>
            </p>
        </Show>
        <Show when=move || error.with(Option::is_some)>
            <p class="alert" role="alert">{move || error.get()}</p>
        </Show>
    }
}

#[component]
fn Endpoint(e: EndpointView, tenant: TenantId, secret: RwSignal<Option<String>>, reload: Callback<()>) -> impl IntoView {
    let id = e.id;
    let show_log = RwSignal::new(false);
    let log_version = RwSignal::new(0u64);
    let enabled = e.enabled;
    let run = move |f: std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), String>>>>| {
        spawn_local(async move {
            let _ = f.await;
            reload.run(());
            log_version.update(|v| *v += 1);
        })
    };
    let test = move |_| {
        show_log.set(true);
        run(Box::pin(async move { client::test_endpoint(tenant, id).await.map(|_| ()) }))
    };
    let flip = move |_| run(Box::pin(async move { client::set_endpoint_enabled(tenant, id, !enabled).await.map(|_| ()) }));
    let remove = move |_| run(Box::pin(async move { client::delete_endpoint(tenant, id).await.map(|_| ()) }));
    let rotate = move |_| {
        spawn_local(async move {
            if let Ok(r) = client::rotate_endpoint_secret(tenant, id).await {
                secret.set(Some(r.secret));
            }
        })
    };
    let types = if e.event_types.is_empty() {
        "all events".to_owned()
    } else {
        e.event_types.iter().map(|t| t.name()).collect::<Vec<_>>().join(", ")
    };
    view! {
        <li class="endpoint" data-endpoint=id>
            <div class="endpoint-head">
                <code>{e.url.clone()}</code>
                <span class="muted small">{types}</span>
                {match &e.disabled_reason {
                    Some(reason) => view! { <span class="chip off">{format!("disabled: {reason}")}</span> }.into_any(),
                    None if !e.enabled => view! { <span class="chip off">"disabled"</span> }.into_any(),
                    None => view! { <span class="chip">"enabled"</span> }.into_any(),
                }}
            </div>
            <div class="inline">
                <button class="button small" on:click=test>"Send test event"</button>
                <button class="button small" on:click=move |_| show_log.update(|s| *s = !*s)>"Delivery log"</button>
                <button class="button small" on:click=rotate>"Rotate secret"</button>
                <button class="button small" on:click=flip>{if enabled { "Disable" } else { "Enable" }}</button>
                <button class="button small ghost" on:click=remove>"Remove"</button>
            </div>
            <Show when=move || show_log.get()>
                <log::DeliveryLog tenant endpoint=id version=log_version/>
            </Show>
        </li>
    }
}

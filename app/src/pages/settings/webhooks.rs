//! `/settings/webhooks`: a tenant's inbound webhooks: on/off, which
//! endpoints, retries and timeout, the URLs to give senders, the signing
//! secret (generated or rotated, shown once), and a test delivery.

use crate::auth::{pick_tenant, use_auth, TenantPicker};
use crate::client;
use crate::pages::lazy::StaffBoard;
use crate::protocol::{Role, TenantEndpoint, TenantId, TestDelivery, WebhookEndpointsPatch, WebhookSettings, WebhookSettingsPatch};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_query_map;

#[component]
pub fn WebhookSettingsPage() -> impl IntoView {
    view! { <StaffBoard board=webhook_settings_board/> }
}

lazy_board!(webhook_settings_board, WebhookBoard);

#[component]
fn WebhookBoard() -> impl IntoView {
    let me = use_auth().me.get_untracked().expect("shown to signed-in staff only");
    let wanted = use_query_map().with_untracked(|q| q.get("tenant"));
    let Some(tenant) = pick_tenant(&me, wanted, true) else {
        return view! { <section class="card"><h1>"Webhooks"</h1><p class="empty">"Only a tenant's admins manage its webhooks."</p></section> }
            .into_any();
    };
    let admin_tenants: Vec<_> = me.tenants.iter().filter(|t| t.role == Role::Admin).cloned().collect();
    let id = tenant.tenant_id;
    let settings = RwSignal::new(None::<WebhookSettings>);
    let error = RwSignal::new(None::<String>);
    let loaded = Memo::new(move |_| settings.with(Option::is_some));
    Effect::new(move |_| {
        spawn_local(async move {
            match client::webhook_settings(id).await {
                Ok(s) => settings.set(Some(s)),
                Err(err) => error.set(Some(err)),
            }
        })
    });
    view! {
        <section class="card settings">
            <div class="card-head">
                <div>
                    <p class="eyebrow">"Webhooks · " <TenantPicker tenants=admin_tenants current=tenant param="tenant"/></p>
                    <h1>"Inbound webhooks"</h1>
                </div>
            </div>
            // Rendered once, when loaded: later refreshes (after a save or a
            // rotation) must not reset what the form shows.
            {move || loaded.get().then(|| {
                let initial = settings.get_untracked().expect("loaded");
                view! { <SettingsForm tenant=id initial settings error/> }
            })}
            <Urls/>
            <Secret tenant=id settings/>
            <TestButton tenant=id/>
            <crate::pages::settings::outbound::OutboundEndpoints tenant=id/>
            <Show when=move || error.with(Option::is_some)>
                <p class="alert" role="alert">{move || error.get()}</p>
            </Show>
        </section>
    }
    .into_any()
}

#[component]
fn SettingsForm(
    tenant: TenantId,
    initial: WebhookSettings,
    settings: RwSignal<Option<WebhookSettings>>,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let enabled = RwSignal::new(initial.webhook_enabled);
    let orders = RwSignal::new(initial.webhook_endpoints.orders);
    let notifications = RwSignal::new(initial.webhook_endpoints.notifications);
    let payments = RwSignal::new(initial.webhook_endpoints.payments);
    let retries = RwSignal::new(initial.webhook_retry_attempts.to_string());
    let timeout = RwSignal::new(initial.webhook_timeout_ms.to_string());
    let saved = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(false);
        let patch = WebhookSettingsPatch {
            webhook_enabled: Some(enabled.get_untracked()),
            webhook_endpoints: Some(WebhookEndpointsPatch {
                orders: Some(orders.get_untracked()),
                notifications: Some(notifications.get_untracked()),
                payments: Some(payments.get_untracked()),
            }),
            webhook_retry_attempts: retries.get_untracked().trim().parse().ok(),
            webhook_timeout_ms: timeout.get_untracked().trim().parse().ok(),
        };
        spawn_local(async move {
            match client::save_webhook_settings(tenant, &patch).await {
                Ok(s) => {
                    settings.set(Some(s));
                    saved.set(true);
                    error.set(None);
                }
                Err(err) => error.set(Some(err)),
            }
        });
    };
    view! {
        <form class="stack" on:submit=submit>
            <label class="check"><input type="checkbox" bind:checked=enabled/> "Accept webhooks for this tenant"</label>
            <fieldset class="endpoints">
                <legend>"Endpoints"</legend>
                <label class="check"><input type="checkbox" bind:checked=orders/> "Orders"</label>
                <label class="check"><input type="checkbox" bind:checked=notifications/> "Notifications"</label>
                <label class="check"><input type="checkbox" bind:checked=payments/> "Payments"</label>
            </fieldset>
            <div class="inline">
                <label>"Retry attempts" <input type="number" min="0" max="10" bind:value=retries/></label>
                <label>"Timeout (ms)" <input type="number" min="1000" max="120000" step="1000" bind:value=timeout/></label>
            </div>
            <div class="inline">
                <button class="button primary" type="submit">"Save settings"</button>
                <Show when=move || saved.get()><span class="muted" role="status">"Saved."</span></Show>
            </div>
        </form>
    }
}

/// The URLs to configure in the sending system.
#[component]
fn Urls() -> impl IntoView {
    let origin = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Some(o) = web_sys::window().and_then(|w| w.location().origin().ok()) {
            origin.set(o);
        }
    });
    view! {
        <h2>"Webhook URLs"</h2>
        <table class="plain urls">
            <tbody>
                {TenantEndpoint::ALL
                    .into_iter()
                    .map(|e| {
                        let url = move || format!("{}{}", origin.get(), e.path());
                        view! {
                            <tr>
                                <td>{format!("{e:?}")}</td>
                                <td><input readonly class="url" aria-label=format!("{e:?} URL") prop:value=url/></td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn Secret(tenant: TenantId, settings: RwSignal<Option<WebhookSettings>>) -> impl IntoView {
    let shown = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let rotate = move |_| {
        spawn_local(async move {
            match client::generate_secret(tenant).await {
                Ok(generated) => {
                    shown.set(Some(generated.secret));
                    if let Ok(s) = client::webhook_settings(tenant).await {
                        settings.set(Some(s));
                    }
                }
                Err(err) => error.set(Some(err)),
            }
        })
    };
    let has_secret = move || settings.with(|s| s.as_ref().is_some_and(|s| s.has_secret));
    let grace = move || {
        settings.with(|s| {
            s.as_ref()
                .and_then(|s| s.previous_secret_valid_until)
                .map(|t| format!("The previous secret still works until {}.", t.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M")))
        })
    };
    view! {
        <h2>"Signing secret"</h2>
        <p class="muted">
            "Senders sign each request with it: Standard Webhooks headers, or "
            <code>"X-Webhook-Signature"</code> " (hex HMAC-SHA256 of the body)."
        </p>
        <button class="button" on:click=rotate>{move || if has_secret() { "Rotate secret" } else { "Generate secret" }}</button>
        <Show when=move || shown.with(Option::is_some)>
            <p class="notice" role="status">
                "Copy this secret now; it will not be shown again: " <code class="secret">{move || shown.get()}</code>
            </p>
        </Show>
        <p class="muted grace">{grace}</p>
        <Show when=move || error.with(Option::is_some)>
            <p class="alert" role="alert">{move || error.get()}</p>
        </Show>
    }
}

#[component]
fn TestButton(tenant: TenantId) -> impl IntoView {
    let result = RwSignal::new(None::<Result<TestDelivery, String>>);
    let run = move |_| spawn_local(async move { result.set(Some(client::test_webhook(tenant).await)) });
    view! {
        <h2>"Test"</h2>
        <button class="button" on:click=run>"Send test webhook"</button>
        {move || result.get().map(|r| match r {
            Ok(t) if t.success => view! { <p class="notice test-result" role="status">{format!("Delivered: {} in {} ms.", t.status, t.duration_ms)}</p> }.into_any(),
            Ok(t) => view! { <p class="alert test-result" role="alert">{format!("Failed ({}): {}", t.status, t.message)}</p> }.into_any(),
            Err(err) => view! { <p class="alert test-result" role="alert">{err}</p> }.into_any(),
        })}
    }
}

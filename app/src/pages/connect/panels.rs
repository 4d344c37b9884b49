//! The connect page's panels, one per phase of the flow.

use super::Invite;
use crate::components::QrCode;
use crate::protocol::ConnectionStatus;
use leptos::prelude::*;

/// Before a session exists: what will happen, and the button.
#[component]
pub(super) fn Intro(busy: RwSignal<bool>, start: Callback<()>) -> impl IntoView {
    view! {
        <div class="panel intro">
            <p class="lead">
                "Open your DIDComm wallet (for example the ConfirmD app), then press the button and scan the code. "
                "This page follows each step as it happens."
            </p>
            <button class="button primary" on:click=move |_| start.run(()) disabled=move || busy.get()>
                {move || if busy.get() { "Preparing…" } else { "Connect wallet" }}
            </button>
        </div>
    }
}

fn countdown(seconds: i64) -> String {
    format!("{}:{:02}", seconds / 60, seconds % 60)
}

/// The QR code, its deep link and the expiry countdown.
#[component]
pub(super) fn Waiting(invite: Signal<Option<Invite>>, status: RwSignal<ConnectionStatus>, seconds_left: Signal<i64>) -> impl IntoView {
    let url = Signal::derive(move || invite.with(|i| i.as_ref().map(|i| i.invitation_url.clone()).unwrap_or_default()));
    let copied = RwSignal::new(false);
    let copy = move |_| {
        if let Some(window) = web_sys::window() {
            let _ = window.navigator().clipboard().write_text(&url.get_untracked());
            copied.set(true);
        }
    };
    view! {
        <div class="panel waiting">
            <QrCode value=url label="Connection invitation QR code"/>
            <div class="waiting-side">
                <p class="status-line">
                    <span class="spinner" aria-hidden="true"></span>
                    <strong class="status-text">{move || status.get().label()}</strong>
                </p>
                <p class="hint">"Scan with your wallet, or open the link on this device:"</p>
                <div class="deeplink">
                    <input readonly aria-label="Invitation link" prop:value=url/>
                    <button class="button small" on:click=copy>
                        {move || if copied.get() { "Copied" } else { "Copy" }}
                    </button>
                </div>
                <a class="button small ghost" href=url>"Open in wallet"</a>
                <p class="expiry" aria-live="off">
                    "Code expires in " <time>{move || countdown(seconds_left.get())}</time>
                </p>
            </div>
        </div>
    }
}

/// The wallet is connected.
#[component]
pub(super) fn Connected(their_label: RwSignal<Option<String>>) -> impl IntoView {
    view! {
        <div class="panel success" role="status">
            <div class="success-mark" aria-hidden="true">"✓"</div>
            <h2>"Wallet connected"</h2>
            <p>
                "Connected to "
                <strong class="wallet-name">{move || their_label.get().unwrap_or_else(|| "your wallet".into())}</strong>
                ". You can continue your registration."
            </p>
        </div>
    }
}

/// The code expired or the platform reported an error: offer a new code.
#[component]
pub(super) fn Failed(status: RwSignal<ConnectionStatus>, busy: RwSignal<bool>, start: Callback<()>) -> impl IntoView {
    let message = move || match status.get() {
        ConnectionStatus::Abandoned => "This code expired before a wallet connected.",
        _ => "The wallet could not finish connecting.",
    };
    view! {
        <div class="panel failed" role="alert">
            <h2>{move || status.get().label()}</h2>
            <p>{message}</p>
            <button class="button primary" on:click=move |_| start.run(()) disabled=move || busy.get()>
                "Get a new code"
            </button>
        </div>
    }
}

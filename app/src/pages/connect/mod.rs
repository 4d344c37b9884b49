//! `/register/connect`: a student starts a connect flow, scans the QR code
//! with a DIDComm wallet, and watches the steps tick by without reloading.
//!
//! The page keeps the session id in its URL (`?session=…`), so a reload or a
//! reconnect resumes the same flow; every socket (re)connect starts with the
//! server's current state, so nothing that happened offline is missed.

mod panels;

use crate::client::{self, LinkState};
use crate::components::{LiveDot, StepIndicator};
use crate::protocol::{ConnectionStatus, CreatedSession, ServerMessage, SessionId, SessionView};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_query_map;
use panels::{Connected, Failed, Intro, Waiting};

/// The invitation a page is showing.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Invite {
    pub session_id: SessionId,
    pub invitation_url: String,
    pub expires_at: DateTime<Utc>,
}

impl From<CreatedSession> for Invite {
    fn from(s: CreatedSession) -> Self {
        Self { session_id: s.session_id, invitation_url: s.invitation_url, expires_at: s.expires_at }
    }
}

impl From<&SessionView> for Invite {
    fn from(s: &SessionView) -> Self {
        Self { session_id: s.session_id.clone(), invitation_url: s.invitation_url.clone(), expires_at: s.expires_at }
    }
}

/// Everything the page shows, as signals (all `Copy`).
#[derive(Clone, Copy)]
struct Flow {
    invite: RwSignal<Option<Invite>>,
    status: RwSignal<ConnectionStatus>,
    their_label: RwSignal<Option<String>>,
    link: RwSignal<LinkState>,
    error: RwSignal<Option<String>>,
    busy: RwSignal<bool>,
}

impl Flow {
    fn new(resuming: bool) -> Self {
        Self {
            invite: RwSignal::new(None),
            status: RwSignal::new(ConnectionStatus::Invitation),
            their_label: RwSignal::new(None),
            link: RwSignal::new(LinkState::Idle),
            error: RwSignal::new(None),
            busy: RwSignal::new(resuming),
        }
    }

    /// Applies a status the server reported; statuses only move forward.
    fn observe(self, status: ConnectionStatus, their_label: Option<String>) {
        self.status.maybe_update(|current| match current.advance(status) {
            Some(next) => {
                *current = next;
                true
            }
            None => false,
        });
        if their_label.is_some() {
            self.their_label.set(their_label);
        }
    }

    fn on_message(self, msg: ServerMessage) {
        match msg {
            ServerMessage::Connected { status, their_label, .. } | ServerMessage::StatusUpdate { status, their_label, .. } => {
                self.observe(status, their_label)
            }
            ServerMessage::Pong { .. } | ServerMessage::Error { .. } => {}
        }
    }

    /// Shows a (new) invitation from its first state.
    fn show(self, invite: Invite, status: ConnectionStatus, their_label: Option<String>) {
        remember_in_url(&invite.session_id);
        self.status.set(status);
        self.their_label.set(their_label);
        self.invite.set(Some(invite));
    }

    /// Creates a fresh session: the Connect button and "get a new code".
    fn start(self) {
        self.busy.set(true);
        self.error.set(None);
        spawn_local(async move {
            match client::create_session().await {
                Ok(created) => self.show(created.into(), ConnectionStatus::Invitation, None),
                Err(err) => self.error.set(Some(format!("Could not create a connection code: {err}"))),
            }
            self.busy.set(false);
        });
    }

    /// Picks up the session named in the URL after a reload.
    fn resume(self, id: SessionId) {
        spawn_local(async move {
            match client::fetch_session(&id).await {
                Ok(view) => self.show((&view).into(), view.status, view.their_label.clone()),
                Err(err) => self.error.set(Some(format!("That code is no longer available ({err}). Start again."))),
            }
            self.busy.set(false);
        });
    }
}

/// Puts the session id into the address bar without a navigation, so a
/// reload resumes this flow.
fn remember_in_url(id: &SessionId) {
    if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
        let url = format!("/register/connect?session={}", js_sys::encode_uri_component(id.as_str()));
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
    }
}

#[component]
pub fn ConnectPage() -> impl IntoView {
    let resuming = use_query_map().with_untracked(|q| q.get("session")).map(SessionId::new);
    let flow = Flow::new(resuming.is_some());

    // Client only: effects never run during server rendering.
    Effect::new(move |_| {
        if let Some(id) = resuming.clone() {
            flow.resume(id);
        }
    });

    let session_id = Memo::new(move |_| flow.invite.with(|i| i.as_ref().map(|i| i.session_id.clone())));
    Effect::new(move |_| {
        let Some(id) = session_id.get() else { return };
        let socket = client::open_live_socket(
            client::ws_url(&id),
            Vec::new(),
            move |msg: ServerMessage| flow.on_message(msg),
            move |state| flow.link.set(state),
        );
        on_cleanup(move || drop(socket));
    });

    let now = RwSignal::new(Utc::now());
    Effect::new(move |_| {
        if let Ok(handle) = set_interval_with_handle(move || now.set(Utc::now()), std::time::Duration::from_secs(1)) {
            on_cleanup(move || handle.clear());
        }
    });
    let seconds_left =
        Signal::derive(move || flow.invite.with(|i| i.as_ref().map(|i| (i.expires_at - now.get()).num_seconds().max(0)).unwrap_or(0)));

    let status = flow.status;
    let start = Callback::new(move |()| flow.start());
    view! {
        <section class="card connect" data-status=move || status.get().as_str()>
            <div class="card-head">
                <div>
                    <p class="eyebrow">"Student registration"</p>
                    <h1>"Connect your wallet"</h1>
                </div>
                <Show when=move || flow.link.get() != LinkState::Idle>
                    <LiveDot state=flow.link/>
                </Show>
            </div>
            <Show
                when=move || flow.invite.with(Option::is_some)
                fallback=move || view! { <Intro busy=flow.busy start/> }
            >
                <StepIndicator status/>
                {move || {
                    let current = status.get();
                    if current.is_connected() {
                        view! { <Connected their_label=flow.their_label/> }.into_any()
                    } else if current.is_failed() {
                        view! { <Failed status busy=flow.busy start/> }.into_any()
                    } else {
                        let invite = Signal::derive(move || flow.invite.get());
                        view! { <Waiting invite status seconds_left/> }.into_any()
                    }
                }}
            </Show>
            <Show when=move || flow.error.with(Option::is_some)>
                <p class="alert" role="alert">{move || flow.error.get()}</p>
            </Show>
        </section>
    }
}

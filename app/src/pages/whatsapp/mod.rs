//! `/whatsapp`: a college's template messages with their ticks changing in
//! place (clock, ✓, grey ✓✓, blue ✓✓, red ✗ with the reason), a send form,
//! the conversation with each contact, and live delivery analytics.
//!
//! The page registers for its college on `/ws/whatsapp`; on every
//! `registered` (first connect and each reconnect) it re-reads the lists, and
//! merges them with live updates monotonically, so nothing is missed or
//! moved backwards.

mod analytics;
mod conversation;
mod panels;
mod table;

use crate::auth::{pick_tenant, use_auth, TenantPicker};
use crate::client::{self, LinkState};
use crate::components::LiveDot;
use crate::pages::lazy::StaffBoard;
use crate::protocol::{CollegeId, IncomingMessage, MessageStatus, OutgoingMessage, WaClientMessage, WaServerMessage};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_query_map;

/// The page's state, as signals (all `Copy`).
#[derive(Clone, Copy)]
pub(crate) struct Board {
    pub college: Signal<CollegeId>,
    /// Newest first.
    pub messages: RwSignal<Vec<OutgoingMessage>>,
    /// Newest first.
    pub incoming: RwSignal<Vec<IncomingMessage>>,
    pub link: RwSignal<LinkState>,
    pub filter: RwSignal<Option<MessageStatus>>,
    /// The contact whose conversation is open.
    pub contact: RwSignal<Option<String>>,
    pub error: RwSignal<Option<String>>,
}

impl Board {
    fn new(college: CollegeId) -> Self {
        Self {
            college: Signal::stored(college),
            messages: RwSignal::new(Vec::new()),
            incoming: RwSignal::new(Vec::new()),
            link: RwSignal::new(LinkState::Idle),
            filter: RwSignal::new(None),
            contact: RwSignal::new(None),
            error: RwSignal::new(None),
        }
    }

    /// Adds a message or merges a newer report of it.
    pub fn upsert(self, message: OutgoingMessage) {
        self.messages.update(|list| match list.iter_mut().find(|m| m.whatsapp_message_id == message.whatsapp_message_id) {
            Some(known) => known.merge(&message),
            None => {
                list.push(message);
                list.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.message_id.cmp(&a.message_id)));
            }
        });
    }

    fn add_incoming(self, message: IncomingMessage) {
        self.incoming.update(|list| {
            if !list.iter().any(|m| m.whatsapp_message_id == message.whatsapp_message_id) {
                list.push(message);
                list.sort_by_key(|m| std::cmp::Reverse(m.received_at));
            }
        });
    }

    fn on_message(self, msg: WaServerMessage) {
        match msg {
            // Resumed: what it missed follows; otherwise read the list.
            WaServerMessage::Registered { start, .. } if start.resumed => {}
            WaServerMessage::Registered { .. } => self.refresh(),
            WaServerMessage::MessageStatusUpdate { message, .. } => self.upsert(message),
            WaServerMessage::IncomingMessage { message } => self.add_incoming(message),
            WaServerMessage::Error { message } => self.error.set(Some(message)),
            WaServerMessage::Pong { .. } => {}
        }
    }

    /// Re-reads both lists (after every (re)registration).
    fn refresh(self) {
        let college = self.college.get_untracked();
        spawn_local(async move {
            match client::list_messages(&college).await {
                Ok(list) => list.into_iter().for_each(|m| self.upsert(m)),
                Err(err) => self.error.set(Some(format!("Could not load messages: {err}"))),
            }
            match client::list_incoming(&college).await {
                Ok(list) => list.into_iter().for_each(|m| self.add_incoming(m)),
                Err(err) => self.error.set(Some(format!("Could not load replies: {err}"))),
            }
        });
    }
}

#[component]
pub fn WhatsAppPage() -> impl IntoView {
    view! { <StaffBoard board=whatsapp_board/> }
}

lazy_board!(whatsapp_board, WhatsAppBoard);

/// The page for one of the signed-in user's colleges (`?college=` or their
/// first).
#[component]
fn WhatsAppBoard() -> impl IntoView {
    let me = use_auth().me.get_untracked().expect("shown to signed-in staff only");
    let wanted = use_query_map().with_untracked(|q| q.get("college"));
    let Some(tenant) = pick_tenant(&me, wanted, false) else {
        return view! { <p class="empty">"You are not a member of any college yet."</p> }.into_any();
    };
    let board = Board::new(CollegeId::from(tenant.tenant_id));

    Effect::new(move |_| {
        let register = WaClientMessage::Register { college_id: board.college.get_untracked(), token: None, resume: None };
        let socket = client::open_live_socket(
            client::ws_whatsapp_url(),
            vec![serde_json::to_string(&register).expect("register serialises")],
            move |msg: WaServerMessage| board.on_message(msg),
            move |state| board.link.set(state),
        );
        on_cleanup(move || drop(socket));
    });

    view! {
        <section class="card wa">
            <div class="card-head">
                <div>
                    <p class="eyebrow">"WhatsApp · " <TenantPicker tenants=me.tenants.clone() current=tenant param="college"/></p>
                    <h1>"Message delivery"</h1>
                </div>
                <LiveDot state=board.link/>
            </div>
            <panels::AnalyticsPanel board/>
            <div class="wa-grid">
                <div class="wa-main">
                    <panels::SendForm board/>
                    <table::Filters board/>
                    <table::MessageTable board/>
                </div>
                <conversation::Conversation board/>
            </div>
            <Show when=move || board.error.with(Option::is_some)>
                <p class="alert" role="alert">{move || board.error.get()}</p>
            </Show>
        </section>
    }
    .into_any()
}

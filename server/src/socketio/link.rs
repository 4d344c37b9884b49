//! One Socket.IO socket's place in the hub, and the seeds' client events:
//! `join-tenant`, `leave-tenant` and `notification-received` (seed 004),
//! `join` to a helpdesk room (seed 002).
//!
//! A join is answered with a `joined` event (tenant, room, and where the
//! stream starts: `epoch`, `offset`, `resumed`) and, when the client
//! passes a callback, the same as its acknowledgement. A join that does not
//! resume is followed by `dashboard-refresh` (`reason: "resync"`): what the
//! page shows may be stale, so it reloads. A refused join gets an `error`
//! event that says nothing about the tenant; a few close the socket.

use super::bridge;
use crate::auth::Staff;
use crate::hub::{Channel, Mailbox, Registration};
use crate::limits::SocketSlot;
use crate::state::AppState;
use crate::ws;
use app::protocol::{Resume, Room, StreamStart, TenantId};
use serde_json::{json, Value};
use socketioxide::extract::{AckSender, SocketRef, State, TryData};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// Who opened the socket: a staff member (cookie) and/or the holder of a
/// channel token for a tenant.
pub struct Caller {
    pub staff: Option<Staff>,
    pub token: Option<(TenantId, String)>,
}

/// A socket's registration and what it has joined; kept in the socket's
/// extensions until it disconnects, when dropping it leaves the hub.
pub struct Link {
    /// Replaced when the hub let go of the socket (see [`Link::rejoin`]).
    registration: Mutex<Registration>,
    /// Taken by the bridge when the socket is connected.
    mailbox: Mutex<Option<Mailbox>>,
    caller: Caller,
    /// Where the client left off before it reconnected.
    resume: Option<Resume>,
    joined: Mutex<Joined>,
    /// Whether it joined a helpdesk room (it then also gets seed 002's
    /// `notification`).
    helpdesk: Arc<AtomicBool>,
    _slot: SocketSlot,
}

#[derive(Default)]
struct Joined {
    tenant: Option<TenantId>,
    rooms: Vec<Room>,
    refusals: u8,
}

impl Link {
    pub fn new(state: &AppState, caller: Caller, resume: Option<Resume>, slot: SocketSlot) -> Self {
        let (registration, mailbox) = state.hub.register();
        Self {
            registration: Mutex::new(registration),
            mailbox: Mutex::new(Some(mailbox)),
            caller,
            resume,
            joined: Mutex::default(),
            helpdesk: Arc::default(),
            _slot: slot,
        }
    }

    /// Joins `tenant` with the caller's sign-in, `token`, or the
    /// handshake's token, resuming where the handshake says.
    fn join_tenant(&self, state: &AppState, tenant: TenantId, token: Option<&str>) -> Result<StreamStart, String> {
        self.enter_tenant(state, tenant, token, self.resume.as_ref())
    }

    fn enter_tenant(
        &self,
        state: &AppState,
        tenant: TenantId,
        token: Option<&str>,
        resume: Option<&Resume>,
    ) -> Result<StreamStart, String> {
        let handshake = self.caller.token.as_ref().filter(|(t, _)| *t == tenant).map(|(_, token)| token.as_str());
        let (channel, grants) = ws::tenant::channel_for(state, self.caller.staff.as_ref(), tenant, token.or(handshake))?;
        // Joined already (a token's holder is joined on connect): nothing
        // was missed in between, and nothing is replayed twice.
        let again = self.joined.lock().expect("joined lock").tenant.replace(tenant) == Some(tenant);
        let mut start = ws::subscribe(&self.registration(), channel, grants, resume.filter(|_| !again));
        start.resumed |= again;
        Ok(start)
    }

    /// Leaves `tenant`: its notifications and its rooms.
    fn leave_tenant(&self, tenant: TenantId) {
        let registration = self.registration();
        registration.unsubscribe(&Channel::Tenant(tenant));
        if let Some(staff) = &self.caller.staff {
            registration.unsubscribe(&Channel::TenantUser(tenant, staff.user_id));
        }
        for room in Room::ALL {
            registration.unsubscribe(&Channel::Room(tenant, *room));
        }
        drop(registration);
        let mut joined = self.joined.lock().expect("joined lock");
        if joined.tenant == Some(tenant) {
            joined.tenant = None;
            joined.rooms.clear();
        }
    }

    /// Joins a helpdesk room of the joined tenant; with none joined yet,
    /// of the token's tenant or the staff member's first.
    fn join_room(&self, state: &AppState, room: Room) -> Result<(TenantId, StreamStart), String> {
        self.enter_room(state, room, self.resume.as_ref())
    }

    fn enter_room(&self, state: &AppState, room: Room, resume: Option<&Resume>) -> Result<(TenantId, StreamStart), String> {
        let joined = self.joined.lock().expect("joined lock").tenant;
        let tenant = match joined {
            Some(tenant) => tenant,
            None => {
                let own = self.caller.token.as_ref().map(|(t, _)| *t);
                let tenant = own.or_else(|| self.caller.staff.as_ref()?.tenants.first().map(|t| t.tenant_id));
                let tenant = tenant.ok_or_else(|| "join a tenant first".to_owned())?;
                self.enter_tenant(state, tenant, None, resume)?;
                tenant
            }
        };
        self.helpdesk.store(true, Ordering::Relaxed);
        let again = {
            let mut joined = self.joined.lock().expect("joined lock");
            let again = joined.rooms.contains(&room);
            if !again {
                joined.rooms.push(room);
            }
            again
        };
        let mut start = self.registration().subscribe_from(Channel::Room(tenant, room), resume.filter(|_| !again));
        start.resumed |= again;
        Ok((tenant, start))
    }

    fn registration(&self) -> std::sync::MutexGuard<'_, Registration> {
        self.registration.lock().expect("registration lock")
    }

    /// A new place in the hub, with what the socket had joined, after the
    /// hub let go of it (it fell behind, or the hub may have missed events
    /// and dropped every socket): the client is told to reload instead of
    /// being disconnected, which a Socket.IO client would not recover from.
    pub fn rejoin(&self, state: &AppState) -> Mailbox {
        let (registration, mailbox) = state.hub.register();
        *self.registration() = registration;
        let (tenant, rooms) = {
            let mut joined = self.joined.lock().expect("joined lock");
            (joined.tenant.take(), std::mem::take(&mut joined.rooms))
        };
        // Nothing is resumed: what the socket was sent is not replayed.
        if let Some(tenant) = tenant {
            if self.enter_tenant(state, tenant, None, None).is_ok() {
                for room in rooms {
                    let _ = self.enter_room(state, room, None);
                }
            }
        }
        mailbox
    }

    /// Counts a refused join: whether the socket should now be closed.
    fn refused(&self, state: &AppState, tenant: Option<TenantId>) -> bool {
        ws::refused(state, &mut self.joined.lock().expect("joined lock").refusals, tenant)
    }
}

fn link_of(socket: &SocketRef) -> Option<Arc<Link>> {
    socket.extensions.get::<Arc<Link>>()
}

/// A connected socket: its events, its bridge from the hub, and, for a
/// token's holder, its tenant joined at once.
pub async fn on_connect(socket: SocketRef, State(state): State<AppState>) {
    let Some(link) = link_of(&socket) else { return };
    socket.on("join-tenant", join_tenant);
    socket.on("leave-tenant", leave_tenant);
    socket.on("notification-received", notification_received);
    socket.on("join", join_room);
    // The link holds the socket's place in the hub: dropping it ends the
    // bridge, which holds the socket.
    socket.on_disconnect(async |socket: SocketRef| {
        socket.extensions.remove::<Arc<Link>>();
    });
    if let Some(mailbox) = link.mailbox.lock().expect("mailbox lock").take() {
        tokio::spawn(bridge::run(socket.clone(), mailbox, state.clone(), Arc::downgrade(&link), link.helpdesk.clone()));
    }
    if let Some((tenant, _)) = link.caller.token {
        match link.join_tenant(&state, tenant, None) {
            Ok(start) => answer_joined(&socket, None, tenant, None, &start),
            Err(message) => refuse(&socket, &link, &state, None, Some(tenant), message),
        }
    }
}

/// `join-tenant`: a tenant id (number or string), or `{ tenantId, token }`.
async fn join_tenant(socket: SocketRef, TryData(data): TryData<Value>, ack: AckSender, State(state): State<AppState>) {
    let Some(link) = link_of(&socket) else { return };
    let data = data.unwrap_or_default();
    let Some(tenant) = tenant_of(&data) else {
        return refuse(&socket, &link, &state, Some(ack), None, "join-tenant needs a tenant id".into());
    };
    let token = data.get("token").and_then(Value::as_str);
    match link.join_tenant(&state, tenant, token) {
        Ok(start) => answer_joined(&socket, Some(ack), tenant, None, &start),
        Err(message) => refuse(&socket, &link, &state, Some(ack), Some(tenant), message),
    }
}

async fn leave_tenant(socket: SocketRef, TryData(data): TryData<Value>, ack: AckSender) {
    let Some(link) = link_of(&socket) else { return };
    if let Some(tenant) = tenant_of(&data.unwrap_or_default()) {
        link.leave_tenant(tenant);
    }
    let _ = ack.send(&json!({ "success": true }));
}

/// Seed 004's acknowledgement of a notification shown: nothing to store.
async fn notification_received(ack: AckSender) {
    let _ = ack.send(&json!({ "success": true }));
}

/// `join`: a room name (`tickets`, …), or `{ room }`.
async fn join_room(socket: SocketRef, TryData(data): TryData<Value>, ack: AckSender, State(state): State<AppState>) {
    let Some(link) = link_of(&socket) else { return };
    let data = data.unwrap_or_default();
    let name = data.as_str().or_else(|| data.get("room").and_then(Value::as_str)).unwrap_or_default();
    let Ok(room) = serde_json::from_value::<Room>(Value::String(name.to_owned())) else {
        let message = format!("unknown room `{name}`: tickets, comments, users, kb or attachments");
        return refuse(&socket, &link, &state, Some(ack), None, message);
    };
    match link.join_room(&state, room) {
        Ok((tenant, start)) => answer_joined(&socket, Some(ack), tenant, Some(room), &start),
        Err(message) => refuse(&socket, &link, &state, Some(ack), None, message),
    }
}

/// A tenant id as the seeds' clients send it.
fn tenant_of(data: &Value) -> Option<TenantId> {
    let id = data.get("tenantId").unwrap_or(data);
    id.as_i64().or_else(|| id.as_str()?.trim().parse().ok()).map(TenantId)
}

fn answer_joined(socket: &SocketRef, ack: Option<AckSender>, tenant: TenantId, room: Option<Room>, start: &StreamStart) {
    let joined = json!({
        "success": true, "tenantId": tenant, "room": room,
        "epoch": start.epoch, "offset": start.offset, "resumed": start.resumed,
    });
    if let Some(ack) = ack {
        let _ = ack.send(&joined);
    }
    let _ = socket.emit("joined", &joined);
    if room.is_none() && !start.resumed {
        let _ = socket.emit("dashboard-refresh", &json!({ "reason": "resync" }));
    }
}

/// Answers a refused join with an `error` event (and acknowledgement);
/// closes a socket that keeps trying.
fn refuse(socket: &SocketRef, link: &Link, state: &AppState, ack: Option<AckSender>, tenant: Option<TenantId>, message: String) {
    tracing::debug!(?tenant, %message, "Socket.IO join refused");
    let error = json!({ "success": false, "error": message, "message": message });
    if let Some(ack) = ack {
        let _ = ack.send(&error);
    }
    let _ = socket.emit("error", &error);
    if link.refused(state, tenant) {
        let _ = socket.clone().disconnect();
    }
}

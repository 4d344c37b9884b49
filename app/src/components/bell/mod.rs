//! The notification bell: live state shared by every staff page (the bell,
//! toasts, and the dashboard's refresh), fed by one `/ws/tenant` socket.
//!
//! On every (re)join that does not resume by offset (see
//! `client::live_socket`) the bell reads everything newer than the newest
//! it holds, page after page, so however many notifications arrived while it
//! was offline, all of them appear, once; then the first page again, for
//! what changed on ones it already had. While the socket is down the bell
//! polls every [`POLL_EVERY`] and says so.

mod toasts;
mod view;

pub use toasts::Toasts;
pub use view::Bell;

use crate::client::{self, LinkState};
use crate::protocol::{Notification, NotificationPage, TenantClientMessage, TenantId, TenantServerMessage};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::time::Duration;

const POLL_EVERY: Duration = Duration::from_secs(10);

#[derive(Clone, Copy)]
pub struct TenantLive {
    pub tenant: RwSignal<Option<TenantId>>,
    pub link: RwSignal<LinkState>,
    /// Newest first; dismissed ones are dropped.
    pub items: RwSignal<Vec<Notification>>,
    pub unread: RwSignal<i64>,
    pub next_cursor: RwSignal<Option<i64>>,
    pub toasts: RwSignal<Vec<Notification>>,
    /// Bumped on every `dashboard-refresh` (and every poll while offline).
    pub refresh_tick: RwSignal<u64>,
}

pub fn provide_tenant_live() -> TenantLive {
    let live = TenantLive {
        tenant: RwSignal::new(None),
        link: RwSignal::new(LinkState::Idle),
        items: RwSignal::new(Vec::new()),
        unread: RwSignal::new(0),
        next_cursor: RwSignal::new(None),
        toasts: RwSignal::new(Vec::new()),
        refresh_tick: RwSignal::new(0),
    };
    provide_context(live);
    live
}

pub fn use_tenant_live() -> TenantLive {
    expect_context()
}

impl TenantLive {
    fn upsert(self, n: Notification) {
        self.items.update(|list| {
            list.retain(|m| m.id != n.id);
            if !n.is_dismissed {
                list.push(n);
                list.sort_by_key(|n| std::cmp::Reverse(n.id));
            }
        });
    }

    fn merge(self, page: NotificationPage, first: bool) {
        for n in page.notifications {
            self.upsert(n);
        }
        self.unread.set(page.unread_count);
        if first {
            // Keep a cursor already further down the list.
            self.next_cursor.update(|c| *c = c.or(page.next_cursor));
        } else {
            self.next_cursor.set(page.next_cursor);
        }
    }

    /// Catches up (after a (re)join, or a poll): everything newer than the
    /// newest held, then the newest page again.
    pub fn reload(self) {
        let Some(tenant) = self.tenant.get_untracked() else { return };
        let newest = self.items.with_untracked(|list| list.iter().map(|n| n.id).max());
        spawn_local(async move {
            let mut after = newest;
            while let Some(from) = after {
                let Ok(page) = client::notifications_after(tenant, from).await else { return };
                after = page.next_cursor;
                for n in page.notifications {
                    self.upsert(n);
                }
            }
            if let Ok(page) = client::notifications(tenant, None).await {
                self.merge(page, true);
            }
        });
    }

    pub fn load_more(self) {
        let (Some(tenant), Some(before)) = (self.tenant.get_untracked(), self.next_cursor.get_untracked()) else { return };
        spawn_local(async move {
            if let Ok(page) = client::notifications(tenant, Some(before)).await {
                self.merge(page, false);
            }
        });
    }

    fn on_message(self, msg: TenantServerMessage) {
        match msg {
            // A rejoin that resumed: what it missed follows.
            TenantServerMessage::Joined { room: None, start, .. } if start.resumed => {}
            TenantServerMessage::Joined { room: None, .. } => {
                // A (re)join: catch up on what happened meanwhile.
                self.reload();
                self.refresh_tick.update(|t| *t += 1);
            }
            TenantServerMessage::NewNotification { notification } => {
                let fresh = !self.items.with_untracked(|l| l.iter().any(|n| n.id == notification.id));
                self.upsert(notification.clone());
                if fresh {
                    self.toasts.update(|t| t.push(notification));
                }
            }
            TenantServerMessage::NotificationUpdated { notification } => self.upsert(notification),
            // Only this user's own "mark all read" arrives with their id;
            // one for the tenant-wide view may leave theirs unread.
            TenantServerMessage::NotificationsMarkedRead { user_id: Some(_) } => {
                self.items.update(|l| l.iter_mut().for_each(|n| n.is_read = true));
            }
            TenantServerMessage::NotificationsMarkedRead { user_id: None } => self.reload(),
            TenantServerMessage::UnreadCount { count } => self.unread.set(count),
            TenantServerMessage::DashboardRefresh { .. } => self.refresh_tick.update(|t| *t += 1),
            _ => {}
        }
    }
}

/// Keeps the bell live for `tenant` while mounted (rendered for signed-in
/// staff only).
#[component]
pub fn LiveTenant(tenant: TenantId) -> impl IntoView {
    let live = use_tenant_live();
    live.tenant.set(Some(tenant));
    Effect::new(move |_| {
        let join = TenantClientMessage::JoinTenant { tenant_id: tenant, token: None, resume: None };
        let socket = client::open_live_socket(
            client::ws_tenant_url(),
            vec![serde_json::to_string(&join).expect("join serialises")],
            move |msg: TenantServerMessage| live.on_message(msg),
            move |state| live.link.set(state),
        );
        on_cleanup(move || drop(socket));
    });
    // The fallback: while the socket is down, poll.
    Effect::new(move |_| {
        let poll = move || {
            if live.link.get_untracked() != LinkState::Live {
                live.reload();
                live.refresh_tick.update(|t| *t += 1);
            }
        };
        if let Ok(handle) = set_interval_with_handle(poll, POLL_EVERY) {
            on_cleanup(move || handle.clear());
        }
    });
}

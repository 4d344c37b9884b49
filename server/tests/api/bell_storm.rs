//! Drop storm for the bell: 50 staff pages on `/ws/tenant` whose
//! connections are cut (no close frame) every second or sooner while
//! 2,000 notifications arrive. Each page does what the bell does: on every
//! (re)join it reads everything newer than the newest it holds, page after
//! page, then follows live. Once the notifications stop, and the cuts with
//! them, every page holds every notification, once, without a gap.

use crate::helpers::*;
use app::protocol::TenantServerMessage as T;
use futures_util::StreamExt;
use rand::Rng;
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

const PAGES: usize = 50;
const NOTIFICATIONS: usize = 2_000;
/// What the bell asks for per catch-up page.
const CATCH_UP_PAGE: usize = 100;
/// The longest a page's connection lives while notifications arrive:
/// shorter than the WhatsApp storm's, as notifications arrive faster.
const CUT_WITHIN: Duration = Duration::from_secs(1);

type Ids = BTreeSet<i64>;

/// Everything newer than `held`'s newest, page after page.
async fn catch_up(api: &Api, session: &Session, held: &mut Ids) {
    let mut after = held.last().copied().unwrap_or(0);
    loop {
        let path = format!("/api/notifications?tenantId=1&limit={CATCH_UP_PAGE}&after={after}");
        let page: Value = json_of(api.as_user(session, Method::GET, &path)).await;
        let ids = page["data"]["notifications"].as_array().expect("a page of notifications").iter().map(|n| n["id"].as_i64().unwrap());
        held.extend(ids);
        match page["data"]["nextCursor"].as_i64() {
            Some(cursor) => after = cursor,
            None => return,
        }
    }
}

/// One bell: (re)joins, catches up, follows, until it holds `truth`.
/// Returns how many connections it made.
async fn bell(api: Api, session: Session, mut truth: watch::Receiver<Option<Arc<Ids>>>) -> usize {
    let mut held = Ids::new();
    let mut connections = 0;
    loop {
        // Joined first, then the catch-up: a notification between the two
        // is in the catch-up or on the socket, never in neither.
        let mut socket = api.tenant_socket(&session, 1).await;
        connections += 1;
        catch_up(&api, &session, &mut held).await;
        let cut_at = Instant::now() + rand::thread_rng().gen_range(CUT_WITHIN / 2..CUT_WITHIN);
        loop {
            if truth.borrow().as_deref() == Some(&held) {
                return connections;
            }
            let cutting = truth.borrow().is_none();
            tokio::select! {
                frame = socket.next() => match frame {
                    Some(Ok(Message::Text(text))) => {
                        if let Ok(T::NewNotification { notification }) = serde_json::from_str(text.as_str()) {
                            held.insert(notification.id);
                        }
                    }
                    Some(Ok(_)) => {}
                    // The server closed it (it fell behind): reconnect.
                    _ => break,
                },
                _ = tokio::time::sleep_until(cut_at), if cutting => break,
                _ = truth.changed() => {}
            }
        }
        // Dropping the socket cuts the connection mid-stream.
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bells_cut_again_and_again_hold_every_notification_once() {
    let app = spawn_app(&[]).await;
    let secret = app.tenant_secret().await;
    let admin = app.admin.clone().unwrap();
    let (publish, truth) = watch::channel(None::<Arc<Ids>>);
    let bells: Vec<_> = (0..PAGES).map(|_| tokio::spawn(bell(app.api.clone(), admin.clone(), truth.clone()))).collect();

    futures_util::stream::iter(0..NOTIFICATIONS)
        .for_each_concurrent(8, |n| {
            let body = json!({"tenantId": 1, "title": format!("Notification {n}"), "message": "m"});
            let (app, secret) = (&app, &secret);
            async move { assert_eq!(app.post_tenant(secret, "notifications", &format!("n{n}"), &body).await.status(), 200) }
        })
        .await;
    app.settled_stats().await;
    let mut all = Ids::new();
    catch_up(&app, &admin, &mut all).await;
    assert_eq!(all.len(), NOTIFICATIONS, "one notification per webhook");
    publish.send(Some(Arc::new(all))).unwrap();

    let connections = tokio::time::timeout(Duration::from_secs(30), futures_util::future::join_all(bells))
        .await
        .expect("every bell holds every notification");
    let connections: Vec<usize> = connections.into_iter().map(Result::unwrap).collect();
    // The storm happened: bells were cut while the notifications arrived.
    assert!(connections.iter().filter(|&&c| c > 1).count() > PAGES / 2, "{connections:?}");
}

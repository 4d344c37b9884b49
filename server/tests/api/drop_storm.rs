//! Drop storm: 200 pages on `/ws/whatsapp` (twenty for each of ten
//! colleges, each college with a number of its own) whose connections are
//! cut (no close frame: the TCP connection just ends) every two seconds or
//! sooner while 2,000 status changes flow. Each page does what the WhatsApp page
//! does: on every (re)connect it registers, then reads the list, then
//! applies live updates, forward only. Once the changes stop, and the cuts
//! with them, every page holds the true final state, without reading the
//! list again.

use crate::helpers::*;
use crate::wa_helpers::*;
use app::protocol::{MessageStatus, WaServerMessage};
use futures_util::{SinkExt, StreamExt};
use rand::Rng;
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tidings::graph::notifications;
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

const COLLEGES: usize = 10;
const PAGES_PER_COLLEGE: usize = 20;
/// Per college: fewer than the page's list shows (200).
const MESSAGES: usize = 67;
const STATUSES: [&str; 3] = ["sent", "delivered", "read"];
/// The longest a page's connection lives while changes flow.
const CUT_WITHIN: Duration = Duration::from_secs(2);

type Statuses = HashMap<String, MessageStatus>;

fn merge(state: &mut Statuses, wamid: String, status: MessageStatus) {
    let held = state.entry(wamid).or_insert(status);
    *held = held.advance(status).unwrap_or(*held);
}

/// One page: (re)connects, snapshots, follows, until it holds `truth`.
/// Returns how many connections it made.
async fn page(api: Api, tenant: Tenant, token: String, mut truth: watch::Receiver<Option<Arc<Statuses>>>) -> usize {
    let mut state = Statuses::new();
    let mut connections = 0;
    loop {
        let mut socket = api.socket_at("/ws/whatsapp").await;
        connections += 1;
        let register = json!({"type": "register", "collegeId": tenant.id, "token": token}).to_string();
        socket.send(Message::Text(register.into())).await.unwrap();
        assert!(matches!(next_wa(&mut socket).await, WaServerMessage::Registered { .. }));
        // Subscribed first, then the list: a change between the two is in
        // the list or on the socket, never in neither.
        for m in api.messages(&tenant).await {
            merge(&mut state, m.whatsapp_message_id, m.status);
        }
        let cut_at = Instant::now() + rand::thread_rng().gen_range(CUT_WITHIN / 2..CUT_WITHIN);
        loop {
            if truth.borrow().as_deref() == Some(&state) {
                return connections;
            }
            let cutting = truth.borrow().is_none();
            tokio::select! {
                frame = socket.next() => match frame {
                    Some(Ok(Message::Text(text))) => {
                        if let Ok(WaServerMessage::MessageStatusUpdate { whatsapp_message_id, status, .. }) = serde_json::from_str(text.as_str()) {
                            merge(&mut state, whatsapp_message_id, status);
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

/// A college with a business number of its own, its messages, and a
/// channel token for its pages.
async fn college(app: &TestApp, n: usize) -> (Tenant, String, Vec<String>, String) {
    let (tenant, number) = match n {
        0 => (app.first_tenant().await, PHONE_NUMBER_ID.to_owned()),
        _ => {
            let tenant = app.new_tenant(&format!("College {n}")).await;
            let number = format!("2000000000{n:02}");
            let body = json!({"phoneNumberId": number, "displayNumber": format!("+1 555 000 01{n:02}")});
            let added = app.http.post(app.url("/api/whatsapp/numbers")).bearer_auth(&tenant.key).json(&body).send().await.unwrap();
            assert_eq!(added.status(), 200, "add number");
            (tenant, number)
        }
    };
    let mut wamids = Vec::new();
    for _ in 0..MESSAGES {
        let wamid = notifications::new_wamid();
        let body = json!({"collegeId": tenant.id, "to": "15551234567", "whatsappMessageId": wamid, "phoneNumberId": number});
        let registered = app.http.post(app.url("/api/whatsapp/messages")).bearer_auth(&tenant.key).json(&body).send().await.unwrap();
        assert_eq!(registered.status(), 200, "register message");
        wamids.push(wamid);
    }
    let token = app.channel_token(&tenant).await;
    (tenant, number, wamids, token)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_cut_again_and_again_end_with_the_true_state() {
    let app = spawn_app(&[]).await;
    let mut colleges = Vec::new();
    for n in 0..COLLEGES {
        colleges.push(college(&app, n).await);
    }
    let (publish, truth) = watch::channel(None::<Arc<HashMap<i64, Statuses>>>);
    let mut pages = Vec::new();
    for (tenant, _, _, token) in &colleges {
        for _ in 0..PAGES_PER_COLLEGE {
            // Each page watches its own college's part of the truth.
            let (id, mut all) = (tenant.id, truth.clone());
            let (mine_tx, mine) = watch::channel(None);
            tokio::spawn(async move {
                while all.changed().await.is_ok() {
                    let part = all.borrow().as_ref().map(|t| Arc::new(t[&id].clone()));
                    let _ = mine_tx.send(part);
                }
            });
            pages.push(tokio::spawn(page(app.api.clone(), tenant.clone(), token.clone(), mine)));
        }
    }

    // Every message through each status, eight webhooks at a time.
    let reports = STATUSES.iter().enumerate().flat_map(|(round, status)| {
        colleges.iter().flat_map(move |(_, number, wamids, _)| wamids.iter().map(move |wamid| (round, *status, number, wamid)))
    });
    futures_util::stream::iter(reports)
        .for_each_concurrent(8, |(round, status, number, wamid)| {
            let at = chrono::DateTime::from_timestamp(1_700_000_000 + round as i64, 0).unwrap();
            let report = notifications::status(number, wamid, "15551234567", status, at, None);
            let app = &app;
            async move { assert_eq!(app.post_whatsapp(&report).await.status(), 200) }
        })
        .await;
    app.settled_stats().await;
    let mut final_state = HashMap::new();
    for (tenant, ..) in &colleges {
        let statuses: Statuses = app.messages(tenant).await.into_iter().map(|m| (m.whatsapp_message_id, m.status)).collect();
        assert_eq!(statuses.len(), MESSAGES);
        assert!(statuses.values().all(|s| *s == MessageStatus::Read), "every message was read");
        final_state.insert(tenant.id, statuses);
    }
    publish.send(Some(Arc::new(final_state))).unwrap();

    let connections = tokio::time::timeout(Duration::from_secs(30), futures_util::future::join_all(pages))
        .await
        .expect("every page reaches the true state");
    let connections: Vec<usize> = connections.into_iter().map(Result::unwrap).collect();
    // The storm happened: pages were cut while the changes flowed.
    assert!(connections.iter().filter(|&&c| c > 1).count() > COLLEGES * PAGES_PER_COLLEGE / 2, "{connections:?}");
}

//! Fault tests, on the real binary in processes of its own: the server is
//! killed with SIGKILL three times in the middle of a mixed burst (connect
//! flows, WhatsApp statuses, orders, payments and notifications, with an
//! outbound endpoint listening) and restarted on the same data; two servers
//! share one database file. Every acknowledged delivery is applied exactly
//! once, nothing acknowledged is lost, and replaying every delivery changes
//! nothing.

use crate::helpers::*;
use crate::process::ServerProcess;
use crate::wa_helpers::Tenant;
use app::protocol::{ConnectionStatus, CreatedSession, MessageStatus};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use futures_util::StreamExt;
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tidings::graph::notifications;
use tokio::sync::Notify;

/// How the fault tests' servers run: outbound to loopback, polled often.
const SETTINGS: [(&str, &str); 3] = [("OUTBOUND_ALLOW_INTERNAL", "true"), ("OUTBOUND_POLL_MS", "50"), ("RETRY_INTERVAL_SECS", "0.2")];
/// Requests in flight at once, as a few busy providers would have.
const IN_FLIGHT: usize = 8;

/// One webhook as its provider sends it, and sends again on a retry.
#[derive(Clone)]
enum Hook {
    Connect(Value),
    WhatsApp(Value),
    Tenant { kind: &'static str, id: String, body: Value },
}

impl Hook {
    fn request(&self, api: &Api, tenant_secret: &str) -> reqwest::RequestBuilder {
        match self {
            Hook::Connect(body) => api.http.post(api.url("/api/webhooks/confirmd")).header("x-api-key", SECRET).json(body),
            Hook::WhatsApp(body) => api.whatsapp_request(body),
            Hook::Tenant { kind, id, body } => api.tenant_request(tenant_secret, kind, id, body),
        }
    }
}

/// What the burst is about, and its webhooks in the order they are sent.
struct World {
    tenant: Tenant,
    tenant_secret: String,
    sessions: Vec<CreatedSession>,
    wamids: Vec<String>,
    orders: usize,
    payments: usize,
    notes: usize,
    hooks: Vec<Hook>,
}

/// Sets up tenant 1 (signing secret, API key, an outbound endpoint at
/// `receiver`), connect sessions and registered messages, and plans the
/// burst: every subject's events in their order, subjects interleaved.
async fn world(api: &Api, receiver: &str, sessions: usize, messages: usize, orders: usize) -> World {
    let tenant_secret = json_of(api.as_admin(Method::POST, "/api/webhooks/settings/generate-secret?tenantId=1")).await["data"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let created = api.as_admin(Method::POST, "/api/webhooks/endpoints").json(&json!({"url": receiver})).send().await.unwrap();
    assert_eq!(created.status(), 200, "create endpoint");
    let tenant = api.first_tenant().await;
    let mut created = Vec::new();
    for _ in 0..sessions {
        created.push(api.create_session().await);
    }
    let mut wamids = Vec::new();
    for _ in 0..messages {
        let wamid = notifications::new_wamid();
        api.register_message(&tenant, &wamid).await;
        wamids.push(wamid);
    }
    let (payments, notes) = (orders / 2, orders);
    let mut rounds: Vec<Vec<Hook>> = vec![Vec::new(); 3];
    for (n, session) in created.iter().enumerate() {
        for (round, state) in ["request-received", "response-sent", "completed"].iter().enumerate() {
            rounds[round].push(Hook::Connect(json!({
                "id": format!("fault-{n}-{state}"), "type": "Connection", "connectionId": format!("conn-{n}"), "state": state,
                "theirLabel": format!("Wallet {n}"), "outOfBandId": session.out_of_band_id.as_str(),
            })));
        }
    }
    for wamid in &wamids {
        for (round, status) in ["sent", "delivered", "read"].iter().enumerate() {
            let at = chrono::DateTime::from_timestamp(1_700_000_000 + round as i64, 0).unwrap();
            rounds[round].push(Hook::WhatsApp(notifications::status(PHONE_NUMBER_ID, wamid, "15551234567", status, at, None)));
        }
    }
    for n in 0..orders {
        let body = json!({"tenantId": 1, "orderNumber": format!("ORD-{n}"), "amount": 10.0, "status": "pending"});
        rounds[0].push(Hook::Tenant { kind: "orders", id: format!("order-{n}"), body });
        let body = json!({"tenantId": 1, "title": format!("Note {n}"), "message": "m"});
        rounds[1].push(Hook::Tenant { kind: "notifications", id: format!("note-{n}"), body });
    }
    for n in 0..payments {
        let body =
            json!({"tenantId": 1, "orderNumber": format!("ORD-{n}"), "paymentId": format!("pay-{n}"), "amount": 10.0, "status": "paid"});
        rounds[2].push(Hook::Tenant { kind: "payments", id: format!("payment-{n}"), body });
    }
    let hooks = rounds.into_iter().flatten().collect();
    World { tenant, tenant_secret, sessions: created, wamids, orders, payments, notes, hooks }
}

/// Sends `hooks` to `api`, [`IN_FLIGHT`] at a time; each acknowledgement
/// counts in `acks`, and `at` is told when their number reaches `kill_at`.
/// Returns the hooks that were not acknowledged (the server went away).
async fn send(api: &Api, secret: &str, hooks: Vec<Hook>, acks: &AtomicUsize, kill_at: usize, at: &Notify) -> Vec<Hook> {
    let results = futures_util::stream::iter(hooks)
        .map(|hook| async move {
            match hook.request(api, secret).send().await {
                Ok(response) if response.status().is_success() => {
                    if acks.fetch_add(1, Ordering::SeqCst) + 1 == kill_at {
                        at.notify_one();
                    }
                    None
                }
                Ok(response) if response.status().is_server_error() => {
                    eprintln!("not acknowledged: {}", response.status());
                    Some(hook)
                }
                Ok(response) => panic!("a well-formed webhook was refused: {}", response.status()),
                Err(err) => {
                    eprintln!("not acknowledged: {err}");
                    Some(hook)
                }
            }
        })
        .buffer_unordered(IN_FLIGHT)
        .collect::<Vec<_>>()
        .await;
    results.into_iter().flatten().collect()
}

/// A receiver of outbound webhooks on loopback: every (webhook-id, body).
async fn receiver() -> (String, Arc<Mutex<Vec<(String, Value)>>>) {
    type Seen = Arc<Mutex<Vec<(String, Value)>>>;
    async fn handle(State(seen): State<Seen>, headers: HeaderMap, body: String) -> &'static str {
        let id = headers["webhook-id"].to_str().unwrap().to_owned();
        seen.lock().unwrap().push((id, serde_json::from_str(&body).unwrap()));
        "ok"
    }
    let seen: Seen = Arc::default();
    let router = axum::Router::new().route("/hooks", post(handle)).with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    (url, seen)
}

/// Outbound events by type: each subject's distinct webhook ids.
fn outbound(seen: &Mutex<Vec<(String, Value)>>) -> HashMap<(String, String), HashSet<String>> {
    let mut by_subject: HashMap<(String, String), HashSet<String>> = HashMap::new();
    for (id, event) in seen.lock().unwrap().iter() {
        let data = &event["data"];
        let subject = match event["type"].as_str().unwrap() {
            "order.created" => data["orderNumber"].to_string(),
            "payment.updated" => data["paymentId"].to_string(),
            "notification.created" => data["title"].to_string(),
            "whatsapp.status" => format!("{} {}", data["whatsappMessageId"], data["status"]),
            "connection.status" => format!("{} {}", data["sessionId"], data["status"]),
            other => panic!("unexpected outbound event {other}"),
        };
        by_subject.entry((event["type"].as_str().unwrap().to_owned(), subject)).or_default().insert(id.clone());
    }
    by_subject
}

/// The outbound events the burst must cause, by (type, subject). Steps a
/// flow skipped (a later state applied first) cause none, so only each
/// flow's last step is certain.
fn must_send(world: &World) -> HashSet<(String, String)> {
    let q = |s: String| Value::String(s).to_string();
    let mut events = HashSet::new();
    for n in 0..world.orders {
        events.insert(("order.created".to_owned(), q(format!("ORD-{n}"))));
        events.insert(("notification.created".to_owned(), q(format!("New order ORD-{n}"))));
        events.insert(("notification.created".to_owned(), q(format!("Note {n}"))));
    }
    for n in 0..world.payments {
        events.insert(("payment.updated".to_owned(), q(format!("pay-{n}"))));
        events.insert(("notification.created".to_owned(), q(format!("Payment received for ORD-{n}"))));
    }
    for wamid in &world.wamids {
        events.insert(("whatsapp.status".to_owned(), format!("{} \"read\"", q(wamid.clone()))));
    }
    for session in &world.sessions {
        events.insert(("connection.status".to_owned(), format!("{} \"active\"", q(session.session_id.to_string()))));
    }
    events
}

/// Waits until every delivery is applied and every outbound event the burst
/// must cause has arrived, then checks that each happened exactly once.
async fn assert_exactly_once(api: &Api, world: &World, seen: &Mutex<Vec<(String, Value)>>) {
    let expected = must_send(world);
    let mut poll = tokio::time::interval(std::time::Duration::from_millis(50));
    let settled = tokio::time::timeout(std::time::Duration::from_secs(60), async {
        loop {
            poll.tick().await;
            let sent = outbound(seen);
            if api.stats().await["pending"] == 0 && expected.iter().all(|e| sent.contains_key(e)) {
                return;
            }
        }
    })
    .await;
    let sent = outbound(seen);
    let missing: Vec<_> = expected.iter().filter(|e| !sent.contains_key(*e)).collect();
    assert!(settled.is_ok(), "every delivery applied and every outbound event sent; missing {missing:?}");

    for session in &world.sessions {
        assert_eq!(api.session(&session.session_id).await.status, ConnectionStatus::Active, "every connect flow completed");
    }
    let statuses: HashMap<String, MessageStatus> =
        api.messages(&world.tenant).await.into_iter().map(|m| (m.whatsapp_message_id, m.status)).collect();
    for wamid in &world.wamids {
        assert_eq!(statuses[wamid], MessageStatus::Read, "every message read");
    }
    // One notification per order, payment and posted notification.
    let page = json_of(api.as_admin(Method::GET, "/api/notifications?tenantId=1&limit=200")).await;
    let mut titles: HashMap<String, usize> = HashMap::new();
    for n in page["data"]["notifications"].as_array().unwrap() {
        *titles.entry(n["title"].as_str().unwrap().to_owned()).or_default() += 1;
    }
    for n in 0..world.orders {
        assert_eq!(titles.get(&format!("New order ORD-{n}")), Some(&1), "{titles:?}");
        assert_eq!(titles.get(&format!("Note {n}")), Some(&1), "{titles:?}");
    }
    for n in 0..world.payments {
        assert_eq!(titles.get(&format!("Payment received for ORD-{n}")), Some(&1), "{titles:?}");
    }
    assert_eq!(titles.values().sum::<usize>(), world.orders + world.payments + world.notes, "no other notifications");
    // One outbound event per change: a second apply would have queued a
    // second event, with an id of its own; a retried send keeps its id.
    for (subject, ids) in &sent {
        assert_eq!(ids.len(), 1, "{subject:?} sent as one event");
    }
    let notes = sent.keys().filter(|(kind, _)| kind == "notification.created").count();
    assert_eq!(notes, world.orders + world.payments + world.notes, "no other notification events");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_burst_loses_nothing_acknowledged_and_applies_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let (url, seen) = receiver().await;
    let mut server = ServerProcess::start(dir.path(), 0, &SETTINGS).await;
    let world = world(&server, &url, 30, 60, 60).await;
    let chunks: Vec<Vec<Hook>> = world.hooks.chunks(world.hooks.len() / 4 + 1).map(<[Hook]>::to_vec).collect();

    // Three times: half a chunk acknowledged, then SIGKILL with the rest in
    // flight; what was not acknowledged is sent again to the next server,
    // as providers retry.
    let mut unacknowledged = Vec::new();
    for chunk in &chunks[..3] {
        let hooks: Vec<Hook> = unacknowledged.drain(..).chain(chunk.iter().cloned()).collect();
        let (acks, at) = (AtomicUsize::new(0), Notify::new());
        let kill_at = hooks.len() / 2;
        let api = server.api.clone();
        let killer = async {
            at.notified().await;
            server.kill().await;
        };
        let (left, ()) = tokio::join!(send(&api, &world.tenant_secret, hooks, &acks, kill_at, &at), killer);
        assert!(acks.load(Ordering::SeqCst) >= kill_at);
        unacknowledged = left;
        server = ServerProcess::start(dir.path(), 0, &SETTINGS).await;
    }
    let rest: Vec<Hook> = unacknowledged.into_iter().chain(chunks[3].iter().cloned()).collect();
    let never = Notify::new();
    let left = send(&server, &world.tenant_secret, rest, &AtomicUsize::new(0), usize::MAX, &never).await;
    assert!(left.is_empty(), "a running server acknowledges every webhook");
    assert_exactly_once(&server, &world, &seen).await;

    // Every webhook again, as a provider that never saw the answers would.
    let left = send(&server, &world.tenant_secret, world.hooks.clone(), &AtomicUsize::new(0), usize::MAX, &never).await;
    assert!(left.is_empty());
    assert_exactly_once(&server, &world, &seen).await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_database_split_the_work() {
    let dir = tempfile::tempdir().unwrap();
    let (url, seen) = receiver().await;
    let a = ServerProcess::start(dir.path(), 0, &[SETTINGS.as_slice(), &[("NODE_ID", "node-a")]].concat()).await;
    let b = ServerProcess::start(dir.path(), 0, &[SETTINGS.as_slice(), &[("NODE_ID", "node-b")]].concat()).await;
    let world = world(&a, &url, 20, 40, 40).await;

    // Each webhook to one of them, and a third of them to both at once.
    let (mut to_a, mut to_b) = (Vec::new(), Vec::new());
    for (n, hook) in world.hooks.iter().enumerate() {
        match n % 3 {
            0 => to_a.push(hook.clone()),
            1 => to_b.push(hook.clone()),
            _ => {
                to_a.push(hook.clone());
                to_b.push(hook.clone());
            }
        }
    }
    let (never, acks_a, acks_b) = (Notify::new(), AtomicUsize::new(0), AtomicUsize::new(0));
    let (left_a, left_b) = tokio::join!(
        send(&a, &world.tenant_secret, to_a, &acks_a, usize::MAX, &never),
        send(&b, &world.tenant_secret, to_b, &acks_b, usize::MAX, &never),
    );
    // What one did not acknowledge (a request cut on a loaded machine), its
    // sender tries once more, as a provider would.
    let (left_a, left_b) = tokio::join!(
        send(&a, &world.tenant_secret, left_a, &acks_a, usize::MAX, &never),
        send(&b, &world.tenant_secret, left_b, &acks_b, usize::MAX, &never),
    );
    assert!(left_a.is_empty() && left_b.is_empty(), "both acknowledge every webhook");
    assert_exactly_once(&a, &world, &seen).await;
    assert_exactly_once(&b, &world, &seen).await;
    a.stop().await;
    b.stop().await;
}

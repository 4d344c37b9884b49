//! Several nodes on one database with the Redis bus: a change applied on
//! any node reaches the pages on every node, and losing Redis for a while
//! loses no state (pages resynchronise and see it); fifty connect flows
//! spread over three nodes each end with their own connection; a node
//! killed mid-burst loses nothing, and its page resumes on another node.

use crate::helpers::*;
use crate::process::ServerProcess;
use crate::redis_server::RedisServer;
use crate::wa_helpers::*;
use app::protocol::MessageStatus::*;
use app::protocol::{ConnectionStatus, MessageStatus, Position, Resume, ServerMessage, StreamStart, WaServerMessage};
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tidings::cli::simulate::Shape;
use tidings::graph::notifications;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;

async fn node(dir: &std::path::Path, name: &str, redis: &RedisServer) -> ServerProcess {
    ServerProcess::start(dir, 0, &[("NODE_ID", name), ("REDIS_URL", &redis.url()), ("RETRY_INTERVAL_SECS", "0.2")]).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_on_one_node_reaches_pages_on_the_others() {
    let redis = RedisServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let a = node(dir.path(), "node-a", &redis).await;
    let b = node(dir.path(), "node-b", &redis).await;
    let c = node(dir.path(), "node-c", &redis).await;

    // A connect page on C; its wallet's webhooks land on A.
    let session = b.create_session().await;
    let mut page = c.watch(&session.session_id).await;
    assert!(matches!(next_message(&mut page).await, ServerMessage::Connected { .. }));
    a.scan(&session.session_id, Shape::Flat, "Wallet", 3).await;
    let mut seen = Vec::new();
    while seen.last() != Some(&ConnectionStatus::Active) {
        seen.push(next_status(&mut page).await.0);
    }
    assert_eq!(seen, [ConnectionStatus::Request, ConnectionStatus::Response, ConnectionStatus::Active]);

    // A WhatsApp page on B; the status lands on C.
    let tenant = a.first_tenant().await;
    let mut college = b.college_socket(&tenant).await;
    a.register_message(&tenant, "wamid.CLUSTER").await;
    assert_eq!(next_update(&mut college).await, ("wamid.CLUSTER".into(), Pending));
    c.report("wamid.CLUSTER", "sent", 1_700_000_001).await;
    assert_eq!(next_update(&mut college).await, ("wamid.CLUSTER".into(), Sent));
    assert_wa_quiet(&mut college).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn losing_redis_for_a_while_loses_no_state() {
    let redis = RedisServer::start().await;
    let port = redis.port;
    let dir = tempfile::tempdir().unwrap();
    let a = node(dir.path(), "node-a", &redis).await;
    let b = node(dir.path(), "node-b", &redis).await;
    let tenant = a.first_tenant().await;
    a.register_message(&tenant, "wamid.AWAY").await;
    let mut page = b.college_socket(&tenant).await;

    // Redis dies, and comes back empty; meanwhile a status lands on A, and
    // B says it is not ready (its bus is down).
    redis.kill().await;
    a.report("wamid.AWAY", "delivered", 1_700_000_002).await;
    let (status, body) = b.readiness_when(|status| status == 503).await;
    assert_eq!((status, &body["checks"]["bus"]["ok"]), (503, &serde_json::json!(false)), "{body}");
    let _redis = RedisServer::start_on(port).await;

    // B cannot know what it missed: its pages are told to come back...
    let close = loop {
        match tokio::time::timeout(PATIENCE, page.next()).await.expect("B's page hears in time") {
            Some(Ok(Message::Close(frame))) => break frame,
            Some(Ok(_)) => continue,
            other => panic!("expected a close, got {other:?}"),
        }
    };
    assert_eq!(close.map(|f| f.code), Some(CloseCode::Again));
    // ...and, coming back, find the true state.
    let _page = b.college_socket(&tenant).await;
    let messages = b.messages(&tenant).await;
    assert_eq!(messages[0].status, Delivered);
    // Live again, across nodes, and ready.
    assert_eq!(b.readiness_when(|status| status == 200).await.0, 200);
    let mut page = b.college_socket(&tenant).await;
    a.report("wamid.AWAY", "read", 1_700_000_003).await;
    assert_eq!(next_update(&mut page).await, ("wamid.AWAY".into(), Read));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_connect_flows_spread_over_three_nodes_each_end_with_their_own_connection() {
    let redis = RedisServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let nodes =
        [node(dir.path(), "node-a", &redis).await, node(dir.path(), "node-b", &redis).await, node(dir.path(), "node-c", &redis).await];
    // Each flow's session is made on one node, watched on the next, and
    // its wallet's webhooks land on the third.
    let flows = (0..50).map(|i| {
        let (make, watch, scan) = (&nodes[i % 3], &nodes[(i + 1) % 3], &nodes[(i + 2) % 3]);
        async move {
            let session = make.create_session().await;
            let mut page = watch.watch(&session.session_id).await;
            assert!(matches!(next_message(&mut page).await, ServerMessage::Connected { .. }));
            scan.scan(&session.session_id, Shape::Flat, &format!("Wallet {i}"), 3).await;
            loop {
                match next_message(&mut page).await {
                    ServerMessage::StatusUpdate { session_id, status, connection_id, their_label, .. } => {
                        assert_eq!(session_id, session.session_id, "only its own session's updates");
                        if status == ConnectionStatus::Active {
                            assert_eq!(their_label.as_deref(), Some(format!("Wallet {i}").as_str()));
                            return connection_id.expect("an active session has its connection");
                        }
                    }
                    other => panic!("expected a status update, got {other:?}"),
                }
            }
        }
    });
    let connections = futures_util::future::join_all(flows).await;
    let distinct: std::collections::HashSet<_> = connections.iter().collect();
    assert_eq!(distinct.len(), 50, "every session got its own connection");
}

/// A college page on `api` (registered with a channel token), resuming
/// from `resume` if given, and where its stream starts.
async fn college_page(api: &Api, tenant: &Tenant, token: &str, resume: Option<&Resume>) -> (Socket, StreamStart) {
    let mut socket = api.socket_at("/ws/whatsapp").await;
    let register = json!({"type": "register", "collegeId": tenant.id, "token": token, "resume": resume});
    socket.send(Message::Text(register.to_string().into())).await.unwrap();
    loop {
        match next_wa(&mut socket).await {
            WaServerMessage::Registered { start, .. } => return (socket, start),
            WaServerMessage::Pong { .. } => continue,
            other => panic!("expected registered, got {other:?}"),
        }
    }
}

/// Reads status updates into `seen` (with their offsets) until the socket
/// ends or every message has been read.
async fn follow(socket: &mut Socket, seen: &mut Vec<(String, MessageStatus, u64)>, messages: usize) {
    let all_read = |seen: &Vec<(String, MessageStatus, u64)>| seen.iter().filter(|(_, s, _)| *s == Read).count() == messages;
    while !all_read(seen) {
        let text = match tokio::time::timeout(Duration::from_secs(90), socket.next()).await.expect("updates keep coming") {
            Some(Ok(Message::Text(text))) => text,
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            _ => return,
        };
        let offset = Position::of(&text).offset;
        if let Ok(WaServerMessage::MessageStatusUpdate { whatsapp_message_id, status, .. }) = serde_json::from_str(&text) {
            seen.push((whatsapp_message_id, status, offset.expect("updates carry their offset")));
        }
    }
}

/// Posts each message's statuses in order to `first`; those it does not
/// acknowledge (it was killed) go to `then`, as a provider retries.
async fn burst(first: &Api, then: &Api, wamids: &[String], acks: &AtomicUsize) {
    let flows = wamids.iter().enumerate().map(|(i, wamid)| async move {
        for (n, status) in ["sent", "delivered", "read"].into_iter().enumerate() {
            let at = chrono::DateTime::from_timestamp(1_700_000_000 + 10 * i as i64 + n as i64, 0).unwrap();
            let body = notifications::status(PHONE_NUMBER_ID, wamid, "15551234567", status, at, None);
            let acked = matches!(first.whatsapp_request(&body).send().await, Ok(r) if r.status() == 200);
            if acked {
                acks.fetch_add(1, Ordering::SeqCst);
            } else {
                assert_eq!(then.post_whatsapp(&body).await.status(), 200, "the retry is taken");
            }
        }
    });
    futures_util::future::join_all(flows).await;
}

/// A node dies in the middle of a burst: what it acknowledged is applied
/// once (another node takes its deliveries when their lease runs out), and
/// the page it served reconnects to another node and resumes by offset:
/// every update once, in order, none missing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_killed_mid_burst_loses_nothing_and_its_page_resumes_on_another() {
    const MESSAGES: usize = 20;
    let redis = RedisServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let a = node(dir.path(), "node-a", &redis).await;
    let b = node(dir.path(), "node-b", &redis).await;
    let _c = node(dir.path(), "node-c", &redis).await;
    let tenant = b.first_tenant().await;
    let token = b.channel_token(&tenant).await;
    let wamids: Vec<String> = (0..MESSAGES).map(|i| format!("wamid.KILL{i}")).collect();
    for wamid in &wamids {
        b.register_message(&tenant, wamid).await;
    }
    let (mut page, start) = college_page(&a, &tenant, &token, None).await;
    let mut seen = Vec::new();

    // A is killed once it has acknowledged about half the burst.
    let acks = AtomicUsize::new(0);
    let a_api = a.api.clone();
    let kill = async {
        while acks.load(Ordering::SeqCst) < MESSAGES * 3 / 2 {
            tokio::task::yield_now().await;
        }
        a.kill().await;
    };
    let reading = follow(&mut page, &mut seen, MESSAGES);
    tokio::join!(burst(&a_api, &b.api, &wamids, &acks), kill, reading);
    assert!(seen.iter().filter(|(_, s, _)| *s == Read).count() < MESSAGES, "the page was cut off mid-burst");

    // The page comes back on B, from where it left off.
    let left_off = Resume { epoch: start.epoch, offset: seen.last().map_or(start.offset, |(_, _, o)| *o) };
    let (mut page, resumed) = college_page(&b, &tenant, &token, Some(&left_off)).await;
    assert!(resumed.resumed, "B's history covers what the page missed");
    follow(&mut page, &mut seen, MESSAGES).await;

    // Every message ends read, and no update came twice. (A change A
    // committed but never published reaches the page later, from another
    // node's relay, after newer ones: pages merge statuses forward only.)
    for wamid in &wamids {
        let statuses: Vec<MessageStatus> = seen.iter().filter(|(w, _, _)| w == wamid).map(|(_, s, _)| *s).collect();
        let distinct: std::collections::HashSet<_> = statuses.iter().collect();
        assert_eq!(distinct.len(), statuses.len(), "no update twice: {wamid}: {statuses:?}");
        let shown = statuses.iter().fold(Pending, |shown, next| shown.advance(*next).unwrap_or(shown));
        assert_eq!(shown, Read, "{wamid}: {statuses:?}");
    }
    let offsets: Vec<u64> = seen.iter().map(|(_, _, o)| *o).collect();
    assert!(offsets.windows(2).all(|w| w[0] < w[1]), "offsets only grow: {offsets:?}");
    // Every webhook stored once, and applied (A's last ones once its
    // leases ran out).
    let stats = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            let stats = b.stats().await;
            if stats["pending"] == 0 {
                return stats;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("every delivery is applied");
    let statuses = Some(MESSAGES as u64 * 3);
    assert_eq!((stats["total"].as_u64(), stats["processed"].as_u64()), (statuses, statuses), "{stats}");
}

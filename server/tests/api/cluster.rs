//! Several nodes on one database with the Redis bus: a change applied on
//! any node reaches the pages on every node, and losing Redis for a while
//! loses no state (pages resynchronise and see it); fifty connect flows
//! spread over three nodes each end with their own connection.

use crate::helpers::*;
use crate::process::ServerProcess;
use crate::redis_server::RedisServer;
use crate::wa_helpers::*;
use app::protocol::MessageStatus::*;
use app::protocol::{ConnectionStatus, ServerMessage};
use futures_util::StreamExt;
use tidings::cli::simulate::Shape;
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

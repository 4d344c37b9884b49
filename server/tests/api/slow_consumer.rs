//! A page that stops reading: once its queue is full the hub lets it go,
//! while the page beside it on the same channel gets every update, in
//! order. Reading again, the stalled page finds it missed some and is told
//! to come back later ("try again", with a suggested delay).

use crate::helpers::*;
use crate::tenant_helpers::*;
use app::protocol::TenantServerMessage as T;
use futures_util::StreamExt;
use serde_json::json;
use tokio::net::TcpSocket;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::MaybeTlsStream;

/// Updates of [`PADDING`] bytes each: together several times more than
/// the kernel's socket buffers can hold (4 MiB at most on Linux), so the
/// stalled page's queue must fill.
const UPDATES: usize = 120;
const PADDING: usize = 100 * 1024;

/// A `/ws/tenant` socket signed in as `session`, in the helpdesk's tickets
/// room, whose receive buffer is as small as the kernel allows: it stops
/// reading after the joins.
async fn stalled_socket(api: &Api, session: &Session) -> Socket {
    let url = format!("{}/ws/tenant", api.base.replacen("http", "ws", 1));
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert("cookie", session.cookie.parse().unwrap());
    let tcp = TcpSocket::new_v4().unwrap();
    tcp.set_recv_buffer_size(1024).unwrap();
    let addr = api.base.trim_start_matches("http://").parse().unwrap();
    let stream = tcp.connect(addr).await.unwrap();
    let (mut socket, _) = tokio_tungstenite::client_async(request, MaybeTlsStream::Plain(stream)).await.unwrap();
    join_tickets(&mut socket).await;
    socket
}

async fn join_tickets(socket: &mut Socket) {
    send(socket, json!({"type": "join-tenant", "tenantId": 1})).await;
    assert!(matches!(next_tenant(socket).await, T::Joined { room: None, .. }));
    send(socket, json!({"type": "join", "room": "tickets"})).await;
    assert!(matches!(next_tenant(socket).await, T::Joined { room: Some(_), .. }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_that_stops_reading_is_let_go_and_its_neighbour_gets_everything() {
    let app = spawn_app(&[]).await;
    let secret = app.tenant_secret().await;
    let admin = app.admin.clone().unwrap();
    let mut stalled = stalled_socket(&app, &admin).await;
    let mut reader = app.tenant_socket(&admin, 1).await;
    send(&mut reader, json!({"type": "join", "room": "tickets"})).await;
    assert!(matches!(next_tenant(&mut reader).await, T::Joined { room: Some(_), .. }));

    // The neighbour reads as the updates arrive, as a live page does.
    let reading = tokio::spawn(async move {
        for n in 0..UPDATES {
            match next_tenant(&mut reader).await {
                T::EntityUpdate { data, .. } => assert_eq!(data["id"], format!("t-{n}"), "in order, none missing"),
                other => panic!("expected ticket {n}, got {other:?}"),
            }
        }
    });
    let padding = "x".repeat(PADDING);
    for n in 0..UPDATES {
        let ticket = json!({"tenantId": 1, "event": "ticket.update", "data": {"id": format!("t-{n}"), "notes": padding}});
        assert_eq!(app.post_tenant(&secret, "events", &format!("e{n}"), &ticket).await.status(), 200);
    }
    reading.await.unwrap();

    // The stalled page reads again: what was queued before it was let go,
    // then the close. It never held every update.
    let mut seen = 0;
    let close = loop {
        match tokio::time::timeout(PATIENCE, stalled.next()).await.expect("the stalled page hears the end in time") {
            Some(Ok(Message::Text(_))) => seen += 1,
            Some(Ok(Message::Close(frame))) => break frame,
            Some(Ok(_)) => {}
            // Its last write timed out before it read again: the
            // connection just ends.
            None | Some(Err(_)) => break None,
        }
    };
    assert!(seen < UPDATES, "the stalled page was let go ({seen} of {UPDATES} updates)");
    if let Some(frame) = close {
        assert_eq!(frame.code, CloseCode::Again);
        assert!(frame.reason.contains("retry after"), "{}", frame.reason);
    }
}

use super::*;

fn frame_text(delivery: Result<Delivery, mailbox::Empty>) -> String {
    match delivery {
        Ok(Delivery::Frame(frame)) => frame.as_str().to_owned(),
        other => panic!("expected a frame, got {other:?}"),
    }
}

fn session(id: &str) -> Channel {
    Channel::Session(SessionId::new(id))
}

#[test]
fn delivers_to_subscribers_and_forgets_closed_sockets() {
    let hub = Hub::default();
    let (reg, mut rx) = hub.register();
    reg.subscribe(session("a"));
    assert_eq!(hub.send(&session("a"), &Frame::from("one")), 1);
    assert_eq!(frame_text(rx.try_recv()), "one");
    assert_eq!(hub.send(&session("b"), &Frame::from("x")), 0);
    drop(reg);
    assert_eq!(hub.socket_count(), 0);
    assert_eq!(hub.send(&session("a"), &Frame::from("gone")), 0);
}

#[test]
fn one_socket_can_watch_several_channels_once_each() {
    let hub = Hub::default();
    let (reg, mut rx) = hub.register();
    let college = Channel::College(CollegeId::new("7"));
    reg.subscribe(college.clone());
    reg.subscribe(college.clone());
    reg.subscribe(session("a"));
    assert_eq!(hub.send(&college, &Frame::from("c")), 1);
    assert_eq!(hub.send(&session("a"), &Frame::from("s")), 1);
    assert_eq!(frame_text(rx.try_recv()), "c");
    assert_eq!(frame_text(rx.try_recv()), "s");
    assert_eq!(rx.try_recv(), Err(mailbox::Empty::Waiting));
}

#[test]
fn drops_a_socket_that_cannot_keep_up() {
    let hub = Hub::default();
    let (reg, mut rx) = hub.register();
    reg.subscribe(session("a"));
    for _ in 0..mailbox::DEPTH {
        assert_eq!(hub.send(&session("a"), &Frame::from("f")), 1);
    }
    assert_eq!(hub.send(&session("a"), &Frame::from("overflow")), 0);
    for _ in 0..mailbox::DEPTH {
        rx.try_recv().unwrap();
    }
    assert_eq!(rx.try_recv(), Err(mailbox::Empty::Closed));
    assert_eq!(hub.socket_count(), 0);
}

#[test]
fn links_connections_to_watched_sessions() {
    let hub = Hub::default();
    let a = SessionId::new("a");
    let c = ConnectionId::new("c");
    let (reg, _rx) = hub.register();
    reg.subscribe(Channel::Session(a.clone()));
    hub.link(&a, &c);
    assert_eq!(hub.session_of(&c), Some(a.clone()));
    drop(reg);
    assert_eq!(hub.session_of(&c), None);
}

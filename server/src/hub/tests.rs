use super::*;
use app::protocol::Resume;

fn frame_text(delivery: Result<Delivery, mailbox::Empty>) -> String {
    match delivery {
        Ok(Delivery::Frame(frame)) => frame.as_str().to_owned(),
        other => panic!("expected a frame, got {other:?}"),
    }
}

/// A frame as the hub gets them: a JSON object.
fn f(text: &str) -> Frame {
    Frame::from(format!(r#"{{"n":"{text}"}}"#))
}

fn session(id: &str) -> Channel {
    Channel::Session(SessionId::new(id))
}

#[test]
fn delivers_to_subscribers_and_forgets_closed_sockets() {
    let hub = Hub::default();
    let (reg, mut rx) = hub.register();
    reg.subscribe_from(session("a"), None);
    assert_eq!(hub.send(&session("a"), &f("one")), 1);
    assert_eq!(frame_text(rx.try_recv()), r#"{"n":"one","offset":1}"#);
    assert_eq!(hub.send(&session("b"), &f("x")), 0);
    drop(reg);
    assert_eq!(hub.socket_count(), 0);
    assert_eq!(hub.send(&session("a"), &f("gone")), 0);
}

#[test]
fn one_socket_can_watch_several_channels_once_each() {
    let hub = Hub::default();
    let (reg, mut rx) = hub.register();
    let college = Channel::College(CollegeId::new("7"));
    reg.subscribe_from(college.clone(), None);
    reg.subscribe_from(college.clone(), None);
    reg.subscribe_from(session("a"), None);
    assert_eq!(hub.send(&college, &f("c")), 1);
    assert_eq!(hub.send(&session("a"), &f("s")), 1);
    assert_eq!(frame_text(rx.try_recv()), r#"{"n":"c","offset":1}"#);
    assert_eq!(frame_text(rx.try_recv()), r#"{"n":"s","offset":2}"#);
    assert_eq!(rx.try_recv(), Err(mailbox::Empty::Waiting));
}

#[test]
fn a_socket_that_leaves_a_channel_gets_only_the_others() {
    let hub = Hub::default();
    let (reg, mut rx) = hub.register();
    let college = Channel::College(CollegeId::new("7"));
    reg.subscribe_from(college.clone(), None);
    reg.subscribe_from(session("a"), None);
    reg.unsubscribe(&college);
    assert_eq!(hub.send(&college, &f("c")), 0);
    assert_eq!(hub.send(&session("a"), &f("s")), 1);
    assert_eq!(frame_text(rx.try_recv()), r#"{"n":"s","offset":2}"#);
    assert_eq!(rx.try_recv(), Err(mailbox::Empty::Waiting));
}

#[test]
fn drops_a_socket_that_cannot_keep_up() {
    let hub = Hub::default();
    let (reg, mut rx) = hub.register();
    reg.subscribe_from(session("a"), None);
    for _ in 0..mailbox::DEPTH {
        assert_eq!(hub.send(&session("a"), &f("f")), 1);
    }
    assert_eq!(hub.send(&session("a"), &f("overflow")), 0);
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
    reg.subscribe_from(Channel::Session(a.clone()), None);
    hub.link(&a, &c);
    assert_eq!(hub.session_of(&c), Some(a.clone()));
    drop(reg);
    assert_eq!(hub.session_of(&c), None);
}

#[test]
fn revoking_a_credential_closes_only_the_sockets_it_opened() {
    let hub = Hub::default();
    let (member, mut member_rx) = hub.register();
    member.grant(Grant::Member(TenantId(1), 7));
    member.grant(Grant::Session("h1".into()));
    member.subscribe_from(Channel::TenantUser(TenantId(1), 7), None);
    let (keyed, mut keyed_rx) = hub.register();
    keyed.grant(Grant::ApiKey(3));
    keyed.subscribe_from(Channel::Tenant(TenantId(1)), None);

    assert_eq!(hub.revoke(&Revocation::Member { tenant: TenantId(2), user: 7 }), 0, "another tenant's membership");
    assert_eq!(hub.revoke(&Revocation::Session { token_hash: "h1".into() }), 1);
    assert_eq!(member_rx.try_recv(), Ok(Delivery::Revoked));
    assert_eq!(member_rx.try_recv(), Err(mailbox::Empty::Closed));
    assert_eq!(keyed_rx.try_recv(), Err(mailbox::Empty::Waiting));
    assert_eq!(hub.revoke(&Revocation::ApiKey { key: 3 }), 1);
    assert_eq!(keyed_rx.try_recv(), Ok(Delivery::Revoked));
    assert_eq!(hub.socket_count(), 0);
}

#[test]
fn sockets_close_when_their_credentials_run_out() {
    let hub = Hub::default();
    let (soon, mut soon_rx) = hub.register();
    soon.grant(Grant::Until(100));
    let (later, mut later_rx) = hub.register();
    later.grant(Grant::Until(200));
    assert_eq!(hub.expire(99), 0);
    assert_eq!(hub.expire(100), 1);
    assert_eq!(soon_rx.try_recv(), Ok(Delivery::Revoked));
    assert_eq!(later_rx.try_recv(), Err(mailbox::Empty::Waiting));
    drop(later);
    assert_eq!(hub.expire(300), 0, "a socket that ended is no longer tracked");
}

#[test]
fn a_socket_that_resumes_gets_what_it_missed_before_what_comes_next() {
    let hub = Hub::default();
    let (reg, _rx) = hub.register();
    let start = reg.subscribe_from(session("a"), None);
    drop(reg);
    hub.send(&session("a"), &f("missed"));
    let (reg, mut rx) = hub.register();
    let resumed = reg.subscribe_from(session("a"), Some(&Resume { epoch: start.epoch, offset: start.offset }));
    assert!(resumed.resumed);
    hub.send(&session("a"), &f("live"));
    assert_eq!(frame_text(rx.try_recv()), r#"{"n":"missed","offset":1}"#);
    assert_eq!(frame_text(rx.try_recv()), r#"{"n":"live","offset":2}"#);
}

#[test]
fn a_staff_view_is_still_sent_the_tenants_frames_after_its_page_left() {
    let hub = Hub::default();
    let view = Channel::TenantUser(TenantId(1), 7);
    let (reg, _rx) = hub.register();
    let start = reg.subscribe_from(view.clone(), None);
    drop(reg);
    hub.send_tenant(TenantId(1), |reader| vec![f(&format!("for {reader:?}"))]);
    let (reg, mut rx) = hub.register();
    let resumed = reg.subscribe_from(view, Some(&Resume { epoch: start.epoch, offset: start.offset }));
    assert!(resumed.resumed);
    assert_eq!(frame_text(rx.try_recv()), r#"{"n":"for Some(7)","offset":1}"#);
    assert_eq!(rx.try_recv(), Err(mailbox::Empty::Waiting));
}

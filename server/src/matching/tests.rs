use super::*;
use app::protocol::{ConnectionId, ConnectionStatus::*, OutOfBandId, RequestType, SessionId, SessionView};

fn session(id: &str, status: ConnectionStatus, connection: Option<&str>) -> SessionRecord {
    let at = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
    SessionRecord {
        view: SessionView {
            session_id: SessionId::new(id),
            status,
            connection_id: connection.map(ConnectionId::new),
            their_label: None,
            their_did: None,
            invitation_url: "u".into(),
            out_of_band_id: OutOfBandId::new(format!("oob-{id}")),
            request_type: RequestType::Registration,
            created_at: at,
            updated_at: at,
            expires_at: at,
        },
        invitation_id: None,
    }
}

fn event(status: ConnectionStatus, connection: Option<&str>) -> ConnectionEvent {
    ConnectionEvent {
        connection_id: connection.map(ConnectionId::new),
        state: status.as_str().into(),
        status: Some(status),
        invitation_ids: vec![],
        their_label: Some("Wallet".into()),
        their_did: None,
        timestamp: None,
    }
}

#[test]
fn a_linked_connection_wins() {
    let c = Candidates { by_connection: Some(session("a", Response, Some("c1"))), ..Default::default() };
    let (s, v) = choose(&event(Active, Some("c1")), c, false).unwrap();
    assert_eq!(s.view.session_id.as_str(), "a");
    assert_eq!(v, Verdict::Linked);
}

#[test]
fn a_single_use_invitation_matches_exactly() {
    let c = Candidates { by_invitation: vec![session("a", Invitation, None)], ..Default::default() };
    let (s, v) = choose(&event(Request, Some("c1")), c, false).unwrap();
    assert_eq!(s.view.session_id.as_str(), "a");
    assert_eq!(v, Verdict::Matched(MatchRule::Invitation));
}

#[test]
fn a_used_invitation_does_not_take_a_second_connection() {
    let c = Candidates { by_invitation: vec![session("a", Response, Some("c1"))], ..Default::default() };
    assert!(choose(&event(Request, Some("c2")), c, false).is_err());
}

#[test]
fn never_guesses_outside_legacy_mode() {
    let shared = vec![session("new", Invitation, None), session("old", Invitation, None)];
    assert!(choose(&event(Request, Some("c1")), Candidates { by_invitation: shared, ..Default::default() }, false).is_err());
    let c = Candidates { newest_waiting: Some(session("w", Invitation, None)), ..Default::default() };
    assert!(choose(&event(Request, Some("c1")), c, false).is_err());
}

#[test]
fn legacy_mode_guesses_the_newest_waiting_session_and_says_so() {
    let shared = vec![session("linked", Response, Some("c0")), session("new", Invitation, None), session("old", Invitation, None)];
    let (s, v) = choose(&event(Request, Some("c1")), Candidates { by_invitation: shared, ..Default::default() }, true).unwrap();
    assert_eq!(s.view.session_id.as_str(), "new");
    assert_eq!(v, Verdict::Matched(MatchRule::LegacyGuess));
    let c = Candidates { newest_waiting: Some(session("w", Invitation, None)), ..Default::default() };
    let (_, v) = choose(&event(Request, Some("c1")), c, true).unwrap();
    assert_eq!(v, Verdict::Matched(MatchRule::LegacyGuess));
}

#[test]
fn plans_forward_steps_and_links() {
    let now = Utc::now();
    let s = session("a", Invitation, None);
    let change = plan(&s, &event(Response, Some("c1")), &Verdict::Matched(MatchRule::Invitation), now).unwrap();
    assert_eq!((change.from, change.to), (Invitation, Response));
    assert_eq!(change.connection_id.unwrap().as_str(), "c1");
    assert_eq!(change.matched_by, Some(MatchRule::Invitation));
}

#[test]
fn a_late_or_repeated_state_changes_nothing() {
    let now = Utc::now();
    let s = session("a", Active, Some("c1"));
    assert!(plan(&s, &event(Response, Some("c1")), &Verdict::Linked, now).is_none());
    assert!(plan(&s, &event(Active, Some("c1")), &Verdict::Linked, now).is_none());
}

#[test]
fn links_without_a_step_when_the_state_is_not_new() {
    let s = session("a", Invitation, None);
    let change = plan(&s, &event(Invitation, Some("c1")), &Verdict::Matched(MatchRule::Invitation), Utc::now()).unwrap();
    assert_eq!(change.from, change.to);
    assert!(change.connection_id.is_some());
}

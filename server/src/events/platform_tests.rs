//! Every shape, from the seeds' examples and real captured payloads.

use super::*;
use app::protocol::ConnectionStatus::*;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn flat_confirmd_shape() {
    let body = br#"{"id":"wh-1","type":"Connection","connectionId":"conn-yyy","state":"response-sent",
        "theirLabel":"John's Wallet","theirDid":"did:peer:2","orgId":"org","outOfBandId":"oob-1",
        "timestamp":"2025-10-31T21:30:00.000Z"}"#;
    let ev = parse(body, None).unwrap();
    assert_eq!(ev.delivery_id.as_deref(), Some("wh-1"));
    assert_eq!(ev.topic, "connections.response-sent");
    let c = ev.connection.unwrap();
    assert_eq!(c.status, Some(Response));
    assert_eq!(c.connection_id.unwrap().as_str(), "conn-yyy");
    assert_eq!(c.invitation_ids, vec!["oob-1".to_string()]);
    assert_eq!(c.their_label.as_deref(), Some("John's Wallet"));
    assert!(c.timestamp.is_some());
}

#[test]
fn the_seed_curl_example_parses() {
    let ev = parse(br#"{"type":"Connection","connectionId":"test","state":"completed"}"#, None).unwrap();
    assert_eq!(ev.delivery_id, None);
    assert_eq!(ev.connection.unwrap().status, Some(Active));
}

#[test]
fn nested_shape() {
    let body = br#"{"webhookId":"wh_123456789","topic":"connections.active","timestamp":"2025-10-31T21:30:00.000Z",
        "organizationId":"eef3","agentId":"agent_abc123","data":{"connectionId":"conn_xyz789","state":"active",
        "invitationId":"inv-1234567890","theirDid":"did:peer:2.Vz6Mk","theirLabel":"John's Wallet"}}"#;
    let ev = parse(body, None).unwrap();
    assert_eq!(ev.delivery_id.as_deref(), Some("wh_123456789"));
    assert_eq!(ev.topic, "connections.active");
    let c = ev.connection.unwrap();
    assert_eq!(c.status, Some(Active));
    assert_eq!(c.invitation_ids, vec!["inv-1234567890".to_string()]);
}

#[test]
fn nested_without_state_uses_the_topic() {
    let ev = parse(br#"{"webhookId":"w","topic":"connections.request","data":{"connectionId":"c"}}"#, None).unwrap();
    assert_eq!(ev.connection.unwrap().status, Some(Request));
}

#[test]
fn credential_and_proof_topics_are_kept_without_a_connection_event() {
    let ev = parse(br#"{"webhookId":"w2","topic":"credentials.offer","data":{"credentialId":"x"}}"#, None).unwrap();
    assert_eq!(ev.topic, "credentials.offer");
    assert!(ev.connection.is_none());
    let ev = parse(br#"{"id":"w3","type":"Proof","state":"verified"}"#, None).unwrap();
    assert_eq!(ev.topic, "proofs.verified");
    assert!(ev.connection.is_none());
}

#[test]
fn acapy_connection_records() {
    let ev = parse(&fixture("acapy-connections-response.json"), Some("connections")).unwrap();
    assert_eq!(ev.topic, "connections.response");
    let c = ev.connection.unwrap();
    assert_eq!(c.status, Some(Response));
    assert_eq!(c.connection_id.unwrap().as_str(), "a19d3461-dba2-47db-b9bc-de9a002b5fc4");
    assert_eq!(c.invitation_ids, vec!["c509a7a9-7911-4d55-90b9-8f3903d06d83".to_string()]);
    assert_eq!(c.their_label.as_deref(), Some("iPhone"));

    let active = parse(&fixture("acapy-connections-active.json"), None).unwrap();
    assert_eq!(active.connection.unwrap().status, Some(Active));
}

#[test]
fn acapy_out_of_band_records_are_not_connection_events() {
    let ev = parse(&fixture("acapy-out-of-band-await-response.json"), Some("out_of_band")).unwrap();
    assert_eq!(ev.topic, "out_of_band.await-response");
    assert!(ev.connection.is_none());
}

#[test]
fn acapy_rfc23_state_names_map() {
    for (state, want) in [("request-received", Request), ("response-sent", Response), ("completed", Active), ("abandoned", Abandoned)] {
        let body = format!(r#"{{"connection_id":"c","rfc23_state":"{state}"}}"#);
        assert_eq!(parse(body.as_bytes(), None).unwrap().connection.unwrap().status, Some(want), "{state}");
    }
}

#[test]
fn credo_connection_record_routes_on_top_level_state() {
    let ev = parse(&fixture("credo-controller-connection-completed.json"), None).unwrap();
    assert_eq!(ev.delivery_id, None, "a record id is not a delivery id");
    let c = ev.connection.unwrap();
    assert_eq!(c.status, Some(Active), "_tags lags; top-level state wins");
    assert_eq!(c.connection_id.unwrap().as_str(), "821f9b26-ad04-4f56-89b6-e2ef9c72b36e");
    assert_eq!(c.invitation_ids, vec!["edbc89fe-785f-4774-a288-46012486881d".to_string()]);
}

#[test]
fn refuses_what_is_not_a_platform_event() {
    assert!(matches!(parse(b"{not json", None), Err(PayloadError::Json(_))));
    assert!(matches!(parse(b"[1,2]", None), Err(PayloadError::Shape(_))));
    assert!(matches!(parse(br#"{"test":"data"}"#, None), Err(PayloadError::Shape(_))));
    assert!(matches!(parse(br#"{"type":"Connection","connectionId":"c"}"#, None), Err(PayloadError::Shape(_))));
}

#[test]
fn unknown_states_are_kept_but_change_nothing() {
    let ev = parse(br#"{"type":"Connection","connectionId":"c","state":"mystery"}"#, None).unwrap();
    assert_eq!(ev.connection.unwrap().status, None);
}

/// The inviter's webhooks from a real ACA-Py 1.7 capture, as posted.
fn captured(name: &str) -> Vec<(String, Vec<u8>)> {
    let text = String::from_utf8(fixture(&format!("acapy-1.7/{name}"))).unwrap();
    text.lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .filter(|r| r["path"].as_str().unwrap().starts_with("/webhooks/"))
        .map(|r| {
            let topic = r["path"].as_str().unwrap().trim_start_matches("/webhooks/topic/").trim_end_matches('/').to_owned();
            (topic, r["body"].to_string().into_bytes())
        })
        .collect()
}

#[test]
fn a_real_acapy_single_use_connection_reads_as_one_connection_through_active() {
    let events: Vec<PlatformEvent> = captured("webhooks-A.jsonl").iter().map(|(t, b)| parse(b, Some(t)).unwrap()).collect();
    let connections: Vec<&ConnectionEvent> = events.iter().filter_map(|e| e.connection.as_ref()).collect();
    let statuses: Vec<_> = connections.iter().map(|c| c.status.unwrap()).collect();
    assert_eq!(statuses, [Invitation, Request, Response, Active]);
    assert!(connections.iter().all(|c| c.connection_id.as_ref().unwrap().as_str() == "ad28ba67-e5e4-49d1-ba0b-a70a6befc505"));
    assert!(connections.iter().all(|c| c.invitation_ids[0] == "05b085e0-c54b-4b03-8e43-76687f017c3c"));
    assert!(events.iter().all(|e| e.delivery_id.is_none()), "ACA-Py sends no delivery id");
}

#[test]
fn a_multi_use_template_names_no_connection_and_each_scan_its_own() {
    let connections: Vec<ConnectionEvent> =
        captured("multi-use-webhooks.jsonl").iter().filter_map(|(t, b)| parse(b, Some(t)).unwrap().connection).collect();
    let template = &connections[0];
    assert_eq!((template.status, template.connection_id.as_ref()), (Some(Invitation), None));
    let scan: Vec<_> = connections[1..].iter().map(|c| (c.status.unwrap(), c.connection_id.as_ref().unwrap().as_str())).collect();
    let id = "b2efb0b2-05ab-44a2-a73c-bfe30d7c003b";
    assert_eq!(scan, [(Invitation, id), (Request, id), (Response, id), (Active, id)]);
}

#[test]
fn a_polled_acapy_record_reads_like_its_webhook() {
    let ev = parse(&fixture("acapy-1.7/A-GET-connection-final.json"), Some("connections")).unwrap();
    let c = ev.connection.unwrap();
    assert_eq!((c.status, c.their_label.as_deref()), (Some(Active), Some("Student Wallet")));
    assert_eq!(c.invitation_ids[0], "05b085e0-c54b-4b03-8e43-76687f017c3c");
}

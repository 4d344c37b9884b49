//! Real Cloud API samples (see tests/fixtures/README.md for their sources).

use super::*;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn statuses(events: &[WaEvent]) -> Vec<(&str, &str)> {
    events
        .iter()
        .filter_map(|e| match e {
            WaEvent::Status { wamid, status, .. } => Some((wamid.as_str(), status.as_str())),
            _ => None,
        })
        .collect()
}

#[test]
fn each_status_sample_parses() {
    for (file, want) in [
        ("whatsapp-status-sent.json", "sent"),
        ("whatsapp-status-delivered.json", "delivered"),
        ("whatsapp-status-read.json", "read"),
        ("whatsapp-status-failed-131049.json", "failed"),
    ] {
        let events = parse(&fixture(file)).unwrap();
        assert_eq!(statuses(&events).len(), 1, "{file}");
        assert_eq!(statuses(&events)[0].1, want, "{file}");
    }
}

#[test]
fn a_failed_status_carries_its_error() {
    let events = parse(&fixture("whatsapp-status-failed-131047.json")).unwrap();
    let WaEvent::Status { errors, timestamp, phone_number_id, .. } = &events[0] else { panic!("a status") };
    assert_eq!(errors[0].code, 131047);
    assert_eq!(errors[0].title, "Re-engagement message");
    assert!(errors[0].details.as_deref().unwrap().contains("24 hours"));
    assert_eq!(timestamp.timestamp(), 1_708_603_746);
    assert_eq!(phone_number_id.as_deref(), Some("106540352242922"));
}

#[test]
fn a_batch_yields_every_status_of_every_entry() {
    let events = parse(&fixture("whatsapp-batch-two-entries.json")).unwrap();
    let found = statuses(&events);
    assert_eq!(found.len(), 3);
    assert_eq!(found[0].1, "delivered");
    assert_eq!(found[1].1, "read");
}

#[test]
fn an_incoming_text_keeps_the_sender_and_profile() {
    let events = parse(&fixture("whatsapp-message-text.json")).unwrap();
    let WaEvent::Message { from, profile_name, text, message_type, .. } = &events[0] else { panic!("a message") };
    assert_eq!(from, "16505551234");
    assert_eq!(profile_name.as_deref(), Some("Sheena Nelson"));
    assert_eq!(text.as_deref(), Some("Does it come in another color?"));
    assert_eq!(message_type, "text");
    assert_eq!(events[0].delivery_key().unwrap(), "message:wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=");
}

#[test]
fn system_errors_are_kept() {
    let events = parse(&fixture("whatsapp-value-errors-130429.json")).unwrap();
    assert_eq!(events.len(), 1);
    let WaEvent::SystemError { errors, .. } = &events[0] else { panic!("a system error") };
    assert_eq!(errors[0].code, 130429);
    assert_eq!(events[0].topic(), "whatsapp.error");
}

#[test]
fn keys_are_per_message_and_status() {
    let a = parse(&fixture("whatsapp-status-sent.json")).unwrap();
    let b = parse(&fixture("whatsapp-status-delivered.json")).unwrap();
    assert_ne!(a[0].delivery_key(), b[0].delivery_key());
    let WaEvent::Status { wamid, .. } = &a[0] else { unreachable!() };
    assert!(a[0].delivery_key().unwrap().contains(wamid.as_str()));
}

#[test]
fn refuses_what_is_not_a_notification() {
    assert!(matches!(parse(b"{nope"), Err(PayloadError::Json(_))));
    assert!(matches!(parse(br#"{"object":"page"}"#), Err(PayloadError::Shape(_))));
    let bad_time = br#"{"entry":[{"changes":[{"value":{"statuses":[{"id":"w","status":"sent","timestamp":"soon"}]}}]}]}"#;
    assert!(matches!(parse(bad_time), Err(PayloadError::Shape(_))));
}

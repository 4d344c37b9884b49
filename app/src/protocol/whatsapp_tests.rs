use super::MessageStatus::{self, *};
use super::*;

fn permutations(items: &[MessageStatus]) -> Vec<Vec<MessageStatus>> {
    if items.is_empty() {
        return vec![vec![]];
    }
    let mut all = Vec::new();
    for i in 0..items.len() {
        let mut rest = items.to_vec();
        let first = rest.remove(i);
        for mut tail in permutations(&rest) {
            tail.insert(0, first);
            all.push(tail);
        }
    }
    all
}

#[test]
fn every_order_of_sent_delivered_read_ends_read() {
    for order in permutations(&[Sent, Delivered, Read, Delivered, Sent]) {
        let end = order.iter().fold(Pending, |s, &e| s.advance(e).unwrap_or(s));
        assert_eq!(end, Read, "{order:?}");
    }
}

#[test]
fn failed_is_final_but_cannot_undo_a_read() {
    for order in permutations(&[Sent, Delivered, Failed]) {
        let end = order.iter().fold(Pending, |s, &e| s.advance(e).unwrap_or(s));
        assert_eq!(end, Failed, "{order:?}");
    }
    assert_eq!(Read.advance(Failed), None);
    assert_eq!(Failed.advance(Read), None);
    assert_eq!(Delivered.advance(Delivered), None);
    assert_eq!(Sent.advance(Pending), None);
}

#[test]
fn college_ids_accept_numbers_and_text() {
    let a: WaClientMessage = serde_json::from_str(r#"{"type":"register","collegeId":12345}"#).unwrap();
    let b: WaClientMessage = serde_json::from_str(r#"{"type":"register","collegeId":"12345"}"#).unwrap();
    assert_eq!(a, b);
}

#[test]
fn status_updates_carry_the_seed_fields() {
    let at = DateTime::from_timestamp(1_708_603_746, 0).unwrap();
    let message = OutgoingMessage {
        message_id: 7,
        college_id: CollegeId::new("1"),
        to: "15551234567".into(),
        template: Some("hello_world".into()),
        whatsapp_message_id: "wamid.X".into(),
        status: Delivered,
        created_at: at,
        sent_at: Some(at),
        delivered_at: Some(at),
        read_at: None,
        failed_at: None,
        error: None,
        phone_number_id: None,
    };
    let msg = WaServerMessage::MessageStatusUpdate {
        message_id: 7,
        whatsapp_message_id: "wamid.X".into(),
        status: Delivered,
        timestamp: at,
        message,
    };
    let json = serde_json::to_value(&msg).unwrap();
    assert_eq!(json["type"], "message_status_update");
    assert_eq!(json["messageId"], 7);
    assert_eq!(json["whatsappMessageId"], "wamid.X");
    assert_eq!(json["status"], "delivered");
}

#[test]
fn merging_keeps_the_furthest_status_and_known_times() {
    let at = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
    let base = OutgoingMessage {
        message_id: 1,
        college_id: CollegeId::new("1"),
        to: "1".into(),
        template: None,
        whatsapp_message_id: "w".into(),
        status: Read,
        created_at: at,
        sent_at: Some(at),
        delivered_at: None,
        read_at: Some(at),
        failed_at: None,
        error: None,
        phone_number_id: None,
    };
    let mut mine = base.clone();
    let late = OutgoingMessage { status: Delivered, delivered_at: Some(at), read_at: None, ..base };
    mine.merge(&late);
    assert_eq!(mine.status, Read);
    assert_eq!(mine.delivered_at, Some(at));
}

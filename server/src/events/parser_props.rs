//! The three payload parsers never panic, on arbitrary bytes or on
//! arbitrary JSON made of the providers' own field names: whatever a sender
//! posts is stored or refused with a reason, never a crash.
//!
//! 10,000 cases each in the suite; `PROPTEST_CASES=1000000 cargo test -p
//! tidings --lib parser_props` runs a million.

use super::tenant::{self, WebhookKind};
use super::{platform, whatsapp};
use app::protocol::TenantId;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{Config, TestRunner};
use serde_json::Value;

const KEYS: &[&str] = &[
    // WhatsApp Cloud API
    "object",
    "entry",
    "id",
    "changes",
    "field",
    "value",
    "metadata",
    "phone_number_id",
    "display_phone_number",
    "statuses",
    "status",
    "timestamp",
    "recipient_id",
    "errors",
    "code",
    "title",
    "error_data",
    "details",
    "messages",
    "from",
    "type",
    "text",
    "body",
    "context",
    "contacts",
    "wa_id",
    "profile",
    "name",
    // wallet platforms and ACA-Py
    "state",
    "connectionId",
    "outOfBandId",
    "theirLabel",
    "theirDid",
    "webhookId",
    "topic",
    "data",
    "invitationId",
    "connection_id",
    "rfc23_state",
    "invitation_msg_id",
    "their_label",
    // tenants
    "tenantId",
    "orderNumber",
    "amount",
    "items",
    "paymentId",
    "orderId",
    "message",
    "priority",
    "actionUrl",
    "actionText",
    "userId",
    "event",
    "notification",
    "related_type",
    "related_id",
];
const WORDS: &[&str] = &[
    "whatsapp_business_account",
    "messages",
    "sent",
    "delivered",
    "read",
    "failed",
    "text",
    "Connection",
    "completed",
    "response-sent",
    "request-received",
    "connections.completed",
    "paid",
    "pending",
    "refunded",
    "ticket.update",
    "notification.created",
    "high",
    "/dashboard",
    "javascript:alert(1)",
    "",
    "1",
];
const KINDS: [WebhookKind; 4] = [WebhookKind::Orders, WebhookKind::Payments, WebhookKind::Notifications, WebhookKind::Events];

fn runner() -> TestRunner {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() })
}

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        select(WORDS).prop_map(Value::from),
        any::<String>().prop_map(Value::from),
    ];
    leaf.prop_recursive(5, 64, 8, |inner| {
        let key = prop_oneof![4 => select(KEYS).prop_map(String::from), 1 => any::<String>()];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((key, inner), 0..8).prop_map(|fields| Value::Object(fields.into_iter().collect())),
        ]
    })
}

/// Every parser, on `bytes`.
fn parse_all(bytes: &[u8]) {
    let _ = platform::parse(bytes, None);
    let _ = platform::parse(bytes, Some("connections"));
    let _ = whatsapp::parse(bytes);
    if let Ok(value) = serde_json::from_slice::<Value>(bytes) {
        for kind in KINDS {
            let _ = tenant::parse(kind, TenantId(1), value.clone());
        }
    }
}

#[test]
fn parsers_never_panic_on_arbitrary_bytes() {
    runner()
        .run(&prop::collection::vec(any::<u8>(), 0..256), |bytes| {
            parse_all(&bytes);
            Ok(())
        })
        .unwrap();
}

#[test]
fn parsers_never_panic_on_arbitrary_json() {
    runner()
        .run(&json(), |value| {
            parse_all(&serde_json::to_vec(&value).unwrap());
            Ok(())
        })
        .unwrap();
}

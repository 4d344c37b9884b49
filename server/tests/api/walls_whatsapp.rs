//! Tenant walls around WhatsApp: a wamid belongs to one tenant, statuses
//! count only on the owner's numbers, replies go to the tenant whose number
//! (and, on a shared number, whose confirmed message) they answer, and phone
//! numbers are one contact however they are written.

use crate::helpers::*;
use crate::wa_helpers::*;
use app::protocol::MessageStatus::{Pending, Read};
use app::protocol::WaServerMessage;
use reqwest::Method;
use serde_json::{json, Value};
use tidings::graph::notifications;

/// The second tenant's own business number.
const SECOND_NUMBER: &str = "222000000000002";

async fn add_number(app: &TestApp, tenant: &Tenant, phone_number_id: &str) -> reqwest::Response {
    let body = json!({"phoneNumberId": phone_number_id, "displayNumber": "+1 555 010 0200"});
    app.http.post(app.url("/api/whatsapp/numbers")).bearer_auth(&tenant.key).json(&body).send().await.unwrap()
}

async fn register(app: &TestApp, tenant: &Tenant, wamid: &str, to: &str) -> reqwest::Response {
    let body = json!({"collegeId": tenant.id, "to": to, "whatsappMessageId": wamid, "template": "secret_template"});
    app.http.post(app.url("/api/whatsapp/messages")).bearer_auth(&tenant.key).json(&body).send().await.unwrap()
}

async fn report_on(app: &TestApp, number: &str, wamid: &str, status: &str) {
    let at = chrono::DateTime::from_timestamp(1_700_000_001, 0).unwrap();
    let n = notifications::status(number, wamid, "15551234567", status, at, None);
    assert_eq!(app.post_whatsapp(&n).await.status(), 200);
}

async fn reply_on(app: &TestApp, number: &str, wamid: &str, from: &str, context: Option<&str>) {
    let at = chrono::DateTime::from_timestamp(1_700_000_005, 0).unwrap();
    let n = notifications::text(number, wamid, from, "Ada", "hello", at, context);
    assert_eq!(app.post_whatsapp(&n).await.status(), 200);
}

async fn incoming(app: &TestApp, tenant: &Tenant) -> Vec<String> {
    let listed = json_of(app.http.get(app.url(&format!("/api/whatsapp/incoming?collegeId={}", tenant.id))).bearer_auth(&tenant.key)).await;
    listed["data"].as_array().unwrap().iter().map(|m| m["whatsappMessageId"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn another_tenants_wamid_is_409_and_discloses_nothing() {
    let app = spawn_app(&[]).await;
    let (one, two) = (app.first_tenant().await, app.new_tenant("Second College").await);
    assert_eq!(register(&app, &one, "wamid.MINE", "+1 555 123 4567").await.status(), 200);

    let taken = register(&app, &two, "wamid.MINE", "15559990000").await;
    assert_eq!(taken.status(), 409);
    let body = taken.text().await.unwrap();
    for secret in ["15551234567", "secret_template", "\"status\"", "collegeId"] {
        assert!(!body.contains(secret), "{secret} leaked in {body}");
    }
    assert!(app.messages(&two).await.is_empty(), "nothing stored for the second tenant");
    let mine = app.messages(&one).await;
    assert_eq!((mine.len(), mine[0].to.as_str()), (1, "15551234567"), "stored once, normalised");
    // Registering one's own again is harmless.
    assert_eq!(register(&app, &one, "wamid.MINE", "15551234567").await.status(), 200);
}

#[tokio::test]
async fn a_status_counts_only_on_a_number_its_tenant_owns() {
    let app = spawn_app(&[]).await;
    let two = app.new_tenant("Second College").await;
    assert_eq!(add_number(&app, &two, SECOND_NUMBER).await.status(), 200);
    assert_eq!(add_number(&app, &two, SECOND_NUMBER).await.status(), 409, "once per tenant");
    let mut socket = app.college_socket(&two).await;
    register(&app, &two, "wamid.TWO", "15551234567").await;
    assert_eq!(next_update(&mut socket).await, ("wamid.TWO".into(), Pending));

    // Reported on the first tenant's number: kept for operators, not applied.
    report_on(&app, PHONE_NUMBER_ID, "wamid.TWO", "delivered").await;
    assert_eq!(app.settled_stats().await["unmatched"], 1);
    assert_wa_quiet(&mut socket).await;

    report_on(&app, SECOND_NUMBER, "wamid.TWO", "read").await;
    assert_eq!(next_update(&mut socket).await, ("wamid.TWO".into(), Read));
}

#[tokio::test]
async fn replies_go_to_the_numbers_owner_and_on_a_shared_number_to_the_confirmed_sender() {
    let app = spawn_app(&[]).await;
    let (one, two) = (app.first_tenant().await, app.new_tenant("Second College").await);
    assert_eq!(add_number(&app, &two, SECOND_NUMBER).await.status(), 200);

    // Each tenant's own number: the owner gets the reply, whoever wrote.
    register(&app, &two, "wamid.BARE", "15551234567").await;
    reply_on(&app, PHONE_NUMBER_ID, "wamid.IN1", "+1 555 123 4567", None).await;
    reply_on(&app, SECOND_NUMBER, "wamid.IN2", "15551234567", None).await;
    app.settled_stats().await;
    assert_eq!(incoming(&app, &one).await, vec!["wamid.IN1"]);
    assert_eq!(incoming(&app, &two).await, vec!["wamid.IN2"]);

    // The second tenant shares the first's number too.
    assert_eq!(add_number(&app, &two, PHONE_NUMBER_ID).await.status(), 200);
    register(&app, &one, "wamid.ONE", "15551234567").await;
    report_on(&app, PHONE_NUMBER_ID, "wamid.ONE", "delivered").await;
    app.settled_stats().await;
    // A bare registration by the second tenant captures nothing.
    register(&app, &two, "wamid.CLAIM", "15551234567").await;
    reply_on(&app, PHONE_NUMBER_ID, "wamid.IN3", "15551234567", None).await;
    app.settled_stats().await;
    assert_eq!(incoming(&app, &one).await, vec!["wamid.IN3", "wamid.IN1"]);

    // Once Meta confirms the second tenant's message, the next reply is its.
    report_on(&app, PHONE_NUMBER_ID, "wamid.CLAIM", "sent").await;
    app.settled_stats().await;
    reply_on(&app, PHONE_NUMBER_ID, "wamid.IN4", "15551234567", None).await;
    // A reply to the first tenant's message goes to it, whoever was last.
    reply_on(&app, PHONE_NUMBER_ID, "wamid.IN5", "15551234567", Some("wamid.ONE")).await;
    // Nobody wrote to this contact: kept unrouted.
    reply_on(&app, PHONE_NUMBER_ID, "wamid.IN6", "15550001111", None).await;
    let stats = app.settled_stats().await;
    assert_eq!(incoming(&app, &two).await, vec!["wamid.IN4", "wamid.IN2"]);
    assert_eq!(incoming(&app, &one).await, vec!["wamid.IN5", "wamid.IN3", "wamid.IN1"]);
    assert_eq!(stats["unmatched"], 1);
    let unrouted = json_of(app.as_admin(Method::GET, "/api/admin/webhook-deliveries?status=unmatched")).await;
    assert_eq!(unrouted[0]["topic"], "whatsapp.message.text", "operators see it");
}

#[tokio::test]
async fn numbers_are_managed_by_their_tenants_admins_only() {
    let app = spawn_app(&[]).await;
    let (one, two) = (app.first_tenant().await, app.new_tenant("Second College").await);
    let listed = json_of(app.http.get(app.url("/api/whatsapp/numbers")).bearer_auth(&one.key)).await;
    assert_eq!(listed["data"][0]["phoneNumberId"], PHONE_NUMBER_ID);
    assert_eq!(listed["data"][0]["fromEnvironment"], true);
    let added: Value = add_number(&app, &two, SECOND_NUMBER).await.json().await.unwrap();
    let id = added["data"]["id"].as_i64().unwrap();
    let with_token = json!({"phoneNumberId": "333", "displayNumber": "+1 555 010 0300", "accessToken": "EAAG-secret"});
    let saved = app.http.post(app.url("/api/whatsapp/numbers")).bearer_auth(&two.key).json(&with_token).send().await.unwrap();
    let saved = saved.text().await.unwrap();
    assert!(saved.contains("\"hasAccessToken\":true") && !saved.contains("EAAG-secret"), "{saved}");

    // Another tenant neither sees nor removes them.
    let probe = app.http.get(app.url(&format!("/api/whatsapp/numbers?tenantId={}", two.id))).bearer_auth(&one.key);
    assert_eq!(probe.send().await.unwrap().status(), 404);
    let remove = app.http.delete(app.url(&format!("/api/whatsapp/numbers/{id}"))).bearer_auth(&one.key);
    assert_eq!(remove.send().await.unwrap().status(), 404);
    let missing = app.http.delete(app.url("/api/whatsapp/numbers/9999")).bearer_auth(&one.key);
    assert_eq!(missing.send().await.unwrap().status(), 404, "the same answer as for another tenant's");
    let env_number = listed["data"][0]["id"].as_i64().unwrap();
    let env = app.http.delete(app.url(&format!("/api/whatsapp/numbers/{env_number}"))).bearer_auth(&one.key);
    assert_eq!(env.send().await.unwrap().status(), 404, "the environment's number is not edited here");
    let bad = json!({"phoneNumberId": "12ab", "displayNumber": "+1 555 010 0200"});
    let bad = app.http.post(app.url("/api/whatsapp/numbers")).bearer_auth(&two.key).json(&bad).send().await.unwrap();
    assert_eq!(bad.status(), 400);
    assert!(bad.text().await.unwrap().contains("phoneNumberId"));
}

#[tokio::test]
async fn a_tenant_sends_from_its_own_number_or_is_told_to_add_one() {
    let app = spawn_app(&[("WHATSAPP_SIMULATOR_AUTO", "true"), ("WHATSAPP_SIMULATOR_STEP_MS", "5")]).await;
    let two = app.new_tenant("Second College").await;
    let send = || {
        app.http
            .post(app.url("/api/whatsapp/send"))
            .bearer_auth(&two.key)
            .json(&json!({"collegeId": two.id, "to": "+1 555 123 0002", "template": "hello_world"}))
    };
    assert_eq!(send().send().await.unwrap().status(), 409, "no number yet");
    add_number(&app, &two, SECOND_NUMBER).await;
    let mut socket = app.college_socket(&two).await;
    let sent: Value = send().send().await.unwrap().json().await.unwrap();
    assert_eq!(sent["data"]["phoneNumberId"], SECOND_NUMBER);
    assert_eq!(sent["data"]["to"], "15551230002");
    // The simulator reports on the number it was sent from: the statuses
    // reach the second tenant.
    let wamid = sent["data"]["whatsappMessageId"].as_str().unwrap().to_owned();
    loop {
        match next_wa(&mut socket).await {
            WaServerMessage::MessageStatusUpdate { whatsapp_message_id, status: app::protocol::MessageStatus::Read, .. } => {
                assert_eq!(whatsapp_message_id, wamid);
                break;
            }
            WaServerMessage::MessageStatusUpdate { .. } => continue,
            other => panic!("{other:?}"),
        }
    }
    let elsewhere = json!({"collegeId": two.id, "to": "15551230002", "template": "hello_world", "phoneNumberId": PHONE_NUMBER_ID});
    let refused = app.http.post(app.url("/api/whatsapp/send")).bearer_auth(&two.key).json(&elsewhere).send().await.unwrap();
    assert_eq!(refused.status(), 404, "not its number");
}

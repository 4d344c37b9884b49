//! Property tests of the lanes, on a real SQLite store: whatever the order
//! in which a subject's events are applied, and however often each is
//! applied again, the subject ends in the same state as when they arrive
//! once, in order. (Events of one outcome: a flow that both failed and
//! succeeded has no single right answer, and no provider reports one.)
//!
//! `PROPTEST_CASES` sets the number of cases (default 256).

use super::{tenant, whatsapp};
use crate::events::tenant::{parse, TenantEvent, WebhookKind};
use crate::events::whatsapp::WaEvent;
use crate::store::{self, AccountStore, NewOutgoing, SqliteStore};
use app::protocol::{CollegeId, ConnectionStatus, MessageStatus, OrderStatus, PaymentStatus, TenantId};
use chrono::{DateTime, Utc};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::json;
use std::sync::atomic::{AtomicUsize, Ordering};

fn runner() -> TestRunner {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256);
    TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() })
}

/// `events` (each an index into a subject's distinct events) in any order,
/// each one or more times.
fn shuffled_with_repeats(distinct: usize) -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec((0..distinct, 1..3usize), 1..10)
        .prop_map(|picks| picks.into_iter().flat_map(|(event, times)| std::iter::repeat_n(event, times)).collect::<Vec<_>>())
        .prop_shuffle()
}

async fn store() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("props.db").display());
    let store = SqliteStore::connect(&url).await.unwrap();
    assert_eq!(store.create_tenant("Props", Utc::now()).await.unwrap(), TenantId(1));
    (dir, store)
}

#[test]
fn message_statuses_end_the_same_in_any_order() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let (_dir, store) = rt.block_on(store());
    let subjects = AtomicUsize::new(0);
    let outcomes = [["sent", "delivered", "read"].as_slice(), ["sent", "failed"].as_slice()];
    runner()
        .run(&(0..2usize, shuffled_with_repeats(3)), |(outcome, picks)| {
            let statuses = outcomes[outcome];
            let picks: Vec<usize> = picks.into_iter().filter(|&i| i < statuses.len()).collect();
            prop_assume!(!picks.is_empty());
            let n = subjects.fetch_add(1, Ordering::Relaxed);
            let wamid = format!("wamid.prop-{n}");
            let ended = rt.block_on(async {
                let registered = NewOutgoing {
                    college_id: CollegeId::new("1"),
                    to: "15551234567".into(),
                    template: None,
                    wamid: wamid.clone(),
                    phone_number_id: None,
                    created_at: Utc::now(),
                };
                store::run(&store, move |tx| Ok(tx.insert_outgoing(&registered)?)).await.unwrap();
                for &pick in &picks {
                    let event = WaEvent::Status {
                        wamid: wamid.clone(),
                        status: statuses[pick].into(),
                        recipient_id: None,
                        timestamp: DateTime::from_timestamp(1_700_000_000 + pick as i64, 0).unwrap(),
                        phone_number_id: None,
                        errors: Vec::new(),
                    };
                    // A repeat is the same delivery applied again.
                    let delivery = (n * 100 + pick) as i64;
                    store::run(&store, move |tx| whatsapp::apply(tx, event, delivery)).await.unwrap();
                }
                let wamid = wamid.clone();
                store::run(&store, move |tx| Ok(tx.outgoing_by_wamid(&wamid)?)).await.unwrap().0.unwrap().status
            });
            // The statuses are listed in their order.
            let furthest = MessageStatus::from_cloud_api(statuses[*picks.iter().max().unwrap()]).unwrap();
            prop_assert_eq!(ended, furthest);
            Ok(())
        })
        .unwrap();
}

#[test]
fn orders_and_payments_end_the_same_in_any_order() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let (_dir, store) = rt.block_on(store());
    let store = &store;
    let subjects = AtomicUsize::new(0);
    // Cancelled and refunded are both final; an order is never both.
    let orders = [OrderStatus::Pending, OrderStatus::Failed, OrderStatus::Paid, OrderStatus::Refunded];
    let payments = PaymentStatus::ALL;
    runner()
        .run(&shuffled_with_repeats(orders.len() + payments.len()), |picks| {
            let n = subjects.fetch_add(1, Ordering::Relaxed);
            let event = |pick: usize, number: &str| -> TenantEvent {
                let tenant = TenantId(1);
                match orders.get(pick) {
                    Some(status) => parse(WebhookKind::Orders, tenant, json!({"orderNumber": number, "amount": 5.0, "status": status})),
                    None => {
                        let status = payments[pick - orders.len()];
                        parse(
                            WebhookKind::Payments,
                            tenant,
                            json!({"orderNumber": number, "paymentId": format!("pay-{number}"), "amount": 5.0, "status": status}),
                        )
                    }
                }
                .unwrap()
            };
            // The same events once each, in order: the order first, then
            // its payments, each status after the ones it follows.
            let mut once: Vec<usize> = picks.clone();
            once.sort();
            once.dedup();
            let apply_all = |number: String, base: usize, picks: Vec<usize>| async move {
                for pick in picks {
                    let event = event(pick, &number);
                    let delivery = (base + pick) as i64;
                    store::run(store, move |tx| tenant::apply(tx, event, delivery)).await.unwrap();
                }
                let order = event(0, &number);
                let (view, _) = store::run(store, move |tx| match order {
                    // Reads the order back: a `pending` repeat never moves it.
                    TenantEvent::Order { order, tenant } => Ok(tx
                        .upsert_order(&crate::store::NewOrder {
                            tenant,
                            order_number: order.order_number,
                            customer_name: None,
                            customer_email: None,
                            amount_cents: 500,
                            status: OrderStatus::Pending,
                            items: json!([]),
                            metadata: json!(null),
                        })?
                        .value),
                    _ => unreachable!(),
                })
                .await
                .unwrap();
                (view.status, view.payment_status)
            };
            let (shuffled, in_order) = rt.block_on(async {
                (apply_all(format!("S-{n}"), 200 * n, picks.clone()).await, apply_all(format!("O-{n}"), 200 * n + 100, once).await)
            });
            prop_assert_eq!(shuffled, in_order, "{:?}", picks);
            Ok(())
        })
        .unwrap();
}

/// The connect lane's step rule, over every order and repetition of one
/// flow's reports.
#[test]
fn connection_steps_end_the_same_in_any_order() {
    let outcomes = [
        [ConnectionStatus::Request, ConnectionStatus::Response, ConnectionStatus::Active].as_slice(),
        [ConnectionStatus::Request, ConnectionStatus::Error].as_slice(),
    ];
    runner()
        .run(&(0..2usize, shuffled_with_repeats(3)), |(outcome, picks)| {
            let steps = outcomes[outcome];
            let picks: Vec<usize> = picks.into_iter().filter(|&i| i < steps.len()).collect();
            prop_assume!(!picks.is_empty());
            let ended = picks.iter().fold(ConnectionStatus::Invitation, |at, &i| at.advance(steps[i]).unwrap_or(at));
            let furthest = picks.iter().map(|&i| steps[i]).max_by_key(|s| steps.iter().position(|x| x == s)).unwrap();
            prop_assert_eq!(ended, furthest);
            Ok(())
        })
        .unwrap();
}

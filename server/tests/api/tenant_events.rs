//! Seed 004's inbound tenant webhooks, the notifications API, and live
//! events reaching only the right tenant, user and room.

use crate::helpers::*;
use crate::tenant_helpers::*;
use app::protocol::TenantServerMessage as T;
use reqwest::Method;
use serde_json::{json, Value};

fn order(number: &str) -> Value {
    json!({"tenantId": "1", "orderNumber": number, "customerName": "John Doe", "customerEmail": "john@example.com",
        "amount": 99.99, "status": "pending", "items": [{"productId": "prod_123", "quantity": 2, "price": 49.99}],
        "metadata": {"source": "shopify-headless"}})
}

#[tokio::test]
async fn orders_and_payments_land_with_their_notifications_once() {
    let app = spawn_app(&[]).await;
    let secret = app.tenant_secret().await;
    let admin = app.admin.clone().unwrap();
    let mut socket = app.tenant_socket(&admin, 1).await;

    let answer: Value = app.post_tenant(&secret, "orders", "msg_o1", &order("ORD-1")).await.json().await.unwrap();
    assert_eq!(answer["success"], true);
    assert_eq!(answer["message"], "Order created successfully");
    assert_eq!(answer["orderNumber"], "ORD-1");
    assert!(answer["orderId"].is_i64());
    match next_tenant(&mut socket).await {
        T::NewNotification { notification } => assert_eq!(notification.title, "New order ORD-1"),
        other => panic!("{other:?}"),
    }
    assert_eq!(next_tenant(&mut socket).await, T::UnreadCount { count: 1 });
    assert!(matches!(next_tenant(&mut socket).await, T::DashboardRefresh { .. }));

    // The same delivery again: acknowledged, nothing new.
    let again: Value = app.post_tenant(&secret, "orders", "msg_o1", &order("ORD-1")).await.json().await.unwrap();
    assert_eq!(again["duplicate"], true);
    assert_tenant_quiet(&mut socket).await;

    let payment = json!({"tenantId": 1, "orderNumber": "ORD-1", "amount": 99.99, "status": "failed", "paymentId": "pay_1"});
    let answer: Value = app.post_tenant(&secret, "payments", "msg_p1", &payment).await.json().await.unwrap();
    assert_eq!(answer["message"], "Payment recorded");
    match next_tenant(&mut socket).await {
        T::NewNotification { notification } => {
            assert_eq!(notification.title, "Payment failed for ORD-1");
            assert_eq!(serde_json::to_value(notification.priority).unwrap(), "high");
        }
        other => panic!("{other:?}"),
    }
    let dashboard: Value = app.as_admin(Method::GET, "/api/dashboard").send().await.unwrap().json().await.unwrap();
    assert_eq!(dashboard["data"]["todayOrders"], 1);
    assert_eq!(dashboard["data"]["recentOrders"][0]["status"], "failed");
    assert_eq!(dashboard["data"]["recentOrders"][0]["paymentStatus"], "failed");

    let paid = json!({"tenantId": 1, "orderNumber": "ORD-1", "amount": 99.99, "status": "paid", "paymentId": "pay_2"});
    app.post_tenant(&secret, "payments", "msg_p2", &paid).await;
    let dashboard: Value = app.as_admin(Method::GET, "/api/dashboard").send().await.unwrap().json().await.unwrap();
    assert_eq!(dashboard["data"]["todayRevenue"], 99.99);
}

#[tokio::test]
async fn bad_deliveries_are_refused_with_their_reason() {
    let app = spawn_app(&[]).await;
    let secret = app.tenant_secret().await;
    let missing = app.post_tenant(&secret, "orders", "m1", &json!({"tenantId": 1, "amount": 5})).await;
    assert_eq!(missing.status(), 400);
    assert!(missing.json::<Value>().await.unwrap()["error"].as_str().unwrap().contains("orderNumber"));
    let bad_priority = json!({"tenantId": 1, "title": "t", "message": "m", "priority": "extreme"});
    assert_eq!(app.post_tenant(&secret, "notifications", "m2", &bad_priority).await.status(), 400);
    let unsigned = app.http.post(app.url("/api/webhooks/orders")).body(order("X").to_string()).send().await.unwrap();
    assert_eq!(unsigned.status(), 401);
    let unknown = app.post_tenant(&secret, "orders", "m3", &json!({"tenantId": 42, "orderNumber": "A", "amount": 1})).await;
    assert_eq!(unknown.status(), 404);

    let off = json!({"webhookEndpoints": {"payments": false}});
    app.as_admin(Method::PATCH, "/api/webhooks/settings").json(&off).send().await.unwrap();
    let payment = json!({"tenantId": 1, "orderNumber": "ORD-1", "status": "paid", "paymentId": "p"});
    assert_eq!(app.post_tenant(&secret, "payments", "m4", &payment).await.status(), 403);
    assert_eq!(app.post_tenant(&secret, "orders", "m5", &order("ORD-5")).await.status(), 200);
    let health: Value = app.http.get(app.url("/api/webhooks/health")).send().await.unwrap().json().await.unwrap();
    assert_eq!(health["status"], "ok");
}

#[tokio::test]
async fn the_notification_api_filters_pages_and_marks() {
    let app = spawn_app(&[]).await;
    let create = |title: String| app.as_admin(Method::POST, "/api/notifications").json(&json!({"title": title, "message": "m"})).send();
    for i in 0..5 {
        assert_eq!(create(format!("n{i}")).await.unwrap().status(), 200);
    }
    let page: Value = app.as_admin(Method::GET, "/api/notifications?limit=2").send().await.unwrap().json().await.unwrap();
    let titles = |p: &Value| {
        p["data"]["notifications"].as_array().unwrap().iter().map(|n| n["title"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
    };
    assert_eq!(titles(&page), vec!["n4", "n3"]);
    assert_eq!(page["data"]["unreadCount"], 5);
    let cursor = page["data"]["nextCursor"].as_i64().unwrap();
    let next: Value =
        app.as_admin(Method::GET, &format!("/api/notifications?limit=2&before={cursor}")).send().await.unwrap().json().await.unwrap();
    assert_eq!(titles(&next), vec!["n2", "n1"]);

    let id = page["data"]["notifications"][0]["id"].as_i64().unwrap();
    let read = app.as_admin(Method::PATCH, &format!("/api/notifications/{id}")).json(&json!({"isRead": true})).send().await.unwrap();
    assert_eq!(read.json::<Value>().await.unwrap()["data"]["isRead"], true);
    let dismissed_id = page["data"]["notifications"][1]["id"].as_i64().unwrap();
    app.as_admin(Method::PATCH, &format!("/api/notifications/{dismissed_id}")).json(&json!({"isDismissed": true})).send().await.unwrap();
    let unread: Value = app.as_admin(Method::GET, "/api/notifications?includeRead=false").send().await.unwrap().json().await.unwrap();
    assert_eq!(titles(&unread), vec!["n2", "n1", "n0"]);
    let all: Value = app.as_admin(Method::GET, "/api/notifications?includeDismissed=true").send().await.unwrap().json().await.unwrap();
    assert_eq!(titles(&all).len(), 5);

    app.as_admin(Method::POST, "/api/notifications/mark-all-read").send().await.unwrap();
    let after: Value = app.as_admin(Method::GET, "/api/notifications").send().await.unwrap().json().await.unwrap();
    assert_eq!(after["data"]["unreadCount"], 0);
}

#[tokio::test]
async fn events_reach_only_the_right_tenant_user_and_room() {
    let app = spawn_app(&[]).await;
    let secret = app.tenant_secret().await;
    let admin = app.admin.clone().unwrap();
    // A second staff member of tenant 1, and an admin of tenant 2.
    let (b, b_id) = app.add_staff(1, "b@one.test", "staff").await;
    app.as_admin(Method::POST, "/api/tenants").json(&json!({"name": "Two"})).send().await.unwrap();

    let mut a_socket = app.tenant_socket(&admin, 1).await;
    let mut b_socket = app.tenant_socket(&b, 1).await;
    let mut other_tenant = app.tenant_socket(&admin, 2).await;
    send(&mut a_socket, json!({"type": "join", "room": "tickets"})).await;
    assert!(matches!(next_tenant(&mut a_socket).await, T::Joined { room: Some(_), .. }));

    // For b only.
    let just_b = json!({"tenantId": 1, "title": "For B", "message": "m", "userId": b_id});
    app.post_tenant(&secret, "notifications", "n1", &just_b).await;
    assert!(matches!(next_tenant(&mut b_socket).await, T::NewNotification { notification } if notification.title == "For B"));
    assert_eq!(next_tenant(&mut b_socket).await, T::UnreadCount { count: 1 });
    assert_tenant_quiet(&mut a_socket).await;

    // A helpdesk ticket: only the tickets room hears it.
    let ticket = json!({"tenantId": 1, "event": "ticket.update", "data": {"id": "t-1", "title": "Printer on fire", "status": "open"}});
    app.post_tenant(&secret, "events", "e1", &ticket).await;
    match next_tenant(&mut a_socket).await {
        T::EntityUpdate { event, data, .. } => {
            assert_eq!((event.as_str(), data["title"].as_str()), ("ticket.update", Some("Printer on fire")))
        }
        other => panic!("{other:?}"),
    }
    assert_tenant_quiet(&mut b_socket).await;
    let tickets: Value = app.as_admin(Method::GET, "/api/helpdesk/tickets").send().await.unwrap().json().await.unwrap();
    assert_eq!(tickets["data"][0]["id"], "t-1");

    // Tenant 2 heard nothing of it all.
    assert_tenant_quiet(&mut other_tenant).await;
    // And a staff member cannot join a tenant they do not belong to.
    let url = format!("{}/ws/tenant", app.base.replacen("http", "ws", 1));
    let mut request = tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(url).unwrap();
    request.headers_mut().insert("cookie", b.cookie.parse().unwrap());
    let (mut b_again, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    send(&mut b_again, json!({"type": "join-tenant", "tenantId": 2})).await;
    assert!(matches!(next_tenant(&mut b_again).await, T::Error { .. }));
}

#[tokio::test]
async fn seed_002_notification_events_raise_a_notification_and_update_the_room() {
    let app = spawn_app(&[]).await;
    let secret = app.tenant_secret().await;
    let admin = app.admin.clone().unwrap();
    let mut socket = app.tenant_socket(&admin, 1).await;
    send(&mut socket, json!({"type": "join", "room": "comments"})).await;
    next_tenant(&mut socket).await;
    let event = json!({"tenantId": 1, "event": "notification.created",
        "notification": {"id": "n-1", "type": "comment_on_ticket", "message": "New comment on your ticket 'Issue Title' by John Doe",
            "related_id": "c-1", "related_type": "comment", "created_at": "2025-11-17T12:00:00Z"},
        "data": {"id": "c-1", "content": "This is the comment content", "ticket_id": "t-1"}});
    let answer: Value = app.post_tenant(&secret, "events", "e2", &event).await.json().await.unwrap();
    assert!(answer["notificationId"].is_i64());
    let mut seen = vec![];
    for _ in 0..3 {
        seen.push(next_tenant(&mut socket).await);
    }
    assert!(seen.iter().any(|m| matches!(m, T::NewNotification { notification } if notification.message.contains("New comment"))));
    assert!(seen.iter().any(|m| matches!(m, T::EntityUpdate { event, .. } if event == "comment.update")));
}

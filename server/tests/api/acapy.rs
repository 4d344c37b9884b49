//! Tidings with real Hyperledger ACA-Py agents: the university's agent
//! issues each session's invitation and posts its webhooks here; a student's
//! wallet agent receives the invitation and runs DID Exchange with it.
//! Reconciliation brings a session to `active` when those webhooks are lost.

use crate::acapy_agent::{executable, free_port, Agent, Role};
use crate::helpers::*;
use app::protocol::ConnectionStatus::{self, *};
use app::protocol::{CreatedSession, ServerMessage};
use reqwest::Method;
use serde_json::Value;
use std::path::PathBuf;

const WALLET_LABEL: &str = "Student Wallet";
const ADMIN_KEY: &str = "test-admin-api-key";

/// A university agent wired to a Tidings that issues its invitations
/// through it, and a student's wallet.
struct Campus {
    app: TestApp,
    university: Agent,
    wallet: Agent,
}

/// Tidings' settings for the university agent's admin API on `port`.
fn acapy_vars(port: u16) -> Vec<(&'static str, String)> {
    vec![("PLATFORM", "acapy".into()), ("ACAPY_ADMIN_URL", format!("http://127.0.0.1:{port}")), ("ACAPY_ADMIN_API_KEY", ADMIN_KEY.into())]
}

fn borrowed<'a>(vars: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    vars.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// Starts Tidings first (the agent needs its address for webhooks), then
/// both agents. `webhook_key` is what the agent presents: the right secret,
/// or a wrong one to have every webhook refused.
async fn campus(exe: &PathBuf, extra: &[(&'static str, &str)], webhook_key: &str) -> Campus {
    let admin_port = free_port();
    let mut vars = acapy_vars(admin_port);
    vars.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
    let app = spawn_app(&borrowed(&vars)).await;
    let webhook_url = format!("{}#{webhook_key}", app.url("/api/webhooks/confirmd"));
    let (university, wallet) = tokio::join!(
        Agent::start(exe, "Tidings University", admin_port, Role::University { webhook_url: &webhook_url, api_key: ADMIN_KEY }),
        Agent::start(exe, WALLET_LABEL, free_port(), Role::Wallet),
    );
    Campus { app, university, wallet }
}

fn invitation_id(created: &CreatedSession) -> String {
    tidings::platform::invitation::invitation_id_from_url(&created.invitation_url).expect("an invitation id in the URL")
}

fn rank(status: ConnectionStatus) -> usize {
    [Invitation, Request, Response, Active].iter().position(|s| *s == status).expect("a connect step")
}

/// Reads `socket` until the session is active; every status it shows must
/// be a step forward, and the wallet's label must come with them.
async fn steps_until_active(socket: &mut Socket) -> Vec<ConnectionStatus> {
    let ServerMessage::Connected { status, .. } = next_message(socket).await else { panic!("connected first") };
    let mut seen = vec![status];
    while seen.last() != Some(&Active) {
        let (status, label, _) = next_status(socket).await;
        assert!(rank(status) > rank(*seen.last().unwrap()), "a step back: {status:?} after {seen:?}");
        assert_eq!(label.as_deref(), Some(WALLET_LABEL));
        seen.push(status);
    }
    seen
}

/// One student: a session, its socket, the wallet scanning its QR code,
/// each step on the socket, and the session linked to the very connection
/// the university's agent made for that invitation. Returns the steps seen.
async fn connect_one(campus: &Campus) -> Vec<ConnectionStatus> {
    let created = campus.app.create_session().await;
    let mut socket = campus.app.watch(&created.session_id).await;
    campus.wallet.receive(&created.invitation_url).await;
    let steps = steps_until_active(&mut socket).await;
    let session = campus.app.session(&created.session_id).await;
    let agents = campus.university.connections_of(&invitation_id(&created)).await;
    assert_eq!(agents.len(), 1, "one connection per single-use invitation");
    assert_eq!(session.connection_id.as_ref().map(|c| c.as_str()), agents[0]["connection_id"].as_str(), "the session's own connection");
    assert_eq!(session.their_label.as_deref(), Some(WALLET_LABEL));
    steps
}

#[tokio::test]
async fn twenty_students_connect_through_real_agents_each_on_their_own_socket() {
    let Some(exe) = executable() else { return };
    let campus = campus(&exe, &[], SECRET).await;
    let mut flows = Vec::new();
    for _ in 0..5 {
        flows.push(connect_one(&campus).await);
    }
    for _ in 0..3 {
        let round = futures_util::future::join_all((0..5).map(|_| connect_one(&campus))).await;
        flows.extend(round);
    }
    assert_eq!(flows.len(), 20);
    assert!(flows.iter().all(|steps| steps.first() == Some(&Invitation) && steps.last() == Some(&Active)));
    // Webhooks can overtake each other, and a late step is then skipped,
    // never shown after a later one; most flows show every step.
    let complete = flows.iter().filter(|steps| steps.as_slice() == [Invitation, Request, Response, Active]).count();
    assert!(complete > 0, "no flow showed every step: {flows:?}");
    eprintln!("{complete} of 20 flows showed every step");
    let stats = campus.app.settled_stats().await;
    assert_eq!(stats["unmatched"], 0, "{stats}");
}

#[tokio::test]
async fn a_scan_while_tidings_was_down_shows_active_once_it_is_back() {
    let Some(exe) = executable() else { return };
    // A long stall time: what brings the session back here is the pass
    // over every open session at start-up.
    let campus = campus(&exe, &[("RECONCILE_AFTER_SECS", "600")], SECRET).await;
    let Campus { app, university, wallet } = campus;
    let created = app.create_session().await;
    let dir = app.stop().await;
    wallet.receive(&created.invitation_url).await;
    // Every webhook of the exchange is refused while Tidings is down.
    university.wait_until_active(&invitation_id(&created)).await;

    let vars: Vec<_> = acapy_vars(university.admin.rsplit(':').next().unwrap().parse().unwrap())
        .into_iter()
        .chain([("RECONCILE_AFTER_SECS", "600".to_owned())])
        .collect();
    let app = spawn_in(dir, &borrowed(&vars)).await;
    let mut socket = app.watch(&created.session_id).await;
    let ServerMessage::Connected { mut status, .. } = next_message(&mut socket).await else { panic!("connected first") };
    while status != Active {
        status = next_status(&mut socket).await.0;
    }
    assert_eq!(app.session(&created.session_id).await.their_label.as_deref(), Some(WALLET_LABEL));
    let stats = app.settled_stats().await;
    assert!(stats["reconciled"].as_i64().unwrap() >= 1, "{stats}");
    let log: Value =
        app.as_admin(Method::GET, "/api/tenants/1/activity?kind=session_reconciled").send().await.unwrap().json().await.unwrap();
    let entries = log["data"].as_array().unwrap();
    assert!(entries.iter().any(|e| e["detail"].as_str().unwrap().contains("active")), "{log}");
}

#[tokio::test]
async fn a_session_whose_webhooks_are_refused_reaches_active_by_polling_the_agent() {
    let Some(exe) = executable() else { return };
    // The agent presents a wrong key: Tidings answers 401 to every webhook.
    let campus = campus(&exe, &[("RECONCILE_AFTER_SECS", "1")], "not-the-webhook-secret").await;
    let created = campus.app.create_session().await;
    let mut socket = campus.app.watch(&created.session_id).await;
    campus.wallet.receive(&created.invitation_url).await;
    let steps = steps_until_active(&mut socket).await;
    assert_eq!(steps.last(), Some(&Active));
    let stats = campus.app.settled_stats().await;
    assert_eq!(stats["total"], stats["reconciled"], "nothing but reconciled records was stored: {stats}");
    let deliveries: Value = campus.app.as_admin(Method::GET, "/api/admin/webhook-deliveries").send().await.unwrap().json().await.unwrap();
    assert!(deliveries.to_string().contains("\"reconciled\":true"), "{deliveries}");
}

/// The inviter's webhooks in a real ACA-Py capture: `(topic, body)`.
fn captured(name: &str) -> Vec<(String, String)> {
    let path = format!("{}/tests/fixtures/acapy-1.7/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .filter(|r| r["path"].as_str().unwrap().starts_with("/webhooks/"))
        .map(|r| {
            (r["path"].as_str().unwrap().trim_start_matches("/webhooks/topic/").trim_end_matches('/').to_owned(), r["body"].to_string())
        })
        .collect()
}

#[tokio::test]
async fn a_multi_use_invitations_template_does_not_take_the_session_from_the_real_connection() {
    // The seeds' legacy mode: every session shows the organisation's one
    // multi-use invitation (the captured one).
    let url = tidings::platform::invitation::build_url(
        "http://127.0.0.1:1",
        "677fc215-b3de-4713-a43a-3c569f70e5c7",
        "Tidings University",
        "z6Mk",
    );
    let app = spawn_app(&[("LEGACY_INVITATION_URL", url.as_str())]).await;
    let created = app.create_session().await;
    let mut socket = app.watch(&created.session_id).await;
    for (topic, body) in captured("multi-use-webhooks.jsonl") {
        let request = app.http.post(app.url(&format!("/api/webhooks/confirmd/topic/{topic}/"))).header("x-api-key", SECRET);
        assert_eq!(request.header("content-type", "application/json").body(body).send().await.unwrap().status(), 200);
    }
    let ServerMessage::Connected { .. } = next_message(&mut socket).await else { panic!("connected first") };
    let mut status = Invitation;
    while status != Active {
        status = next_status(&mut socket).await.0;
    }
    let session = app.session(&created.session_id).await;
    assert_eq!(session.connection_id.as_ref().map(|c| c.as_str()), Some("b2efb0b2-05ab-44a2-a73c-bfe30d7c003b"), "the scan's connection");
    assert_eq!(session.their_label.as_deref(), Some(WALLET_LABEL));
}

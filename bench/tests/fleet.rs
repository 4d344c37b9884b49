//! The bench against a real server on loopback, its sockets spread over two
//! client processes: every socket and every update is still counted.

use app::protocol::TenantId;
use leptos::prelude::LeptosOptions;
use serde_json::Value;
use std::collections::HashMap;
use tidings::config::Settings;
use tidings::Application;

const SECRET: &str = "bench-test-webhook-secret";
const APP_SECRET: &str = "bench-test-app-secret";

/// Runs the bench binary and returns its JSON line.
async fn bench(base: &str, api_key: &str, scenario: &[&str]) -> Value {
    let pid = std::process::id().to_string();
    let common = ["--server", base, "--webhook-secret", SECRET, "--app-secret", APP_SECRET, "--api-key", api_key];
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_bench"))
        .args(common)
        .args(["--server-pid", pid.as_str()])
        .args(scenario)
        .output()
        .await
        .expect("the bench runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "bench failed: {stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    let line = stdout.lines().find(|l| l.starts_with('{')).expect("a JSON line");
    serde_json::from_str(line).expect("JSON")
}

#[tokio::test(flavor = "multi_thread")]
async fn idle_and_fanout_over_two_client_processes_count_every_socket_and_update() {
    let dir = tempfile::tempdir().unwrap();
    let vars: HashMap<String, String> = HashMap::from([
        ("TIDINGS_DATA_DIR".into(), dir.path().display().to_string()),
        ("WEBHOOK_SECRET".into(), SECRET.into()),
        ("WHATSAPP_APP_SECRET".into(), APP_SECRET.into()),
        ("WHATSAPP_SIMULATOR_AUTO".into(), "false".into()),
        ("TIDINGS_ADMIN_EMAIL".into(), "bench@test.local".into()),
        ("TIDINGS_ADMIN_PASSWORD".into(), "bench-password-1".into()),
    ]);
    let settings = Settings::from_lookup(&move |k| vars.get(k).cloned()).expect("settings");
    let options = LeptosOptions::builder().output_name("tidings").site_addr("127.0.0.1:0".parse::<std::net::SocketAddr>().unwrap()).build();
    let app = Application::build(settings.clone(), options).await.expect("app builds");
    let base = format!("http://{}", app.local_addr());
    let server = tokio::spawn(app.run_until_stopped(std::future::pending()));
    let store = tidings::store::connect(&settings.database_url).await.unwrap();
    let key = tidings::accounts::create_api_key(store.as_ref(), TenantId(1), "bench", None).await.unwrap().secret;

    let idle = bench(&base, &key, &["idle", "--sockets", "40", "--hold-secs", "1", "--processes", "2"]).await;
    assert_eq!((idle["connect_failures"].as_u64(), idle["still_up"].as_u64()), (Some(0), Some(40)), "{idle}");

    let fanout = bench(&base, &key, &["fanout", "--sockets", "30", "--messages", "3", "--processes", "2"]).await;
    assert_eq!(fanout["missed"].as_u64(), Some(0), "{fanout}");
    assert!(fanout["per_socket_p50_ms"].as_f64().is_some(), "every socket timed its updates: {fanout}");
    server.abort();
}

//! The machine's floors run on their own (no server) and account for every
//! frame and round trip they were asked for.

use serde_json::Value;

fn floor(args: &[&str]) -> Value {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_bench")).args(args).output().expect("the bench runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "bench failed: {stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_str(stdout.lines().find(|l| l.starts_with('{')).expect("a JSON line")).expect("JSON")
}

#[test]
fn the_fanout_floor_times_every_socket_of_every_message() {
    let report = floor(&["floor-fanout", "--sockets", "20", "--messages", "3"]);
    assert_eq!((report["sockets"].as_u64(), report["messages"].as_u64()), (Some(20), Some(3)), "{report}");
    let (p50, max) = (report["per_socket_p50_ms"].as_f64().unwrap(), report["all_sockets_max_ms"].as_f64().unwrap());
    assert!(0.0 < p50 && p50 <= max, "{report}");
}

#[test]
fn the_request_floor_completes_every_round_trip() {
    let report = floor(&["floor-requests", "--count", "500", "--connections", "8"]);
    assert_eq!(report["requests"].as_u64(), Some(500), "{report}");
    assert!(report["round_trips_per_s"].as_f64().unwrap() > 0.0, "{report}");
}

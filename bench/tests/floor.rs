//! The machine's floors run on their own (no server) and account for every
//! frame, round trip and request they were asked for.

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

#[test]
fn the_pooled_floor_answers_every_request_and_stops_its_child() {
    let report = floor(&["floor-pooled", "--count", "300", "--connections", "4"]);
    assert_eq!((report["requests"].as_u64(), report["non_2xx"].as_u64()), (Some(300), Some(0)), "{report}");
    assert!(report["answer_p50_ms"].as_f64().unwrap() > 0.0, "{report}");
    // Read in clock ticks of 10 ms: a short run may have used none.
    assert!(report["server_cpu_us_per_request"].as_f64().is_some_and(|us| us >= 0.0), "{report}");
    // The answering child is gone once the bench has reported.
    let children = std::process::Command::new("pgrep").args(["-f", "bench floor-answer"]).output().expect("pgrep runs");
    assert!(children.stdout.is_empty(), "an answering child outlived the bench: {}", String::from_utf8_lossy(&children.stdout));
}

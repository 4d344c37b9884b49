//! Logs. `RUST_LOG` picks the level (default: info for Tidings, warn for
//! dependencies); `LOG_FORMAT=json` writes one JSON object per line. A
//! refused request is logged with its request id; with
//! `RUST_LOG=tidings=debug` every line logged while answering a request
//! carries the request's span (method, path, request id). Read from the
//! environment itself: logging starts before the settings are read, so
//! that what reading them logs is kept.

use tracing_subscriber::EnvFilter;

pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn,tidings=info,tower_http=warn"));
    let json = std::env::var("LOG_FORMAT").is_ok_and(|v| v.eq_ignore_ascii_case("json"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    let _ = if json { builder.json().with_current_span(true).with_span_list(false).try_init() } else { builder.try_init() };
}

//! The headers every page is served with: a Content-Security-Policy that
//! lets scripts and WebAssembly come from this site only (plus the
//! hydration script, by this response's nonce), and no framing.
//! `X-Content-Type-Options` and `Referrer-Policy` are set by the server
//! for every response.

use leptos::prelude::*;

/// Adds this page's Content-Security-Policy to the response.
pub fn content_security_policy(options: &LeptosOptions) {
    let Some(response) = use_context::<leptos_axum::ResponseOptions>() else { return };
    let nonce = leptos::nonce::use_nonce().map(|n| format!(" 'nonce-{n}'")).unwrap_or_default();
    // `cargo leptos watch` reloads the page over a socket of its own.
    let reload = if std::env::var("LEPTOS_WATCH").is_ok() { format!(" ws://*:{}", options.reload_port) } else { String::new() };
    let policy = format!(
        "default-src 'self'; script-src 'self'{nonce} 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data:; connect-src 'self'{reload}; object-src 'none'; base-uri 'none'; form-action 'self'; \
         frame-ancestors 'none'"
    );
    if let Ok(value) = http::HeaderValue::from_str(&policy) {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

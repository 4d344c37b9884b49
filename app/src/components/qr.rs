//! A QR code of a deep link, drawn as inline SVG by the `qrcode` crate.

use leptos::prelude::*;

/// Renders `value` as a scannable QR code. Out-of-band invitations are long,
/// so the lowest error-correction level keeps the modules large enough for a
/// phone camera.
/// The SVG is built from our own
/// encoder's output (no user-controlled markup), so setting it as inner HTML
/// is safe.
#[component]
pub fn QrCode(#[prop(into)] value: Signal<String>, #[prop(into)] label: String) -> impl IntoView {
    let svg = move || {
        let value = value.get();
        qrcode::QrCode::with_error_correction_level(value.as_bytes(), qrcode::EcLevel::L)
            .map(|code| code.render::<qrcode::render::svg::Color>().min_dimensions(280, 280).quiet_zone(true).build())
            .unwrap_or_default()
    };
    view! { <div class="qr" role="img" aria-label=label inner_html=svg></div> }
}

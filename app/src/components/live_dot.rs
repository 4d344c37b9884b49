//! The live-connection dot: tells a person whether what they see is current.

use crate::client::LinkState;
use leptos::prelude::*;

#[component]
pub fn LiveDot(#[prop(into)] state: Signal<LinkState>) -> impl IntoView {
    view! {
        <span class="live" role="status" data-link=move || format!("{:?}", state.get()).to_lowercase()>
            <span class=move || state.get().css_class() aria-hidden="true"></span>
            <span class="live-label">{move || state.get().label()}</span>
        </span>
    }
}

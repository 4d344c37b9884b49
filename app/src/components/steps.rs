//! The step indicator of the connect flow: invitation → request → response →
//! active, each ticked as the platform reports it.

use crate::protocol::ConnectionStatus;
use leptos::prelude::*;

fn step_name(step: ConnectionStatus) -> &'static str {
    match step {
        ConnectionStatus::Invitation => "Invitation",
        ConnectionStatus::Request => "Request",
        ConnectionStatus::Response => "Response",
        _ => "Active",
    }
}

/// How far `status` has come, as an index into [`ConnectionStatus::STEPS`].
fn reached(status: ConnectionStatus) -> usize {
    match status {
        ConnectionStatus::Invitation | ConnectionStatus::Error | ConnectionStatus::Abandoned => 0,
        ConnectionStatus::Request => 1,
        ConnectionStatus::Response => 2,
        ConnectionStatus::Active | ConnectionStatus::Completed => 3,
    }
}

#[component]
pub fn StepIndicator(#[prop(into)] status: Signal<ConnectionStatus>) -> impl IntoView {
    let steps = ConnectionStatus::STEPS.iter().enumerate().map(|(i, step)| {
        let state = move || {
            let at = reached(status.get());
            if i < at || (i == at && status.get().is_connected()) {
                "step done"
            } else if i == at {
                "step current"
            } else {
                "step todo"
            }
        };
        view! {
            <li class=state data-step=step.as_str()>
                <span class="step-mark" aria-hidden="true">{i + 1}</span>
                <span class="step-name">{step_name(*step)}</span>
            </li>
        }
    });
    view! { <ol class="steps" aria-label="Connection progress">{steps.collect_view()}</ol> }
}

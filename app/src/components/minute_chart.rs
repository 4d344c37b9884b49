//! The delivery log's last 24 hours as a bar per minute: what arrived
//! (grey), how much of it is applied (green), and what failed at least
//! once (red). Plain SVG, drawn from the counts; no chart library.

use crate::protocol::MinuteCounts;
use chrono::{Duration, Utc};
use leptos::prelude::*;

/// Minutes shown: the last 24 hours.
const MINUTES: i64 = 24 * 60;
const HEIGHT: f64 = 60.0;

#[component]
pub fn MinuteChart(counts: Signal<Vec<MinuteCounts>>) -> impl IntoView {
    let bars = move || {
        let counts = counts.get();
        let start = Utc::now() - Duration::minutes(MINUTES);
        let peak = counts.iter().map(|c| c.received).max().unwrap_or(0).max(1) as f64;
        let height = move |n: i64| n as f64 / peak * HEIGHT;
        counts
            .into_iter()
            .filter_map(|c| {
                let x = (c.minute - start).num_minutes();
                (0..MINUTES).contains(&x).then_some((x, c))
            })
            .map(|(x, c)| {
                let title = format!("{}: {} received, {} applied, {} failed", c.minute.format("%H:%M"), c.received, c.applied, c.failed);
                view! {
                    <g data-minute=c.minute.to_rfc3339()>
                        <title>{title}</title>
                        <rect class="received" x=x y=HEIGHT - height(c.received) width="1" height=height(c.received)/>
                        <rect class="applied" x=x y=HEIGHT - height(c.applied) width="1" height=height(c.applied)/>
                        <rect class="failed" x=x y=HEIGHT - height(c.failed) width="1" height=height(c.failed)/>
                    </g>
                }
            })
            .collect_view()
    };
    let totals = move || {
        counts.with(|c| {
            let sum = |f: fn(&MinuteCounts) -> i64| c.iter().map(f).sum::<i64>();
            format!("last 24 h: {} received, {} applied, {} failed", sum(|m| m.received), sum(|m| m.applied), sum(|m| m.failed))
        })
    };
    view! {
        <figure class="minute-chart">
            <svg viewBox=format!("0 0 {MINUTES} {HEIGHT}") preserveAspectRatio="none" role="img" aria-label="Deliveries per minute">
                {bars}
            </svg>
            <figcaption>{totals}</figcaption>
        </figure>
    }
}

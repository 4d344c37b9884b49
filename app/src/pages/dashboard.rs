//! `/dashboard`: today's orders and revenue, payment status breakdown, a
//! chart of orders by hour, recent orders and an activity stream, re-read
//! whenever the tenant's socket says `dashboard-refresh`.

use super::lazy::StaffBoard;
use crate::client;
use crate::components::bell::use_tenant_live;
use crate::protocol::{DashboardSummary, PaymentStatus};
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn DashboardPage() -> impl IntoView {
    view! { <StaffBoard board=dashboard_board/> }
}

lazy_board!(dashboard_board, Dashboard);

fn status_name(s: PaymentStatus) -> String {
    serde_json::to_value(s).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

#[component]
fn Dashboard() -> impl IntoView {
    let live = use_tenant_live();
    let summary = RwSignal::new(DashboardSummary::default());
    Effect::new(move |_| {
        live.refresh_tick.track();
        let Some(tenant) = live.tenant.get() else { return };
        spawn_local(async move {
            if let Ok(s) = client::dashboard(tenant).await {
                summary.set(s);
            }
        });
    });
    let chart = move || {
        let hours = summary.with(|s| s.orders_by_hour.clone());
        let max = hours.iter().copied().max().unwrap_or(0).max(1) as f64;
        hours
            .into_iter()
            .enumerate()
            .map(|(h, n)| {
                let height = n as f64 / max * 100.0;
                view! {
                    <rect x=h * 12 y=format!("{:.1}", 100.0 - height) width="9" height=format!("{height:.1}") class="chart-bar">
                        <title>{format!("{h:02}:00 UTC: {n} orders")}</title>
                    </rect>
                }
            })
            .collect_view()
    };
    view! {
        <section class="card">
            <div class="card-head">
                <div>
                    <p class="eyebrow">"Today"</p>
                    <h1>"Dashboard"</h1>
                </div>
                <span class=move || live.link.get().css_class() title=move || live.link.get().label()></span>
            </div>
            <div class="analytics">
                <div class="stat" data-stat="orders">
                    <span class="stat-value">{move || summary.with(|s| s.today_orders)}</span>
                    <span class="stat-label">"orders today"</span>
                </div>
                <div class="stat" data-stat="revenue">
                    <span class="stat-value">{move || summary.with(|s| format!("{:.2}", s.today_revenue))}</span>
                    <span class="stat-label">"revenue today (paid)"</span>
                </div>
                {move || summary.with(|s| s.payments.iter().map(|(status, n)| {
                    let name = status_name(*status);
                    view! {
                        <div class="stat" data-stat=format!("payments-{name}")>
                            <span class="stat-value">{*n}</span>
                            <span class="stat-label">{format!("payments {name}")}</span>
                        </div>
                    }
                }).collect_view())}
            </div>
            <svg class="chart" viewBox="0 0 288 100" preserveAspectRatio="none" role="img" aria-label="Orders by hour today">{chart}</svg>
            <div class="wa-grid">
                <div>
                    <h2>"Recent orders"</h2>
                    <table class="plain orders">
                        <thead><tr><th>"Order"</th><th>"Customer"</th><th>"Amount"</th><th>"Status"</th></tr></thead>
                        <tbody>
                            {move || summary.with(|s| s.recent_orders.iter().map(|o| view! {
                                <tr data-order=o.order_number.clone()>
                                    <td>{o.order_number.clone()}</td>
                                    <td>{o.customer_name.clone().unwrap_or_default()}</td>
                                    <td>{format!("{:.2}", o.amount)}</td>
                                    <td class="order-status">{serde_json::to_value(o.status).ok().and_then(|v| v.as_str().map(str::to_owned))}</td>
                                </tr>
                            }).collect_view())}
                        </tbody>
                    </table>
                </div>
                <aside class="conversation">
                    <h2>"Activity"</h2>
                    <ul class="replies">
                        {move || summary.with(|s| s.activity.iter().map(|a| view! { <li class="reply">{a.text.clone()}</li> }).collect_view())}
                    </ul>
                </aside>
            </div>
        </section>
    }
}

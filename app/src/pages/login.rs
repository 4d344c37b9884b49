//! `/login`: staff sign in with email and password, then go back where they
//! were heading.

use crate::auth::use_auth;
use crate::client;
use crate::protocol::check_link;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_query_map};

/// Only local paths, so the login page cannot be used to send people
/// elsewhere.
fn safe_next(next: Option<String>) -> String {
    next.filter(|n| n.starts_with('/') && check_link(n).is_ok()).unwrap_or_else(|| "/whatsapp".into())
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let auth = use_auth();
    let next = safe_next(use_query_map().with_untracked(|q| q.get("next")));
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let navigate = use_navigate();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        error.set(None);
        let (navigate, next) = (navigate.clone(), next.clone());
        spawn_local(async move {
            match client::login(&email.get_untracked(), &password.get_untracked()).await {
                Ok(me) => {
                    auth.me.set(Some(me));
                    navigate(&next, Default::default());
                }
                Err(err) => error.set(Some(err)),
            }
            busy.set(false);
        });
    };
    view! {
        <section class="card narrow">
            <p class="eyebrow">"Staff"</p>
            <h1>"Sign in"</h1>
            <form class="stack" on:submit=submit>
                <label>
                    "Email"
                    <input type="email" required autocomplete="username" bind:value=email/>
                </label>
                <label>
                    "Password"
                    <input type="password" required autocomplete="current-password" bind:value=password/>
                </label>
                <button class="button primary" type="submit" disabled=move || busy.get()>
                    {move || if busy.get() { "Signing in…" } else { "Sign in" }}
                </button>
                <Show when=move || error.with(Option::is_some)>
                    <p class="alert" role="alert">{move || error.get()}</p>
                </Show>
            </form>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn sends_people_only_to_local_pages() {
        assert_eq!(safe_next(Some("/settings?tenant=2".into())), "/settings?tenant=2");
        assert_eq!(safe_next(Some("//evil.example".into())), "/whatsapp");
        assert_eq!(safe_next(Some("/\\evil.example".into())), "/whatsapp");
        assert_eq!(safe_next(Some("https://evil.example".into())), "/whatsapp");
        assert_eq!(safe_next(None), "/whatsapp");
    }
}

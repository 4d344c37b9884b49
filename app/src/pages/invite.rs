//! `/invite?token=…`: joining a tenant with the link its admin handed over.
//! Signed in as the invited email, one click joins; signed out, a new
//! account is made with the password chosen here. An existing account signs
//! in first (the link never hands one over).

use crate::auth::use_auth;
use crate::client;
use crate::protocol::{InvitationView, Role};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_query_map};

#[component]
pub fn InvitePage() -> impl IntoView {
    let auth = use_auth();
    let token = use_query_map().with_untracked(|q| q.get("token")).unwrap_or_default();
    let invitation = RwSignal::new(None::<InvitationView>);
    let error = RwSignal::new(None::<String>);
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    {
        let token = token.clone();
        Effect::new(move |_| {
            let token = token.clone();
            spawn_local(async move {
                match client::invitation(&token).await {
                    Ok(found) => invitation.set(Some(found)),
                    Err(err) => error.set(Some(err)),
                }
            });
        });
    }
    let navigate = use_navigate();
    let signed_in = move || auth.me.with(Option::is_some);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        error.set(None);
        let (token, navigate) = (token.clone(), navigate.clone());
        let new_account = !signed_in();
        spawn_local(async move {
            let (password, name) = (password.get_untracked(), name.get_untracked());
            let chosen = new_account.then_some(password.as_str());
            match client::accept_invitation(&token, chosen, new_account.then_some(name.as_str())).await {
                Ok(me) => {
                    auth.me.set(Some(me));
                    navigate("/settings", Default::default());
                }
                Err(err) => error.set(Some(err)),
            }
            busy.set(false);
        });
    };
    let next = move || {
        let here = use_query_map().with_untracked(|q| q.get("token")).unwrap_or_default();
        format!("/login?next=%2Finvite%3Ftoken%3D{here}")
    };
    view! {
        <section class="card narrow">
            <p class="eyebrow">"Invitation"</p>
            {move || invitation.get().map(|i| view! {
                <h1>{format!("Join {}", i.tenant_name)}</h1>
                <p>{format!("As {}, for {}.", if i.role == Role::Admin { "an admin" } else { "staff" }, i.email)}</p>
            })}
            <Show when=move || invitation.with(Option::is_some)>
                <form class="stack" on:submit=submit.clone()>
                    <Show when=move || !signed_in()>
                        <label>"Your name" <input autocomplete="name" bind:value=name/></label>
                        <label>
                            "Choose a password"
                            <input type="password" minlength="10" required autocomplete="new-password" bind:value=password/>
                        </label>
                        <p class="muted small">"Already have an account? " <a href=next>"Sign in first"</a> "."</p>
                    </Show>
                    <button class="button primary" type="submit" disabled=move || busy.get()>"Join"</button>
                </form>
            </Show>
            <Show when=move || error.with(Option::is_some)>
                <p class="alert" role="alert">{move || error.get()}</p>
            </Show>
        </section>
    }
}

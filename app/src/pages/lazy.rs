//! Staff pages' boards, loaded when first shown. A student's phone opens
//! `/register/connect` and should not download the code of every staff
//! page first. A staff page's board is only ever drawn in the browser, once
//! the sign-in is checked (the server renders "Checking your sign-in…"),
//! so nothing of it is hydrated: built with the `split` feature (and
//! `cargo leptos --split`), each board is a WebAssembly module of its own,
//! fetched when it is first drawn. Without it (debug builds, `cargo leptos
//! watch`) the boards are in the one module.

use crate::auth::RequireStaff;
use leptos::prelude::*;
use std::future::Future;

/// A staff page: its board once the sign-in is checked, after its code.
#[component]
pub fn StaffBoard<F>(board: fn() -> F) -> impl IntoView
where
    F: Future<Output = AnyView> + Send + 'static,
{
    view! {
        <RequireStaff>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(board())}
            </Suspense>
        </RequireStaff>
    }
}

/// Declares `async fn $name() -> AnyView` drawing `$board`: a function of a
/// WebAssembly module of its own in a split build. (`$name` names the
/// module, so it must be unique in the crate.)
macro_rules! lazy_board {
    ($name:ident, $board:ident) => {
        #[cfg_attr(feature = "split", leptos::lazy($name))]
        async fn $name() -> leptos::prelude::AnyView {
            leptos::prelude::IntoAny::into_any(leptos::prelude::view! { <$board/> })
        }
    };
}

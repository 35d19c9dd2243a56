//! The frame of the pages used without a session: sign in, sign up, password reset, and the
//! pages emailed links open (set-up, invitation, join, email confirmation).

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

/// One centred card under the Roster name; the page's own `<main>`.
#[component]
pub fn AuthCard(children: Children) -> impl IntoView {
    view! {
        <main class="auth-page" id="main">
            <div class="auth-card">
                <p class="auth-brand">"Roster"</p>
                {children()}
            </div>
        </main>
    }
}

/// The secret of the emailed link this page was opened from (`/…/<token>`).
pub fn use_link_token() -> Memo<String> {
    let params = use_params_map();
    Memo::new(move |_| params.read().get("token").unwrap_or_default())
}

/// Sends the link's secret back with the page's form.
#[component]
pub fn TokenInput(token: Memo<String>) -> impl IntoView {
    view! { <input type="hidden" name="token" value=token.get_untracked() /> }
}

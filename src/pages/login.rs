use crate::{
    api::auth::SignIn,
    components::{
        auth_card::AuthCard,
        field::{Field, FormAlert},
        me::SignedIn,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::Redirect, hooks::use_query_map};

/// `/login`: email and password.
#[component]
pub fn LoginPage() -> impl IntoView {
    // Someone already signed in goes to the first page they may use.
    let signed_in = match expect_context::<SignedIn>().0 {
        Ok(Some(me)) => Some(me.landing()),
        _ => None,
    };
    let action = ServerAction::<SignIn>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let next = use_query_map().read_untracked().get("next").unwrap_or_default();
    view! {
        <Title text="Sign in" />
        {signed_in.map(|path| view! { <Redirect path /> })}
        <AuthCard>
            <h1>"Sign in"</h1>
            <ActionForm action>
                <FormAlert error />
                <Field label="Email" name="email" kind="email" autocomplete="username" error />
                <Field
                    label="Password"
                    name="password"
                    kind="password"
                    autocomplete="current-password"
                    error
                />
                <p class="forgot"><a href="/reset">"Forgot password?"</a></p>
                <input type="hidden" name="next" value=next />
                <button type="submit" class="primary wide" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Signing in…" } else { "Sign in" }}
                </button>
            </ActionForm>
            <p class="auth-switch">"New to Roster? " <a href="/signup">"Create a company"</a></p>
        </AuthCard>
    }
}

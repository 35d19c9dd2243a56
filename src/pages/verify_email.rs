use crate::{api::profile::VerifyEmail, components::field::FormAlert, error::AppError};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// `/verify-email/<token>`: the link emailed to a new address. Opening it changes nothing (mail
/// scanners open links too); "Confirm new email" makes the address the login.
#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let params = use_params_map();
    let token = Memo::new(move |_| params.read().get("token").unwrap_or_default());
    let action = ServerAction::<VerifyEmail>::new();
    let error = Signal::derive(move || {
        action.value().get().and_then(Result::err).map(|e| match e {
            AppError::LinkExpired => AppError::Invalid {
                field: None,
                message:
                    "This link has expired or was already used. Start the change again from your profile."
                        .into(),
            },
            other => other,
        })
    });
    let done = Signal::derive(move || action.value().get().and_then(Result::ok));
    view! {
        <Title text="Confirm new email" />
        <main class="auth-page" id="main">
            <div class="auth-card">
                <p class="auth-brand">"Roster"</p>
                <h1>"Confirm your new email"</h1>
                <Show when=move || done.get().is_some()
                    fallback=move || view! {
                        <p class="lead">"Confirm to sign in to Roster with this address from now on."</p>
                        <ActionForm action>
                            <FormAlert error />
                            <input type="hidden" name="token" value=token.get_untracked() />
                            <button type="submit" class="primary wide" disabled=move || action.pending().get()>
                                "Confirm new email"
                            </button>
                        </ActionForm>
                    }>
                    <p class="lead" role="status">
                        {move || format!("Done. You now sign in with {}.", done.get().unwrap_or_default())}
                    </p>
                    <p><a href="/profile" rel="external">"Go to your profile"</a></p>
                </Show>
            </div>
        </main>
    }
}

//! Password reset: `/reset` asks for the email (the answer is the same for every address),
//! `/reset/<token>` sets the new password from the emailed link and signs in afresh.

use crate::{
    api::reset::{reset_info, FinishReset, RequestReset},
    components::{
        auth_card::{use_link_token, AuthCard, TokenInput},
        field::{Field, FormAlert, NewPasswordField},
    },
};
use leptos::prelude::*;
use leptos_meta::Title;

/// `/reset`: "Forgot password?".
#[component]
pub fn ResetRequestPage() -> impl IntoView {
    let action = ServerAction::<RequestReset>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let sent = Signal::derive(move || action.value().get().and_then(Result::ok));
    view! {
        <Title text="Reset your password" />
        <AuthCard>
            <h1>"Reset your password"</h1>
            <Show
                when=move || sent.get().is_some()
                fallback=move || view! {
                    <p class="lead">"Enter the email you sign in with. We'll email you a link to choose a new password."</p>
                    <ActionForm action>
                        <FormAlert error />
                        <Field label="Email" name="email" kind="email" autocomplete="username" maxlength=254 error />
                        <button type="submit" class="primary wide" disabled=move || action.pending().get()>
                            {move || if action.pending().get() { "Sending…" } else { "Send reset link" }}
                        </button>
                    </ActionForm>
                }
            >
                <p class="auth-done" role="status">{move || sent.get()}</p>
            </Show>
            <p class="auth-switch"><a href="/login">"Back to sign in"</a></p>
        </AuthCard>
    }
}

/// `/reset/<token>`: the page the emailed link opens.
#[component]
pub fn ResetPage() -> impl IntoView {
    let token = use_link_token();
    let info = Resource::new(move || token.get(), reset_info);
    let action = ServerAction::<FinishReset>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    view! {
        <Title text="Choose a new password" />
        <AuthCard>
            <Suspense fallback=|| view! { <p class="loading">"Checking your link…"</p> }>
                {move || Suspend::new(async move {
                    match info.await {
                        Err(_) => view! {
                            <h1>"This link no longer works"</h1>
                            <p role="alert">
                                "Reset links work once and for one hour. Ask for a new one and use the latest email."
                            </p>
                            <p><a class="button primary wide" href="/reset">"Send a new link"</a></p>
                        }
                        .into_any(),
                        Ok(link) => view! {
                            <h1>"Choose a new password"</h1>
                            <p class="lead">
                                {format!("For {} at {}. You'll be signed out everywhere else.", link.email, link.company_name)}
                            </p>
                            <ActionForm action>
                                <FormAlert error />
                                <TokenInput token />
                                <NewPasswordField label="New password" error />
                                <button type="submit" class="primary wide" disabled=move || action.pending().get()>
                                    "Set password and sign in"
                                </button>
                            </ActionForm>
                        }
                        .into_any(),
                    }
                })}
            </Suspense>
        </AuthCard>
    }
}

//! Asking to join a company: `/join/<code>` (Name, Email, Password), then the emailed
//! `/join/verify/<token>` confirms the address and the request waits for an admin.

use crate::{
    api::join::{join_link_info, RequestJoin, VerifyJoin},
    components::{
        auth_card::{use_link_token, AuthCard, TokenInput},
        field::{Field, FormAlert, NewPasswordField},
        notice::ErrorNotice,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// `/join/<code>`: the join form of a company that takes requests.
#[component]
pub fn JoinPage() -> impl IntoView {
    let params = use_params_map();
    let code = Memo::new(move |_| params.read().get("code").unwrap_or_default());
    let info = Resource::new(move || code.get(), join_link_info);
    let action = ServerAction::<RequestJoin>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let sent = Signal::derive(move || action.value().get().and_then(Result::ok));
    view! {
        <Title text="Ask to join" />
        <AuthCard>
            <Suspense fallback=|| view! { <p class="loading">"Checking the link…"</p> }>
                {move || Suspend::new(async move {
                    match info.await {
                        Err(error) => view! {
                            <h1>"You can't join with this link"</h1>
                            <p role="alert">{error.to_string()}</p>
                        }
                        .into_any(),
                        Ok(company) => view! {
                            <h1>{format!("Ask to join {}", company.company_name)}</h1>
                            <Show
                                when=move || sent.get().is_some()
                                fallback=move || view! {
                                    <p class="lead">"An admin reviews your request after you confirm your email."</p>
                                    <ActionForm action>
                                        <FormAlert error />
                                        <input type="hidden" name="code" value=code.get_untracked() />
                                        <Field label="Name" name="name" autocomplete="name" maxlength=100 error />
                                        <Field label="Email" name="email" kind="email" autocomplete="email" maxlength=254 error />
                                        <NewPasswordField error />
                                        <button type="submit" class="primary wide" disabled=move || action.pending().get()>
                                            {move || if action.pending().get() { "Sending…" } else { "Ask to join" }}
                                        </button>
                                    </ActionForm>
                                }
                            >
                                <p class="auth-done" role="status">{move || sent.get()}</p>
                                <p class="hint">"The link in the email works for 24 hours."</p>
                            </Show>
                        }
                        .into_any(),
                    }
                })}
            </Suspense>
            <p class="auth-switch">"Already have an account? " <a href="/login">"Sign in"</a></p>
        </AuthCard>
    }
}

/// `/join/verify/<token>`: confirms the address with a button (so a mail scanner that opens
/// links confirms nothing), then says what happens next.
#[component]
pub fn JoinVerifyPage() -> impl IntoView {
    let token = use_link_token();
    let action = ServerAction::<VerifyJoin>::new();
    view! {
        <Title text="Confirm your email" />
        <AuthCard>
            {move || match action.value().get() {
                Some(Ok(company)) => view! {
                    <h1>"Email confirmed"</h1>
                    <p role="status">
                        {format!("Thanks. An admin of {company} will review your request; we'll email you when it's approved.")}
                    </p>
                    <p class="auth-switch"><a href="/login">"Go to sign in"</a></p>
                }
                .into_any(),
                Some(Err(error)) => view! {
                    <h1>"This link no longer works"</h1>
                    <ErrorNotice error />
                }
                .into_any(),
                None => view! {
                    <h1>"Confirm your email"</h1>
                    <p class="lead">"Confirm that this address is yours to send your request to an admin."</p>
                    <ActionForm action>
                        <TokenInput token />
                        <button type="submit" class="primary wide" disabled=move || action.pending().get()>
                            "Confirm my email address"
                        </button>
                    </ActionForm>
                }
                .into_any(),
            }}
        </AuthCard>
    }
}

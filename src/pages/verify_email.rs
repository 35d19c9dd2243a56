use crate::{
    api::profile::VerifyEmail,
    components::{
        auth_card::{use_link_token, AuthCard, TokenInput},
        field::FormAlert,
    },
    error::AppError,
};
use leptos::prelude::*;
use leptos_meta::Title;

/// `/verify-email/<token>`: the link emailed to confirm an address, a new login's or a new
/// company owner's. Opening it changes nothing (mail scanners open links too); "Confirm
/// email" does.
#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let token = use_link_token();
    let action = ServerAction::<VerifyEmail>::new();
    let error = Signal::derive(move || {
        action.value().get().and_then(Result::err).map(|e| match e {
            AppError::LinkExpired => AppError::Invalid {
                field: None,
                message:
                    "This link has expired or was already used. Ask for a new one from your profile, or from Settings if you created the company."
                        .into(),
            },
            other => other,
        })
    });
    let done = Signal::derive(move || action.value().get().and_then(Result::ok));
    view! {
        <Title text="Confirm your email" />
        <AuthCard>
            <h1>"Confirm your email"</h1>
            <Show when=move || done.get().is_some()
                fallback=move || view! {
                    <p class="lead">"Confirm that this address is yours."</p>
                    <ActionForm action>
                        <FormAlert error />
                        <TokenInput token />
                        <button type="submit" class="primary wide" disabled=move || action.pending().get()>
                            "Confirm email"
                        </button>
                    </ActionForm>
                }>
                <p class="lead" role="status">
                    {move || done.get().map(|v| if v.changed {
                        format!("Done. You now sign in with {}.", v.email)
                    } else {
                        format!("Done. {} is confirmed: Roster can now send invitations for your company.", v.email)
                    })}
                </p>
                <p><a href="/profile" rel="external">"Go to your profile"</a></p>
            </Show>
        </AuthCard>
    }
}

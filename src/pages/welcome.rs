use crate::{
    api::welcome::{welcome_info, FinishWelcome},
    components::{
        auth_card::{use_link_token, AuthCard, TokenInput},
        field::{FormAlert, NewPasswordField},
        notice::ErrorNotice,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;

/// `/welcome/<token>`: the page an emailed set-up or reactivation link opens.
#[component]
pub fn WelcomePage() -> impl IntoView {
    let token = use_link_token();
    let info = Resource::new(move || token.get(), welcome_info);
    let action = ServerAction::<FinishWelcome>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    view! {
        <Title text="Welcome" />
        <AuthCard>
            <Suspense fallback=|| view! { <p class="loading">"Checking your link…"</p> }>
                {move || Suspend::new(async move {
                    match info.await {
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                        Ok(link) => {
                            let heading = if link.reactivation {
                                format!("Welcome back to {}", link.company_name)
                            } else {
                                format!("Welcome to {}", link.company_name)
                            };
                            let (label, hint) = if link.has_password {
                                ("New password (optional)", "Leave empty to keep your current password.")
                            } else {
                                ("Choose a password", "At least 8 characters. A few unrelated words make a strong password.")
                            };
                            view! {
                                <h1>{heading}</h1>
                                <p class="lead">{format!("{}, you will sign in as {}.", link.name, link.email)}</p>
                                <ActionForm action>
                                    <FormAlert error />
                                    <TokenInput token />
                                    <NewPasswordField label hint optional=link.has_password error />
                                    <button type="submit" class="primary wide" disabled=move || action.pending().get()>
                                        "Continue to Roster"
                                    </button>
                                </ActionForm>
                            }
                            .into_any()
                        }
                    }
                })}
            </Suspense>
        </AuthCard>
    }
}

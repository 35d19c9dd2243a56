use crate::{
    api::invitations::{invitation_info, AcceptInvitation},
    components::{
        auth_card::{use_link_token, AuthCard, TokenInput},
        field::{Field, FormAlert, NewPasswordField},
        notice::ErrorNotice,
    },
    error::AppError,
};
use leptos::prelude::*;
use leptos_meta::Title;

/// `/invite/<token>`: the page an emailed invitation opens. The person chooses their name and a
/// password; the email is the invitation's and cannot be changed here.
#[component]
pub fn AcceptInvitePage() -> impl IntoView {
    let token = use_link_token();
    let info = Resource::new(move || token.get(), invitation_info);
    let action = ServerAction::<AcceptInvitation>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    view! {
        <Title text="Accept invitation" />
        <AuthCard>
            <Suspense fallback=|| view! { <p class="loading">"Checking your invitation…"</p> }>
                {move || Suspend::new(async move {
                    match info.await {
                        // One message for used, withdrawn, expired and unknown links.
                        Err(AppError::LinkExpired) => view! {
                            <section class="notice" role="alert">
                                <h1>"This invitation can't be used"</h1>
                                <p>"The link has expired, was withdrawn, or was already used. Ask the person who invited you to send a new invitation."</p>
                                <p><a href="/login">"Go to sign in"</a></p>
                            </section>
                        }
                        .into_any(),
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                        Ok(link) => view! {
                            <h1>{format!("Join {}", link.company_name)}</h1>
                            <p class="lead">{format!("{} invited you to {} on Roster.", link.invited_by, link.company_name)}</p>
                            <ActionForm action>
                                <FormAlert error />
                                <TokenInput token />
                                <div class="field">
                                    <label for="invite-email">"Email"</label>
                                    <input id="invite-email" type="email" value=link.email readonly=true aria-describedby="invite-email-hint" />
                                    <p class="hint" id="invite-email-hint">"You will sign in with this email address."</p>
                                </div>
                                <Field label="Name" name="name" autocomplete="name" maxlength=100 value=link.name error />
                <NewPasswordField error />
                                <button type="submit" class="primary wide" disabled=move || action.pending().get()>
                                    "Accept invitation"
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

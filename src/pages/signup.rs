use crate::{
    api::auth::SignUp,
    components::{
        auth_card::AuthCard,
        field::{Field, FormAlert, NewPasswordField},
    },
};
use leptos::prelude::*;
use leptos_meta::Title;

/// `/signup`: creates a company; its creator becomes the owner and is signed in.
#[component]
pub fn SignupPage() -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    view! {
        <Title text="Create a company" />
        <AuthCard>
            <h1>"Create your company"</h1>
            <p class="lead">"You will be its owner, and can invite your people next."</p>
            <ActionForm action>
                <FormAlert error />
                <Field label="Company name" name="company_name" autocomplete="organization" maxlength=100 error />
                <Field label="Your name" name="name" autocomplete="name" maxlength=100 error />
                <Field label="Email" name="email" kind="email" autocomplete="email" maxlength=254 error />
                <NewPasswordField error />
                <button type="submit" class="primary wide" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Creating…" } else { "Create company" }}
                </button>
            </ActionForm>
            <p class="auth-switch">"Already use Roster? " <a href="/login">"Sign in"</a></p>
        </AuthCard>
    }
}

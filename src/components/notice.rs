//! Full-page notices: no access, and errors.

use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;

/// What a user sees on a page their role does not allow.
#[component]
pub fn NoAccess() -> impl IntoView {
    view! {
        <Title text="No access" />
        <section class="notice" aria-labelledby="no-access-title">
            <h1 id="no-access-title">"You don't have access"</h1>
            <p>"Your role doesn't include this page. If you need it, ask an admin of your company to change your role."</p>
            <p><a href="/profile">"Go to your profile"</a></p>
        </section>
    }
}

/// Shows an error from the server in words a person understands; a missing permission gets
/// the "no access" page.
#[component]
pub fn ErrorNotice(
    /// The error to show.
    error: AppError,
) -> impl IntoView {
    match error {
        AppError::Forbidden => view! { <NoAccess /> }.into_any(),
        error => view! {
            <section class="notice" role="alert">
                <h1>"Something went wrong"</h1>
                <p>{error.to_string()}</p>
            </section>
        }
        .into_any(),
    }
}

//! Full-page notices: no access, and errors.

use crate::{
    error::AppError,
    model::{Me, Permission},
};
use leptos::prelude::*;
use leptos_meta::Title;

/// What a user sees on a page their role does not allow.
#[component]
pub fn NoAccess() -> impl IntoView {
    // The first page they may use (outside the signed-in frame: the start, which leads there).
    let href = use_context::<Me>().map_or("/", |me| me.landing());
    let text = match href {
        "/users" => "Go to Users",
        "/home" => "Go to Home",
        _ => "Go to Roster",
    };
    view! {
        <Title text="No access" />
        <section class="notice" aria-labelledby="no-access-title">
            <h1 id="no-access-title">"You don't have access"</h1>
            <p>"Your role doesn't include this page. If you need it, ask an admin of your company to change your role."</p>
            <p><a href=href>{text}</a></p>
        </section>
    }
}

/// The "no access" page when the signed-in person lacks `permission` anywhere, from the first
/// render: a page they may not use shows nothing of itself (no heading, no live badge, no
/// request) before saying so. The server checks every call again.
pub fn refused_without(permission: Permission) -> Option<AnyView> {
    let me = use_context::<Me>()?;
    (!me.can(permission)).then(|| view! { <NoAccess /> }.into_any())
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

//! Who is signed in, for every component of a page load.

use crate::{
    error::AppError,
    model::{Me, Permission},
};
use leptos::prelude::*;

/// Who is signed in, for the whole page load. The server looks it up before it renders
/// (`server::auth::with_session`) and writes it into the page, and the browser reads it from
/// there, so both build every page once from the same value without waiting. Signing in or
/// out loads a new page. Inside the signed-in frame, pages read it through [`use_me`].
#[derive(Clone)]
pub struct SignedIn(pub Result<Option<Me>, AppError>);

/// Provides [`SignedIn`]; the root component calls it before anything else reads the page's
/// shared data, so the server and the browser agree on its place.
pub fn provide_signed_in() {
    provide_context(SignedIn(SharedValue::new(signed_in_now).into_inner()));
}

#[cfg(feature = "ssr")]
use crate::server::auth::signed_in_now;

/// In the browser the value is read from the page; this runs only if the page lacks it.
#[cfg(not(feature = "ssr"))]
fn signed_in_now() -> Result<Option<Me>, AppError> {
    Err(AppError::Internal)
}

/// The signed-in user, on a page inside the signed-in frame (`layout::AppShell`, which
/// provides it).
pub fn use_me() -> Me {
    expect_context::<Me>()
}

/// Whether the signed-in user holds `permission` in any account. Pages offer only what it
/// allows; the server checks every call again.
pub fn use_permission(permission: Permission) -> bool {
    use_me().can(permission)
}

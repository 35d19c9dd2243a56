//! The HTML shell, the root component and the routes.

use crate::{
    components::{
        layout::AppShell,
        me::{provide_signed_in, use_permission},
        title::page_title,
    },
    model::Permission,
    pages::{
        accept_invite::AcceptInvitePage,
        accounts::AccountsPage,
        join::{JoinPage, JoinVerifyPage},
        login::LoginPage,
        not_found::NotFound,
        profile::ProfilePage,
        reset::{ResetPage, ResetRequestPage},
        roles::RolesPage,
        settings::SettingsPage,
        signup::SignupPage,
        teams::{TeamDetailPage, TeamsPage},
        user_detail::UserDetailPage,
        users::UsersPage,
        verify_email::VerifyEmailPage,
        welcome::WelcomePage,
    },
};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::{
    components::{ParentRoute, Redirect, Route, Router, Routes},
    path, SsrMode,
};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    // The CSP's per-response nonce (server/headers.rs): HydrationScripts puts it on its
    // <script>, HashedStylesheet nowhere, and the policy admits no stylesheet without it.
    let nonce = leptos::nonce::use_nonce();
    view! {
        <!DOCTYPE html>
        <html lang="en" data-theme=chosen_theme()>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <AutoReload options=options.clone() />
                <HydrationScripts options=options.clone() />
                <HashedStylesheet options id="leptos" attr:nonce=nonce />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The signed-in person's colour theme for `<html data-theme>`, written in the first byte of
/// the page so it never flashes in the other colours; none (the device's choice) when signed
/// out or on "System". The shell is rendered on the server only.
fn chosen_theme() -> Option<&'static str> {
    #[cfg(feature = "ssr")]
    {
        crate::server::auth::signed_in_now()
            .ok()
            .flatten()
            .and_then(|me| me.theme.data_theme())
    }
    #[cfg(not(feature = "ssr"))]
    {
        None
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_signed_in();

    view! {
        // Every page's <Title> passes through this formatter, which escapes it (see title.rs).
        <Title formatter=page_title />
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/login") view=LoginPage />
                <Route path=path!("/signup") view=SignupPage />
                <Route path=path!("/welcome/:token") view=WelcomePage />
                <Route path=path!("/invite/:token") view=AcceptInvitePage />
                <Route path=path!("/verify-email/:token") view=VerifyEmailPage />
                <Route path=path!("/reset") view=ResetRequestPage />
                <Route path=path!("/reset/:token") view=ResetPage />
                <Route path=path!("/join/verify/:token") view=JoinVerifyPage />
                <Route path=path!("/join/:code") view=JoinPage />
                <ParentRoute path=path!("") view=AppShell ssr=SsrMode::Async>
                    <Route path=path!("/") view=Home />
                    <Route path=path!("/users") view=UsersPage />
                    <Route path=path!("/users/:id") view=UserDetailPage />
                    <Route path=path!("/teams") view=TeamsPage />
                    <Route path=path!("/teams/:id") view=TeamDetailPage />
                    <Route path=path!("/roles") view=RolesPage />
                    <Route path=path!("/accounts") view=AccountsPage />
                    <Route path=path!("/settings") view=SettingsPage />
                    <Route path=path!("/profile") view=ProfilePage />
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// `/`: the users table for those who may see it, otherwise one's profile.
#[component]
fn Home() -> impl IntoView {
    let path = if use_permission(Permission::ViewUsers) {
        "/users"
    } else {
        "/profile"
    };
    view! { <Redirect path /> }
}

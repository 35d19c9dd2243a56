//! The HTML shell, the root component and the routes.

use crate::{
    components::{
        layout::AppShell,
        lazy::lazy_page,
        me::{provide_signed_in, use_me},
        title::page_title,
    },
    pages::{
        accept_invite::AcceptInvitePage,
        accounts::AccountsPage,
        audit::AuditLogPage,
        home::HomePage,
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
    path, Lazy, SsrMode,
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
    // True while the router fetches the next page's chunk; the page on screen stays until then.
    let (routing, set_routing) = signal(false);

    view! {
        // Every page's <Title> passes through this formatter, which escapes it (see title.rs).
        <Title formatter=page_title />
        {move || routing.get().then(|| view! {
            <div class="busy-bar route-progress" role="progressbar" aria-label="Loading the page"></div>
        })}
        <Router set_is_routing=set_routing>
            <Routes fallback=NotFound>
                <Route path=path!("/login") view={Lazy::<Login>::new()} />
                <Route path=path!("/signup") view={Lazy::<Signup>::new()} />
                <Route path=path!("/welcome/:token") view={Lazy::<Welcome>::new()} />
                <Route path=path!("/invite/:token") view={Lazy::<AcceptInvite>::new()} />
                <Route path=path!("/verify-email/:token") view={Lazy::<VerifyEmail>::new()} />
                <Route path=path!("/reset") view={Lazy::<ResetRequest>::new()} />
                <Route path=path!("/reset/:token") view={Lazy::<Reset>::new()} />
                <Route path=path!("/join/verify/:token") view={Lazy::<JoinVerify>::new()} />
                <Route path=path!("/join/:code") view={Lazy::<Join>::new()} />
                <ParentRoute path=path!("") view=AppShell ssr=SsrMode::Async>
                    <Route path=path!("/") view=Start />
                    <Route path=path!("/home") view={Lazy::<Home>::new()} />
                    <Route path=path!("/users") view={Lazy::<Users>::new()} />
                    <Route path=path!("/users/:id") view={Lazy::<UserDetail>::new()} />
                    <Route path=path!("/teams") view={Lazy::<Teams>::new()} />
                    <Route path=path!("/teams/:id") view={Lazy::<TeamDetail>::new()} />
                    <Route path=path!("/roles") view={Lazy::<Roles>::new()} />
                    <Route path=path!("/accounts") view={Lazy::<Accounts>::new()} />
                    <Route path=path!("/settings") view={Lazy::<Settings>::new()} />
                    <Route path=path!("/audit") view={Lazy::<AuditLog>::new()} />
                    <Route path=path!("/profile") view={Lazy::<Profile>::new()} />
                </ParentRoute>
            </Routes>
        </Router>
    }
}

// Every page but the frame (AppShell), the redirect of `/` and "not found" is a chunk of its own.
lazy_page!(Login, login_chunk in visitor, LoginPage);
lazy_page!(Signup, signup_chunk in visitor, SignupPage);
lazy_page!(Welcome, welcome_chunk in visitor, WelcomePage);
lazy_page!(AcceptInvite, accept_invite_chunk in visitor, AcceptInvitePage);
lazy_page!(VerifyEmail, verify_email_chunk in visitor, VerifyEmailPage);
lazy_page!(ResetRequest, reset_request_chunk in visitor, ResetRequestPage);
lazy_page!(Reset, reset_chunk in visitor, ResetPage);
lazy_page!(JoinVerify, join_verify_chunk in visitor, JoinVerifyPage);
lazy_page!(Join, join_chunk in visitor, JoinPage);
lazy_page!(Users, users_chunk in people, UsersPage);
lazy_page!(UserDetail, user_detail_chunk in people, UserDetailPage);
lazy_page!(Teams, teams_chunk in organisation, TeamsPage);
lazy_page!(TeamDetail, team_detail_chunk in organisation, TeamDetailPage);
lazy_page!(Roles, roles_chunk in organisation, RolesPage);
lazy_page!(Accounts, accounts_chunk in organisation, AccountsPage);
lazy_page!(Settings, settings_chunk in organisation, SettingsPage);
lazy_page!(AuditLog, audit_chunk in organisation, AuditLogPage);
lazy_page!(Profile, profile_chunk in profile, ProfilePage);
// Home is the first page of everyone without user management: a small module of its own, so
// neither it nor the profile downloads the other.
lazy_page!(Home, home_chunk in home, HomePage);

/// `/`: the first page the signed-in person may use (`Me::landing`): the users table for those
/// who may see it, Home for everyone else.
#[component]
fn Start() -> impl IntoView {
    let path = use_me().landing();
    view! { <Redirect path /> }
}

//! The frame of every signed-in page: header with the company and the user menu, the main
//! navigation (behind a "Menu" button on narrow screens) and the page itself.

use super::{me::SignedIn, notice::ErrorNotice, user_menu::UserMenu};
use crate::model::format::urlencode;
use crate::model::{Me, Permission};
use leptos::prelude::*;
use leptos_router::{
    components::{Outlet, Redirect, A},
    hooks::use_location,
};

/// Renders the page for a signed-in user, or sends the visitor to sign in and come back.
#[component]
pub fn AppShell() -> impl IntoView {
    match expect_context::<SignedIn>().0 {
        Ok(Some(me)) => view! { <Frame me /> }.into_any(),
        Ok(None) => {
            let next = use_location().pathname.get_untracked();
            let path = format!("/login?next={}", urlencode(&next));
            view! { <Redirect path /> }.into_any()
        }
        Err(error) => view! { <ErrorNotice error /> }.into_any(),
    }
}

/// The company's name in the header, which Settings updates after a rename without
/// reloading the signed-in user (that would rebuild the page the rename came from).
#[derive(Clone, Copy)]
pub struct CompanyTitle(pub RwSignal<String>);

#[component]
fn Frame(me: Me) -> impl IntoView {
    provide_context(me.clone());
    super::time::provide_time_zone(me.time_zone.clone());
    let nav_open = RwSignal::new(false);
    let company = RwSignal::new(me.company_name.clone());
    provide_context(CompanyTitle(company));
    let links = nav_links(&me);
    let badge = approvals_badge(&me);
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="topbar">
            <button
                type="button"
                class="menu-button"
                aria-controls="main-nav"
                aria-expanded=move || nav_open.get().to_string()
                on:click=move |_| nav_open.update(|open| *open = !*open)
            >
                <span class="menu-icon" aria-hidden="true"></span>
                "Menu"
            </button>
            <a class="brand" href=me.landing()>"Roster"</a>
            <span class="company-name">{move || company.get()}</span>
            <UserMenu me=me.clone() />
        </header>
        <div class="frame">
            <nav id="main-nav" aria-label="Main" class:open=move || nav_open.get()>
                <ul>
                    {links
                        .into_iter()
                        .map(|(href, label)| {
                            view! {
                                <li>
                                    <A href=href on:click=move |_| nav_open.set(false)>
                                        {label}
                                        {(href == "/users").then(|| view! { <NavBadge count=badge /> })}
                                    </A>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            </nav>
            <main id="main" tabindex="-1">
                <Outlet />
            </main>
        </div>
    }
}

/// Bumped after approving or rejecting join requests, so the navigation's count follows.
#[derive(Clone, Copy)]
pub struct ApprovalsChanged(pub RwSignal<u32>);

/// The number of people awaiting approval, next to "Users" for those who manage users. Fetched
/// in the browser only (one `COUNT(*)`), after hydration, on each navigation, after approvals
/// and when users change anywhere in the company (live updates: a request confirmed, another
/// admin approving); the server renders no badge, so the page never waits for it. Its live
/// stream is the one the pages below share.
fn approvals_badge(me: &Me) -> RwSignal<i64> {
    let changed = RwSignal::new(0u32);
    provide_context(ApprovalsChanged(changed));
    let location = use_location();
    let may = me.can(Permission::ManageUsers);
    let live = may.then(|| super::live::watch_live(&[crate::model::LiveKind::Users]));
    let count = RwSignal::new(0i64);
    Effect::new(move |_| {
        location.pathname.track();
        changed.track();
        if let Some(live) = live {
            live.changes.track();
        }
        if may {
            leptos::task::spawn_local(async move {
                if let Ok(n) = crate::api::approvals::awaiting_approval_count().await {
                    count.set(n);
                }
            });
        }
    });
    count
}

/// The count badge itself; nothing when nobody waits.
#[component]
fn NavBadge(
    /// How many people await approval.
    count: RwSignal<i64>,
) -> impl IntoView {
    move || {
        let n = count.get();
        (n > 0).then(|| {
            view! {
                <span class="nav-badge">
                    {n}
                    <span class="visually-hidden">" awaiting approval"</span>
                </span>
            }
        })
    }
}

/// The pages this user may open; navigation never shows a link that would only refuse. Home
/// leads for those who can't see the users table (it is their landing page); anyone may open
/// it at /home.
fn nav_links(me: &Me) -> Vec<(&'static str, &'static str)> {
    let home = (me.landing() == "/home").then_some(("/home", "Home", None));
    home.into_iter()
        .chain([
            ("/users", "Users", Some(Permission::ViewUsers)),
            ("/teams", "Teams", Some(Permission::ViewUsers)),
            ("/roles", "Roles", Some(Permission::ManageRoles)),
            ("/accounts", "Accounts", Some(Permission::ManageAccounts)),
            ("/settings", "Settings", Some(Permission::ManageSettings)),
            ("/audit", "Audit log", Some(Permission::ViewAuditLog)),
            ("/profile", "Profile", None),
        ])
        .filter(|(_, _, needs)| needs.is_none_or(|p| me.can(p)))
        .map(|(href, label, _)| (href, label))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::UserId;

    fn me(permissions: Vec<Permission>) -> Me {
        Me {
            id: UserId(1),
            name: "Ada".into(),
            email: "ada@example.com".into(),
            company_name: "Acme".into(),
            role_name: "Member".into(),
            permissions,
            modules: vec![],
            time_zone: String::new(),
            theme: crate::model::Theme::System,
        }
    }

    #[test]
    fn a_member_sees_home_and_the_profile() {
        assert_eq!(
            nav_links(&me(vec![])),
            vec![("/home", "Home"), ("/profile", "Profile")]
        );
    }

    #[test]
    fn an_admin_sees_every_link() {
        assert_eq!(nav_links(&me(Permission::ALL.to_vec())).len(), 7);
    }
}

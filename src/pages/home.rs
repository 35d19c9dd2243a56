//! `/home`: the first screen of everyone who can't see the users table (and a page anyone may
//! open): who they are in their company — name, role on each account, teams — what their
//! roles let them do, and the way to their profile and devices. Only the caller's own facts
//! (`profile/home`).

use crate::{
    api::profile::get_home,
    components::notice::ErrorNotice,
    model::{role_on_account, HomeFacts},
};
use leptos::prelude::*;
use leptos_meta::Title;

/// `/home`.
#[component]
pub fn HomePage() -> impl IntoView {
    let facts = Resource::new(|| (), |_| get_home());
    view! {
        <Title text="Home" />
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match facts.await {
                    Ok(facts) => view! { <Facts facts /> }.into_any(),
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Facts(
    /// What the server says about the caller.
    facts: HomeFacts,
) -> impl IntoView {
    let HomeFacts {
        name,
        email,
        job_title,
        company_name,
        is_owner,
        roles,
        teams,
        abilities,
    } = facts;
    let at = if job_title.is_empty() {
        company_name.clone()
    } else {
        format!("{job_title} at {company_name}")
    };
    let several = roles.len() > 1;
    let roles_title = if several { "Your roles" } else { "Your role" };
    let owner = is_owner.then(|| {
        view! {
            <p class="home-owner">
                {format!(
                    "You are the owner of {company_name}: you hold everything, every permission and every product module on every account, and only you can transfer ownership."
                )}
            </p>
        }
    });
    let nothing = (abilities.is_empty() && !is_owner).then(|| {
        view! {
            <p class="muted">
                "Your role gives you no management permissions. If you need more, ask an admin of your company."
            </p>
        }
    });
    view! {
        <div class="home">
            <div class="page-head">
                <h1>{name}</h1>
            </div>
            <p class="muted home-at">{at}" · "{email}</p>
            <section class="panel" aria-labelledby="home-roles">
                <h2 id="home-roles">{roles_title}</h2>
                <ul class="home-list">
                    {roles.iter().map(|r| view! { <li>{role_on_account(r)}</li> }).collect_view()}
                </ul>
                <p class="hint">
                    {if several {
                        "A role reaches its account and every sub-account below it; where two apply, the one nearest to the account decides."
                    } else {
                        "A role reaches its account and every sub-account below it."
                    }}
                </p>
            </section>
            <section class="panel" aria-labelledby="home-teams">
                <h2 id="home-teams">"Your teams"</h2>
                {if teams.is_empty() {
                    view! { <p class="muted">"You are not in a team."</p> }.into_any()
                } else {
                    view! {
                        <ul class="home-list">
                            {teams.into_iter().map(|t| view! { <li>{t}</li> }).collect_view()}
                        </ul>
                    }
                    .into_any()
                }}
            </section>
            <section class="panel" aria-labelledby="home-can">
                <h2 id="home-can">"What you can do"</h2>
                {owner}
                {nothing}
                <ul class="home-abilities">
                    {abilities
                        .into_iter()
                        .map(|a| view! {
                            <li>
                                <strong>{a.label}</strong>
                                <span>{a.what}</span>
                                <span class="hint">{a.place}</span>
                            </li>
                        })
                        .collect_view()}
                    <li>
                        <strong>"Your own account"</strong>
                        <span>"Keep your profile, login email, password and notification preferences up to date, and see and sign out your signed-in devices."</span>
                    </li>
                </ul>
            </section>
            <nav class="panel home-links" aria-label="Your account">
                // Full page loads: the profile shows the section its address names (:target).
                <a href="/profile" rel="external">"Your profile"</a>
                <a href="/profile#devices" rel="external">"Your devices and sessions"</a>
            </nav>
        </div>
    }
}

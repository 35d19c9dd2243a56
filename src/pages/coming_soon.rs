//! Pages whose features arrive in later work. Each says plainly what is coming and checks
//! access like the finished page will; none shows made-up data.

use crate::{app::MeResource, components::notice::NoAccess, model::Permission};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
fn ComingSoon(title: &'static str, needs: Permission, coming: &'static str) -> impl IntoView {
    let me = expect_context::<MeResource>().0;
    view! {
        <Title text=title />
        <Suspense>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(Some(me)) if me.can(needs) => view! {
                        <h1>{title}</h1>
                        <p class="muted">{coming}</p>
                    }
                    .into_any(),
                    _ => view! { <NoAccess /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn AccountsPage() -> impl IntoView {
    view! {
        <ComingSoon
            title="Accounts"
            needs=Permission::ManageAccounts
            coming="The tree of accounts and sub-accounts, and a role per account for each user, is coming next."
        />
    }
}

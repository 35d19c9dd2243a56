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
pub fn RolesPage() -> impl IntoView {
    view! {
        <ComingSoon
            title="Roles"
            needs=Permission::ManageRoles
            coming="Custom roles with a permission matrix are coming next. Every company has the built-in roles Owner, Admin and Member."
        />
    }
}

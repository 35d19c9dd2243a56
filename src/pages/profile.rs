use crate::app::MeResource;
use leptos::prelude::*;
use leptos_meta::Title;

/// `/profile`: who you are signed in as. Editing details, password, notifications and devices
/// arrives with the self-service work.
#[component]
pub fn ProfilePage() -> impl IntoView {
    let me = expect_context::<MeResource>().0;
    view! {
        <Title text="Profile" />
        <h1>"Profile"</h1>
        <Suspense>
            {move || Suspend::new(async move {
                me.await.ok().flatten().map(|me| view! {
                    <dl class="details">
                        <dt>"Name"</dt><dd>{me.name}</dd>
                        <dt>"Email"</dt><dd>{me.email}</dd>
                        <dt>"Company"</dt><dd>{me.company_name}</dd>
                        <dt>"Role"</dt><dd>{me.role_name}</dd>
                    </dl>
                })
            })}
        </Suspense>
        <p class="muted">"Changing your details, email, password, notifications and signed-in devices is coming next."</p>
    }
}

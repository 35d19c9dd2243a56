use crate::{
    api::users::list_users,
    components::{notice::ErrorNotice, time::RelativeTime, urlencode},
    model::{UserPage, UserRow},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

/// `/users`: the company's users, a page at a time.
#[component]
pub fn UsersPage() -> impl IntoView {
    let query = use_query_map();
    let after = Memo::new(move |_| query.read().get("after"));
    let page = Resource::new(move || after.get(), list_users);
    view! {
        <Title text="Users" />
        <div class="page-head">
            <h1>"Users"</h1>
        </div>
        <Transition fallback=|| view! { <p class="loading">"Loading users…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => view! { <UsersTable page first=after.get_untracked().is_none() /> }.into_any(),
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn UsersTable(
    /// The rows to show and the cursor of the next page.
    page: UserPage,
    /// Whether this is the first page (no "First page" link then).
    first: bool,
) -> impl IntoView {
    let now = page.now;
    let empty = page.users.is_empty();
    let next = page.next.clone();
    view! {
        <div class="table-wrap">
            <table class="data-table">
                <caption class="visually-hidden">"Users"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Email"</th>
                        <th scope="col">"Role"</th>
                        <th scope="col">"Team"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Last seen"</th>
                    </tr>
                </thead>
                <tbody>
                    {page.users.into_iter().map(|user| view! { <UserTableRow user now /> }).collect_view()}
                </tbody>
            </table>
            {empty.then(|| view! { <p class="empty">"No users here yet."</p> })}
        </div>
        <nav class="pager" aria-label="Pages">
            {(!first).then(|| view! { <A href="/users">"First page"</A> })}
            {next.map(|cursor| {
                let href = format!("/users?after={}", urlencode(&cursor));
                view! { <A href=href attr:rel="next">"Next"</A> }
            })}
        </nav>
    }
}

#[component]
fn UserTableRow(user: UserRow, now: i64) -> impl IntoView {
    let teams = if user.teams.is_empty() {
        "—".to_string()
    } else {
        user.teams.join(", ")
    };
    view! {
        <tr>
            <th scope="row" data-label="Name">{user.name}</th>
            <td data-label="Email">{user.email}</td>
            <td data-label="Role">{user.role}</td>
            <td data-label="Team">{teams}</td>
            <td data-label="Status">
                <span class=format!("status status-{}", user.status.key())>{user.status.label()}</span>
            </td>
            <td data-label="Last seen">
                <RelativeTime now at=user.last_seen_at />
            </td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use crate::model::UserStatus;

    #[test]
    fn every_status_has_a_text_label() {
        assert!(UserStatus::ALL.iter().all(|s| !s.label().is_empty()));
    }
}

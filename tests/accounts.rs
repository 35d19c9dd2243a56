//! Accounts: the company's tree listed depth-first with user counts; creating, renaming,
//! moving (never into itself) and deleting (never stranding anyone) accounts; a scoped admin
//! sees and changes only the subtree of their account.

mod common;

use common::{email, Company, TestApp};
use http::StatusCode;
use serde_json::{json, Value};

async fn create(app: &TestApp, cookie: &str, parent: i64, name: &str) -> common::Response {
    app.call(
        "accounts/create",
        &[("parent", &parent.to_string()), ("name", name)],
        Some(cookie),
    )
    .await
}

/// Creates a sub-account and answers its id.
async fn account(app: &TestApp, cookie: &str, parent: i64, name: &str) -> i64 {
    let r = create(app, cookie, parent, name).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json().as_i64().expect("the new account's id")
}

async fn rename(app: &TestApp, cookie: &str, id: i64, name: &str) -> common::Response {
    app.call(
        "accounts/rename",
        &[("id", &id.to_string()), ("name", name)],
        Some(cookie),
    )
    .await
}

async fn move_to(app: &TestApp, cookie: &str, id: i64, parent: i64) -> common::Response {
    app.call(
        "accounts/move",
        &[("id", &id.to_string()), ("parent", &parent.to_string())],
        Some(cookie),
    )
    .await
}

async fn delete(app: &TestApp, cookie: &str, id: i64) -> common::Response {
    app.call("accounts/delete", &[("id", &id.to_string())], Some(cookie))
        .await
}

async fn tree_raw(app: &TestApp, cookie: &str) -> common::Response {
    app.call("accounts/tree", &[], Some(cookie)).await
}

/// The tree as (name, depth, users on it, users within it).
async fn tree(app: &TestApp, cookie: &str) -> Vec<(String, i64, i64, i64)> {
    let r = tree_raw(app, cookie).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["name"].as_str().unwrap().to_string(),
                a["depth"].as_i64().unwrap(),
                a["users"].as_i64().unwrap(),
                a["users_within"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn row(name: &str, depth: i64, users: i64, within: i64) -> (String, i64, i64, i64) {
    (name.to_string(), depth, users, within)
}

/// Adds a user whose only role is `role_id` on `account`.
async fn user_on(app: &TestApp, c: &Company, name: &str, account: i64, role_id: i64) -> (i64, String) {
    let address = email("user");
    let id = app.add_user(&c.owner_email, name, &address, "member").await;
    app.place(id, &[(account, role_id)]).await;
    (id, address)
}

async fn assign(app: &TestApp, user: i64, account: i64, role_id: i64) {
    app.sql(&format!(
        "INSERT INTO role_assignments (user_id, account_id, role_id) VALUES ({user}, {account}, {role_id})"
    ))
    .await;
}

/// Initech > Europe > Germany > Berlin, Europe > Austria, Initech > Americas.
struct World {
    c: Company,
    root: i64,
    europe: i64,
    austria: i64,
    germany: i64,
    berlin: i64,
    americas: i64,
}

async fn world(app: &TestApp) -> World {
    let c = app.company("Initech").await;
    let root = app.root_account(&c.owner_email).await;
    let europe = account(app, &c.owner, root, "Europe").await;
    let germany = account(app, &c.owner, europe, "Germany").await;
    let berlin = account(app, &c.owner, germany, "  Berlin ").await;
    let austria = account(app, &c.owner, europe, "Austria").await;
    let americas = account(app, &c.owner, root, "Americas").await;
    World {
        c,
        root,
        europe,
        austria,
        germany,
        berlin,
        americas,
    }
}

#[tokio::test]
async fn a_four_level_tree_is_listed_depth_first_with_siblings_by_name_and_user_counts() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    user_on(&app, &w.c, "Ana Lee", w.berlin, w.c.member_role).await;
    let (bo, _) = user_on(&app, &w.c, "Bo Ray", w.germany, w.c.member_role).await;
    assign(&app, bo, w.berlin, w.c.admin_role).await;
    assert_eq!(
        tree(&app, &w.c.owner).await,
        vec![
            row("Initech", 0, 1, 3),
            row("Americas", 1, 0, 0),
            row("Europe", 1, 0, 2),
            row("Austria", 2, 0, 0),
            row("Germany", 2, 1, 2),
            row("Berlin", 3, 2, 2),
        ],
        "the owner on the root, Ana on Berlin, Bo on Germany and Berlin (counted once above)"
    );
    let body = tree_raw(&app, &w.c.owner).await.json();
    assert_eq!(body[0]["company_root"], json!(true));
    assert_eq!(body[0]["parent"], Value::Null);
    assert_eq!(body[5]["parent"], json!(w.germany));
    assert!(body.as_array().unwrap()[1..]
        .iter()
        .all(|a| a["company_root"] == json!(false) && a["changeable"] == json!(true)));

    let events: Vec<(String, String)> = sqlx::query_as(
        "SELECT action, target_label FROM audit_events WHERE action LIKE 'account.%' ORDER BY id",
    )
    .fetch_all(&app.state.db)
    .await
    .unwrap();
    assert_eq!(events.len(), 5);
    assert_eq!(events[2], ("account.created".to_string(), "Berlin".to_string()));
}

#[tokio::test]
async fn an_account_cannot_move_under_itself_or_its_sub_accounts_and_the_root_never_moves() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let cycle = json!({ "Invalid": { "field": "parent",
        "message": "Europe can't move under itself or one of its sub-accounts." } });
    for (target, what) in [
        (w.europe, "itself"),
        (w.germany, "its child"),
        (w.berlin, "its grandchild"),
    ] {
        let r = move_to(&app, &w.c.owner, w.europe, target).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "under {what}: {}",
            r.body
        );
        assert_eq!(r.json(), cycle, "under {what}");
    }
    let r = move_to(&app, &w.c.owner, w.root, w.americas).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM accounts WHERE id = {} AND parent_id IS NULL",
            w.root
        ))
        .await,
        1
    );
    assert_eq!(
        tree(&app, &w.c.owner).await.len(),
        6,
        "nothing moved, nothing lost"
    );
}

#[tokio::test]
async fn an_account_moves_with_its_sub_accounts_under_another_branch() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let r = move_to(&app, &w.c.owner, w.germany, w.americas).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let names: Vec<(String, i64)> = tree(&app, &w.c.owner)
        .await
        .into_iter()
        .map(|(n, d, _, _)| (n, d))
        .collect();
    assert_eq!(
        names,
        [
            ("Initech", 0),
            ("Americas", 1),
            ("Germany", 2),
            ("Berlin", 3),
            ("Europe", 1),
            ("Austria", 2)
        ]
        .map(|(n, d)| (n.to_string(), d))
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'account.moved'")
            .await,
        1
    );
}

#[tokio::test]
async fn deleting_is_refused_while_sub_accounts_or_people_depend_on_the_account() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let r = delete(&app, &w.c.owner, w.europe).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(
        r.json(),
        json!({ "Conflict": "Delete or move its sub-accounts first: Austria, Germany." })
    );
    assert_eq!(
        delete(&app, &w.c.owner, w.root).await.status,
        StatusCode::CONFLICT
    );

    user_on(&app, &w.c, "Ana Lee", w.berlin, w.c.member_role).await;
    user_on(&app, &w.c, "Bob Ray", w.berlin, w.c.admin_role).await;
    let (cy, _) = user_on(&app, &w.c, "Cy Moss", w.berlin, w.c.member_role).await;
    assign(&app, cy, w.americas, w.c.member_role).await;
    let r = delete(&app, &w.c.owner, w.berlin).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(
        r.json(),
        json!({ "Conflict": "Ana Lee and Bob Ray only have access through Berlin; give them access elsewhere first." }),
        "Cy has access elsewhere, so only Ana and Bob are named"
    );
    assert_eq!(tree(&app, &w.c.owner).await.len(), 6);
}

#[tokio::test]
async fn deleting_an_account_keeps_the_other_access_of_its_users() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let (ana, _) = user_on(&app, &w.c, "Ana Lee", w.berlin, w.c.member_role).await;
    assign(&app, ana, w.americas, w.c.admin_role).await;
    let r = delete(&app, &w.c.owner, w.berlin).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let kept: Vec<(i64, i64)> =
        sqlx::query_as("SELECT account_id, role_id FROM role_assignments WHERE user_id = $1")
            .bind(ana)
            .fetch_all(&app.state.db)
            .await
            .unwrap();
    assert_eq!(kept, vec![(w.americas, w.c.admin_role)]);
    assert!(!tree(&app, &w.c.owner).await.iter().any(|(n, ..)| n == "Berlin"));
    assert_eq!(
        delete(&app, &w.c.owner, w.berlin).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn deleting_is_refused_while_a_pending_invitation_is_only_for_that_account() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let r = app
        .invite(&w.c.owner, &["zoe@example.com"], w.c.member_role)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    app.sql(&format!(
        "UPDATE invitation_accounts SET account_id = {} WHERE invitation_id IN (SELECT id FROM invitations WHERE email = 'zoe@example.com')",
        w.austria
    ))
    .await;
    let r = delete(&app, &w.c.owner, w.austria).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("zoe@example.com"), "{}", r.body);
    app.sql("UPDATE invitations SET status = 'withdrawn' WHERE email = 'zoe@example.com'")
        .await;
    assert_eq!(delete(&app, &w.c.owner, w.austria).await.status, StatusCode::OK);
}

#[tokio::test]
async fn sibling_accounts_have_different_names_whatever_the_case() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let r = create(&app, &w.c.owner, w.root, "europe").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["Invalid"]["field"], "name");
    assert_eq!(
        rename(&app, &w.c.owner, w.americas, "EUROPE").await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        rename(&app, &w.c.owner, w.europe, "EUROPE").await.status,
        StatusCode::OK,
        "an account may change the case of its own name"
    );
    // The same name elsewhere in the tree is fine, but it can't move next to its namesake.
    let other = account(&app, &w.c.owner, w.americas, "Europe").await;
    let r = move_to(&app, &w.c.owner, other, w.root).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["Invalid"]["field"], "parent");
    for bad in ["", "   ", &"x".repeat(81)] {
        let r = create(&app, &w.c.owner, w.root, bad).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}: {}", r.body);
    }
}

#[tokio::test]
async fn a_scoped_admin_sees_and_changes_only_the_subtree_of_their_account() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let (_, admin_email) = user_on(&app, &w.c, "Sam Scope", w.europe, w.c.admin_role).await;
    let admin = app.session_of(&admin_email).await;

    let r = tree_raw(&app, &admin).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    for hidden in ["Americas", "Initech"] {
        assert!(!r.body.contains(hidden), "{hidden} leaked: {}", r.body);
    }
    assert_eq!(r.json()[0]["parent"], Value::Null, "Europe's parent is not named");
    assert_eq!(r.json()[0]["changeable"], json!(false));
    let names: Vec<(String, i64)> = tree(&app, &admin)
        .await
        .into_iter()
        .map(|(n, d, _, _)| (n, d))
        .collect();
    assert_eq!(
        names,
        [("Europe", 0), ("Austria", 1), ("Germany", 1), ("Berlin", 2)].map(|(n, d)| (n.to_string(), d))
    );

    // Inside: yes.
    let spain = account(&app, &admin, w.europe, "Spain").await;
    assert_eq!(rename(&app, &admin, spain, "España").await.status, StatusCode::OK);
    assert_eq!(
        move_to(&app, &admin, w.berlin, w.austria).await.status,
        StatusCode::OK
    );
    // Outside, or their own top account: no.
    assert_eq!(
        create(&app, &admin, w.root, "Asia").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        create(&app, &admin, w.americas, "Peru").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        rename(&app, &admin, w.americas, "Mine").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        rename(&app, &admin, w.europe, "Mine").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        move_to(&app, &admin, w.americas, w.europe).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        move_to(&app, &admin, w.europe, w.germany).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        move_to(&app, &admin, w.germany, w.americas).await.status,
        StatusCode::NOT_FOUND,
        "nothing leaves the subtree"
    );
    assert_eq!(
        move_to(&app, &admin, w.germany, w.root).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        delete(&app, &admin, w.americas).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(delete(&app, &admin, w.europe).await.status, StatusCode::FORBIDDEN);
    assert_eq!(delete(&app, &admin, spain).await.status, StatusCode::OK);

    assert_eq!(
        tree(&app, &w.c.owner).await,
        vec![
            row("Initech", 0, 1, 2),
            row("Americas", 1, 0, 0),
            row("Europe", 1, 1, 1),
            row("Austria", 2, 0, 0),
            row("Berlin", 3, 0, 0),
            row("Germany", 2, 0, 0),
        ],
        "Americas and Europe as they were; Berlin moved under Austria"
    );
}

#[tokio::test]
async fn a_member_may_not_see_or_change_accounts() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let member = email("member");
    app.add_user(&w.c.owner_email, "Mo Member", &member, "member")
        .await;
    let cookie = app.session_of(&member).await;
    assert_eq!(tree_raw(&app, &cookie).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        create(&app, &cookie, w.root, "Mine").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_accounts_page_shows_the_tree_as_nested_lists_and_refuses_a_member() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let r = app.request("GET", "/accounts", &[], Some(&w.c.owner), None).await;
    assert_eq!(r.status, StatusCode::OK);
    for text in [
        "<h1>Accounts</h1>",
        "Company",
        "aria-label=\"Add sub-account to Initech\"",
        "aria-label=\"Move Berlin\"",
        "aria-label=\"Delete Germany\"",
    ] {
        assert!(r.body.contains(text), "{text} missing from the page");
    }
    assert!(!r.body.contains("Move Initech") && !r.body.contains("Delete Initech"));
    assert!(
        r.body.contains("<li><div class=\"account-row\">"),
        "list items hold the rows"
    );

    let member = email("member");
    app.add_user(&w.c.owner_email, "Mo Member", &member, "member")
        .await;
    let cookie = app.session_of(&member).await;
    let r = app.request("GET", "/accounts", &[], Some(&cookie), None).await;
    assert!(r.body.contains("You don&#x27;t have access") || r.body.contains("You don't have access"));
    assert!(!r.body.contains("Germany"));
}

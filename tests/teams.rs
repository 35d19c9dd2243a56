//! Teams: creating, renaming and deleting them, adding and removing members in bulk, paging a
//! team's members; who may see and change them.

mod common;

use common::{email, TestApp};
use http::StatusCode;
use serde_json::{json, Value};

/// A company with its owner signed in.
async fn create(app: &TestApp, cookie: &str, name: &str) -> common::Response {
    app.call("teams/create", &[("name", name)], Some(cookie)).await
}

/// Creates a team and answers its id.
async fn team(app: &TestApp, cookie: &str, name: &str) -> i64 {
    let r = create(app, cookie, name).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json().as_i64().expect("the new team's id")
}

async fn rename(app: &TestApp, cookie: &str, id: i64, name: &str) -> common::Response {
    app.call(
        "teams/rename",
        &[("id", &id.to_string()), ("name", name)],
        Some(cookie),
    )
    .await
}

async fn delete(app: &TestApp, cookie: &str, id: i64) -> common::Response {
    app.call("teams/delete", &[("id", &id.to_string())], Some(cookie))
        .await
}

/// Calls `teams/add_members` or `teams/remove_members` for `users`.
async fn members(app: &TestApp, cookie: &str, endpoint: &str, id: i64, users: &[i64]) -> common::Response {
    let keys: Vec<String> = (0..users.len()).map(|i| format!("users[{i}]")).collect();
    let values: Vec<String> = users.iter().map(i64::to_string).collect();
    let id = id.to_string();
    let mut form: Vec<(&str, &str)> = vec![("id", &id)];
    form.extend(
        keys.iter()
            .map(String::as_str)
            .zip(values.iter().map(String::as_str)),
    );
    app.call(endpoint, &form, Some(cookie)).await
}

async fn list(app: &TestApp, cookie: &str) -> Vec<(String, i64)> {
    let r = app.call("teams/list", &[], Some(cookie)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_string(),
                t["members"].as_i64().unwrap(),
            )
        })
        .collect()
}

async fn get(app: &TestApp, cookie: &str, id: i64, cursor: Option<(&str, &str)>) -> common::Response {
    let id = id.to_string();
    let mut form = vec![("id", id.as_str())];
    form.extend(cursor);
    app.call("teams/get", &form, Some(cookie)).await
}

fn member_names(page: &Value) -> Vec<String> {
    page["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap().to_string())
        .collect()
}

async fn memberships(app: &TestApp, team: i64) -> i64 {
    app.count(&format!(
        "SELECT COUNT(*) FROM team_members WHERE team_id = {team}"
    ))
    .await
}

#[tokio::test]
async fn an_admin_creates_renames_and_deletes_teams_listed_by_name_with_member_counts() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let support = team(&app, &c.owner, "  Support  ").await;
    let sales = team(&app, &c.owner, "Sales").await;
    let ana = app
        .add_user(&c.owner_email, "Ana Ruiz", &email("ana"), "member")
        .await;
    let r = members(&app, &c.owner, "teams/add_members", sales, &[ana]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        list(&app, &c.owner).await,
        vec![("Sales".to_string(), 1), ("Support".to_string(), 0)],
        "by name, with the name tidied and members counted"
    );

    let r = rename(&app, &c.owner, support, "Customer care").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        list(&app, &c.owner).await,
        vec![("Customer care".to_string(), 0), ("Sales".to_string(), 1)]
    );

    let r = delete(&app, &c.owner, support).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(list(&app, &c.owner).await, vec![("Sales".to_string(), 1)]);
    assert_eq!(
        delete(&app, &c.owner, support).await.status,
        StatusCode::NOT_FOUND
    );

    let events: Vec<(String, String)> = sqlx::query_as(
        "SELECT action, target_label FROM audit_events WHERE action LIKE 'team.%' ORDER BY id",
    )
    .fetch_all(&app.state.db)
    .await
    .unwrap();
    let actions: Vec<&str> = events.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        actions,
        [
            "team.created",
            "team.created",
            "team.member_added",
            "team.renamed",
            "team.deleted"
        ]
    );
    assert_eq!(
        [&events[0].1, &events[3].1, &events[4].1],
        ["Support", "Customer care", "Customer care"]
    );
}

#[tokio::test]
async fn a_team_name_is_unique_in_its_company_whatever_the_case_but_free_in_another() {
    let app = TestApp::spawn().await;
    let a = app.company("Company A").await;
    let b = app.company("Company B").await;
    team(&app, &a.owner, "Sales").await;
    let support = team(&app, &a.owner, "Support").await;
    let taken = json!({ "Invalid": { "field": "name", "message": "A team with this name already exists." } });

    let r = create(&app, &a.owner, "Sales").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json(), taken);
    assert_eq!(create(&app, &a.owner, "sales").await.json(), taken);
    let r = rename(&app, &a.owner, support, "SALES").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json(), taken);
    assert_eq!(
        rename(&app, &a.owner, support, "support").await.status,
        StatusCode::OK,
        "a team may change the case of its own name"
    );
    team(&app, &b.owner, "Sales").await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM teams WHERE LOWER(name) = 'sales'")
            .await,
        2
    );
}

#[tokio::test]
async fn a_team_name_needs_1_to_60_characters() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    for bad in ["", "   ", &"x".repeat(61)] {
        let r = create(&app, &c.owner, bad).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}: {}", r.body);
        assert_eq!(r.json()["Invalid"]["field"], "name");
    }
    team(&app, &c.owner, &"é".repeat(60)).await;
    assert_eq!(app.count("SELECT COUNT(*) FROM teams").await, 1);
}

#[tokio::test]
async fn deleting_a_team_keeps_its_members_as_users_and_in_their_other_teams() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let night = team(&app, &c.owner, "Night shift").await;
    let day = team(&app, &c.owner, "Day shift").await;
    let ana = app.add_user(&c.owner_email, "Ana", &email("ana"), "member").await;
    let bo = app.add_user(&c.owner_email, "Bo", &email("bo"), "member").await;
    members(&app, &c.owner, "teams/add_members", night, &[ana, bo]).await;
    members(&app, &c.owner, "teams/add_members", day, &[ana]).await;

    let r = delete(&app, &c.owner, night).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 3);
    assert_eq!(memberships(&app, night).await, 0);
    assert_eq!(memberships(&app, day).await, 1);
    let before: String =
        sqlx::query_scalar("SELECT before_json FROM audit_events WHERE action = 'team.deleted'")
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&before).unwrap(),
        json!({ "name": "Night shift", "members": 2 })
    );
}

#[tokio::test]
async fn members_are_added_and_removed_in_bulk_and_other_companies_users_are_ignored() {
    let app = TestApp::spawn().await;
    let a = app.company("Company A").await;
    let b = app.company("Company B").await;
    let sales = team(&app, &a.owner, "Sales").await;
    let ana = app.add_user(&a.owner_email, "Ana", &email("ana"), "member").await;
    let bo = app.add_user(&a.owner_email, "Bo", &email("bo"), "member").await;
    let cy = app.add_user(&a.owner_email, "Cy", &email("cy"), "member").await;
    let outsider = app
        .add_user(&b.owner_email, "Oscar Outsider", &email("oscar"), "member")
        .await;
    let b_team = team(&app, &b.owner, "B team").await;
    members(&app, &b.owner, "teams/add_members", b_team, &[outsider]).await;

    let r = members(
        &app,
        &a.owner,
        "teams/add_members",
        sales,
        &[ana, bo, bo, outsider],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json(), json!({ "changed": 2, "unchanged": 1 }));
    // Adding again changes nothing; one more joins.
    let r = members(&app, &a.owner, "teams/add_members", sales, &[ana, bo, cy]).await;
    assert_eq!(r.json(), json!({ "changed": 1, "unchanged": 2 }));
    assert_eq!(memberships(&app, sales).await, 3);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM team_members WHERE user_id = {outsider}"
        ))
        .await,
        1,
        "the other company's user is only in their own company's team"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'team.member_added'")
            .await,
        4,
        "one event per person who joined (three here, one in company B)"
    );

    // Removing, including someone not in the team and another company's member.
    let r = members(
        &app,
        &a.owner,
        "teams/remove_members",
        sales,
        &[ana, cy, outsider],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json(), json!({ "changed": 2, "unchanged": 1 }));
    assert_eq!(memberships(&app, sales).await, 1);
    assert_eq!(
        memberships(&app, b_team).await,
        1,
        "company B's team is untouched"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users").await,
        6,
        "removed members stay users"
    );
    let removed: Vec<String> = sqlx::query_scalar(
        "SELECT target_label FROM audit_events WHERE action = 'team.member_removed' ORDER BY target_label",
    )
    .fetch_all(&app.state.db)
    .await
    .unwrap();
    assert_eq!(removed.len(), 2);
    assert!(
        removed
            .iter()
            .all(|e| e.starts_with("ana.") || e.starts_with("cy.")),
        "{removed:?}"
    );

    // Adding only outsiders, or nobody at all.
    let r = members(&app, &a.owner, "teams/add_members", sales, &[outsider]).await;
    assert_eq!(r.json(), json!({ "changed": 0, "unchanged": 1 }));
    let r = members(&app, &a.owner, "teams/add_members", sales, &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["Invalid"]["field"], "users");
    assert_eq!(memberships(&app, sales).await, 1);
}

#[tokio::test]
async fn the_users_list_filtered_by_team_shows_its_members() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let sales = team(&app, &c.owner, "Sales").await;
    let ana = app.add_user(&c.owner_email, "Ana", &email("ana"), "member").await;
    app.add_user(&c.owner_email, "Bo", &email("bo"), "member").await;
    members(&app, &c.owner, "teams/add_members", sales, &[ana]).await;
    let page = app.list(&c.owner, &[("team", &sales.to_string())]).await;
    let users = page["users"].as_array().unwrap();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0]["name"], "Ana");
    assert_eq!(users[0]["teams"], json!(["Sales"]));
}

#[tokio::test]
async fn a_teams_members_come_by_name_in_pages_of_50() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let big = team(&app, &c.owner, "Everyone").await;
    // 120 members, inserted in one statement (hashing 120 passwords would be slow).
    let company: i64 = app.count("SELECT id FROM companies").await;
    for i in 0..120 {
        app.sql(&format!(
            "INSERT INTO users (company_id, email, name, status, created_at, updated_at)
             VALUES ({company}, 'p{i:03}@example.com', 'Person {:03}', 'active', 0, 0)",
            119 - i
        ))
        .await;
    }
    app.sql(&format!(
        "INSERT INTO team_members (team_id, user_id) SELECT {big}, id FROM users WHERE email LIKE 'p%@example.com'"
    ))
    .await;
    // Rows written behind the server's back get their sort keys as at its start.
    roster::server::db::search::fill_missing(&app.state.db)
        .await
        .unwrap();

    let first = get(&app, &c.owner, big, None).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let first = first.json();
    assert_eq!(first["team"]["name"], "Everyone");
    assert_eq!(first["team"]["members"], 120);
    let names = member_names(&first);
    assert_eq!(names.len(), 50);
    assert_eq!(
        (names[0].as_str(), names[49].as_str()),
        ("Person 000", "Person 049")
    );
    assert!(first["prev"].is_null());
    assert_eq!(first["members"][0]["email"], "p119@example.com");
    assert_eq!(first["members"][0]["status"], "Active");

    let next = first["next"].as_str().unwrap();
    let second = get(&app, &c.owner, big, Some(("after", next))).await.json();
    assert_eq!(member_names(&second)[0], "Person 050");
    let third = get(
        &app,
        &c.owner,
        big,
        Some(("after", second["next"].as_str().unwrap())),
    )
    .await
    .json();
    let names = member_names(&third);
    assert_eq!((names.len(), names[19].as_str()), (20, "Person 119"));
    assert!(third["next"].is_null());

    // And back.
    let back = get(
        &app,
        &c.owner,
        big,
        Some(("before", third["prev"].as_str().unwrap())),
    )
    .await
    .json();
    assert_eq!(member_names(&back), member_names(&second));
    let r = get(&app, &c.owner, big, Some(("after", "not-a-cursor"))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
}

#[tokio::test]
async fn a_member_can_neither_see_nor_change_teams() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let sales = team(&app, &c.owner, "Sales").await;
    let mel_email = email("mel");
    let mel = app.add_user(&c.owner_email, "Mel", &mel_email, "member").await;
    let cookie = app.session_of(&mel_email).await;

    for r in [
        app.call("teams/list", &[], Some(&cookie)).await,
        get(&app, &cookie, sales, None).await,
        create(&app, &cookie, "Mine").await,
        rename(&app, &cookie, sales, "Hacked").await,
        delete(&app, &cookie, sales).await,
        members(&app, &cookie, "teams/add_members", sales, &[mel]).await,
        members(&app, &cookie, "teams/remove_members", sales, &[mel]).await,
    ] {
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    }
    assert_eq!(list(&app, &c.owner).await, vec![("Sales".to_string(), 0)]);
}

#[tokio::test]
async fn a_role_that_may_view_users_but_not_manage_teams_sees_teams_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let sales = team(&app, &c.owner, "Sales").await;
    let viewer_email = email("viewer");
    let viewer = app
        .add_user(&c.owner_email, "Vera Viewer", &viewer_email, "member")
        .await;
    app.sql("INSERT INTO roles (company_id, name, builtin, permissions, created_at) SELECT id, 'Viewer', NULL, 'users.view', 0 FROM companies")
        .await;
    app.sql(&format!(
        "UPDATE role_assignments SET role_id = (SELECT id FROM roles WHERE name = 'Viewer') WHERE user_id = {viewer}"
    ))
    .await;
    let cookie = app.session_of(&viewer_email).await;

    assert_eq!(list(&app, &cookie).await, vec![("Sales".to_string(), 0)]);
    assert_eq!(get(&app, &cookie, sales, None).await.status, StatusCode::OK);
    assert_eq!(
        rename(&app, &cookie, sales, "Hacked").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        members(&app, &cookie, "teams/add_members", sales, &[viewer])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(memberships(&app, sales).await, 0);
}

#[tokio::test]
async fn another_company_can_neither_see_nor_change_a_team() {
    let app = TestApp::spawn().await;
    let a = app.company("Company A").await;
    let b = app.company("Company B").await;
    let sales = team(&app, &a.owner, "Sales").await;
    let ana_email = email("ana");
    let ana = app.add_user(&a.owner_email, "Ana", &ana_email, "member").await;
    members(&app, &a.owner, "teams/add_members", sales, &[ana]).await;
    let b_user = app.add_user(&b.owner_email, "Bea", &email("bea"), "member").await;

    assert!(list(&app, &b.owner).await.is_empty());
    let r = get(&app, &b.owner, sales, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    assert!(!r.body.contains("Sales") && !r.body.contains(&ana_email));
    for r in [
        rename(&app, &b.owner, sales, "Hacked").await,
        delete(&app, &b.owner, sales).await,
        members(&app, &b.owner, "teams/add_members", sales, &[b_user]).await,
        members(&app, &b.owner, "teams/remove_members", sales, &[ana]).await,
    ] {
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    }
    assert_eq!(list(&app, &a.owner).await, vec![("Sales".to_string(), 1)]);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM team_members WHERE team_id = {sales} AND user_id = {ana}"
        ))
        .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action LIKE 'team.%' AND company_id = (SELECT company_id FROM users WHERE name = 'Bea')")
            .await,
        0,
        "company B recorded no team change"
    );
}

#[tokio::test]
async fn the_teams_pages_are_rendered_on_the_server_and_refused_to_a_member() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let sales = team(&app, &c.owner, "Sales").await;
    let ana = app
        .add_user(&c.owner_email, "Ana Ruiz", &email("ana"), "member")
        .await;
    members(&app, &c.owner, "teams/add_members", sales, &[ana]).await;

    let r = app.request("GET", "/teams", &[], Some(&c.owner), None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("<table") && r.body.contains("Sales") && r.body.contains("New team"));
    let r = app
        .request("GET", &format!("/teams/{sales}"), &[], Some(&c.owner), None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Ana Ruiz"), "{}", r.body);
    assert!(r.body.contains(&format!("/users?team={sales}")));

    let mel = email("mel");
    app.add_user(&c.owner_email, "Mel", &mel, "member").await;
    let cookie = app.session_of(&mel).await;
    for path in ["/teams".to_string(), format!("/teams/{sales}")] {
        let r = app.request("GET", &path, &[], Some(&cookie), None).await;
        assert!(
            r.body.contains("You don&#x27;t have access") || r.body.contains("You don't have access"),
            "{path}: {}",
            r.body
        );
        assert!(!r.body.contains("Ana Ruiz"));
    }
}

#[tokio::test]
async fn a_teams_members_are_listed_in_folded_name_order() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let r = app
        .call("teams/create", &[("name", "Sales")], Some(&c.owner))
        .await;
    let sales = r.json().as_i64().unwrap();
    let mut ids = Vec::new();
    for name in ["Zed Zane", "émile Blanc", "Emile Arnaud", "aaron Lower"] {
        ids.push(app.add_user(&c.owner_email, name, &email("m"), "member").await);
    }
    let r = members(&app, &c.owner, "teams/add_members", sales, &ids).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let page = get(&app, &c.owner, sales, None).await.json();
    assert_eq!(
        member_names(&page),
        ["aaron Lower", "Emile Arnaud", "émile Blanc", "Zed Zane"]
    );
}

//! Roles: custom roles with a permission matrix, listed after the built-in ones with their
//! holders; unique names; built-ins left alone; deleting moves holders and invitations in one
//! step; nobody grants what they don't hold; who may manage roles.

mod common;

use common::{email, TestApp};
use http::StatusCode;
use serde_json::Value;

/// Calls `roles/create` (or `roles/update` when `id` is given) with a name and a matrix.
async fn save(
    app: &TestApp,
    cookie: &str,
    id: Option<i64>,
    name: &str,
    permissions: &[&str],
    modules: &[&str],
) -> common::Response {
    let mut form: Vec<(String, String)> = vec![("name".into(), name.into())];
    if let Some(id) = id {
        form.push(("id".into(), id.to_string()));
    }
    for (i, p) in permissions.iter().enumerate() {
        form.push((format!("permissions[{i}]"), p.to_string()));
    }
    for (i, m) in modules.iter().enumerate() {
        form.push((format!("modules[{i}]"), m.to_string()));
    }
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let endpoint = if id.is_some() {
        "roles/update"
    } else {
        "roles/create"
    };
    app.call(endpoint, &form, Some(cookie)).await
}

/// Creates a custom role and answers its id.
async fn role(app: &TestApp, cookie: &str, name: &str, permissions: &[&str], modules: &[&str]) -> i64 {
    let r = save(app, cookie, None, name, permissions, modules).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json().as_i64().expect("the new role's id")
}

async fn delete(app: &TestApp, cookie: &str, id: i64, move_to: Option<i64>) -> common::Response {
    let id = id.to_string();
    let to = move_to.map(|t| t.to_string());
    let mut form = vec![("id", id.as_str())];
    if let Some(to) = &to {
        form.push(("move_to", to));
    }
    app.call("roles/delete", &form, Some(cookie)).await
}

async fn overview(app: &TestApp, cookie: &str) -> Value {
    let r = app.call("roles/list", &[], Some(cookie)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()
}

/// Each role as (name, built-in kind or null, holders).
fn rows(overview: &Value) -> Vec<(String, Value, i64)> {
    overview["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap().to_string(),
                r["builtin"].clone(),
                r["holders"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn find<'a>(overview: &'a Value, name: &str) -> &'a Value {
    overview["roles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no role {name} in {overview}"))
}

/// Gives `user` the role `role` on the company's root account.
async fn assign(app: &TestApp, user: i64, role: i64) {
    app.sql(&format!(
        "UPDATE role_assignments SET role_id = {role} WHERE user_id = {user}"
    ))
    .await;
}

async fn role_of(app: &TestApp, user: i64) -> i64 {
    app.count(&format!(
        "SELECT role_id FROM role_assignments WHERE user_id = {user}"
    ))
    .await
}

#[tokio::test]
async fn an_admin_creates_a_role_from_the_matrix_listed_after_the_built_ins() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let billing = role(
        &app,
        &c.owner,
        "  Billing  ",
        &["ViewUsers", "ManageInvitations"],
        &["module.payments", "module.pricing"],
    )
    .await;
    role(&app, &c.owner, "Auditor", &["ViewAuditLog"], &[]).await;

    let all = overview(&app, &c.owner).await;
    let names: Vec<String> = rows(&all).into_iter().map(|(n, _, _)| n).collect();
    assert_eq!(names, ["Owner", "Admin", "Member", "Auditor", "Billing"]);
    let b = find(&all, "Billing");
    assert_eq!(b["id"], billing);
    assert_eq!(b["builtin"], Value::Null);
    assert_eq!(
        b["grants"]["permissions"],
        serde_json::json!(["ViewUsers", "ManageInvitations"])
    );
    assert_eq!(
        b["grants"]["modules"],
        serde_json::json!(["module.pricing", "module.payments"]),
        "in the configured order"
    );
    assert_eq!(find(&all, "Admin")["builtin"], "Admin");
    // The catalogue draws the matrix.
    let areas: Vec<&str> = all["areas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(areas, ["People", "Structure", "Company"]);
    let modules: Vec<&str> = all["modules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(modules, ["Pricing", "Payments", "Reports", "Orders"]);
    let stored: String = sqlx::query_scalar("SELECT permissions FROM roles WHERE id = $1")
        .bind(billing)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(
        stored,
        "users.view invitations.manage module.pricing module.payments"
    );

    // Editing changes the name and the matrix.
    let r = save(&app, &c.owner, Some(billing), "Finance", &["ViewUsers"], &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let f = find(&overview(&app, &c.owner).await, "Finance").clone();
    assert_eq!(f["grants"]["permissions"], serde_json::json!(["ViewUsers"]));
    assert_eq!(f["grants"]["modules"], serde_json::json!([]));

    let actions: Vec<String> =
        sqlx::query_scalar("SELECT action FROM audit_events WHERE action LIKE 'role.%' ORDER BY id")
            .fetch_all(&app.state.db)
            .await
            .unwrap();
    assert_eq!(actions, ["role.created", "role.created", "role.updated"]);
}

#[tokio::test]
async fn the_list_counts_the_distinct_users_holding_each_role() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let support = role(&app, &c.owner, "Support", &["ViewUsers"], &[]).await;
    let ana = app.add_user(&c.owner_email, "Ana", &email("ana"), "member").await;
    let bo = app.add_user(&c.owner_email, "Bo", &email("bo"), "member").await;
    app.add_user(&c.owner_email, "Cy", &email("cy"), "admin").await;
    assign(&app, ana, support).await;
    assign(&app, bo, support).await;
    // Ana holds Support on a sub-account too: still one person.
    app.sql(&format!(
        "INSERT INTO accounts (company_id, parent_id, name, created_at)
         SELECT company_id, id, 'Europe', 0 FROM accounts WHERE parent_id IS NULL AND company_id = (SELECT company_id FROM users WHERE id = {ana})"
    ))
    .await;
    app.sql(&format!(
        "INSERT INTO role_assignments (user_id, account_id, role_id)
         SELECT {ana}, id, {support} FROM accounts WHERE name = 'Europe'"
    ))
    .await;
    let counts: Vec<(String, i64)> = rows(&overview(&app, &c.owner).await)
        .into_iter()
        .map(|(n, _, h)| (n, h))
        .collect();
    assert_eq!(
        counts,
        [
            ("Owner".to_string(), 1),
            ("Admin".to_string(), 1),
            ("Member".to_string(), 0),
            ("Support".to_string(), 2)
        ]
    );
}

#[tokio::test]
async fn a_role_name_is_unique_in_its_company_whatever_the_case() {
    let app = TestApp::spawn().await;
    let a = app.company("Company A").await;
    let b = app.company("Company B").await;
    let sales = role(&app, &a.owner, "Sales", &[], &[]).await;
    let support = role(&app, &a.owner, "Support", &[], &[]).await;

    for (id, name) in [(None, "sales"), (None, "ADMIN"), (Some(support), "SALES")] {
        let r = save(&app, &a.owner, id, name, &[], &[]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let message = r.json()["Invalid"]["message"].as_str().unwrap().to_string();
        assert_eq!(message, format!("A role called {name} already exists."));
        assert_eq!(r.json()["Invalid"]["field"], "name");
    }
    let r = save(&app, &a.owner, None, "   ", &[], &[]).await;
    assert_eq!(r.json()["Invalid"]["field"], "name", "{}", r.body);
    let r = save(&app, &a.owner, None, &"x".repeat(61), &[], &[]).await;
    assert_eq!(r.json()["Invalid"]["field"], "name", "{}", r.body);
    // Renaming to itself in another case is fine; another company may use the name.
    let r = save(&app, &a.owner, Some(sales), "SALES", &[], &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    role(&app, &b.owner, "Sales", &[], &[]).await;
}

#[tokio::test]
async fn built_in_roles_cannot_be_edited_or_deleted() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let owner_role = app.role_id(&c.owner_email, "owner").await;
    let custom = role(&app, &c.owner, "Support", &[], &[]).await;
    for id in [owner_role, c.admin_role, c.member_role] {
        let r = save(&app, &c.owner, Some(id), "Renamed", &["ViewUsers"], &[]).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
        assert!(r.body.contains("cannot be edited"), "{}", r.body);
        let r = delete(&app, &c.owner, id, Some(custom)).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
        assert!(r.body.contains("cannot be deleted"), "{}", r.body);
    }
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM roles WHERE builtin IS NOT NULL AND name IN ('Owner', 'Admin', 'Member')"
        )
        .await,
        3
    );
}

#[tokio::test]
async fn deleting_a_role_moves_its_holders_and_pending_invitations_in_one_step() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let support = role(&app, &c.owner, "Support", &["ViewUsers"], &[]).await;
    let helpdesk = role(&app, &c.owner, "Helpdesk", &["ViewUsers"], &[]).await;
    let ana = app.add_user(&c.owner_email, "Ana", &email("ana"), "member").await;
    let bo = app.add_user(&c.owner_email, "Bo", &email("bo"), "member").await;
    assign(&app, ana, support).await;
    assign(&app, bo, support).await;
    let invited = email("invitee");
    let r = app.invite(&c.owner, &[&invited], support).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // Holders need somewhere to go.
    let r = delete(&app, &c.owner, support, None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["Invalid"]["field"], "move_to");

    let r = delete(&app, &c.owner, support, Some(helpdesk)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(role_of(&app, ana).await, helpdesk);
    assert_eq!(role_of(&app, bo).await, helpdesk);
    assert_eq!(
        app.count(&format!(
            "SELECT ia.role_id FROM invitation_accounts ia JOIN invitations i ON i.id = ia.invitation_id WHERE i.email = '{invited}'"
        ))
        .await,
        helpdesk
    );
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM roles WHERE id = {support}"))
            .await,
        0
    );
    let names: Vec<String> = rows(&overview(&app, &c.owner).await)
        .into_iter()
        .map(|(n, _, _)| n)
        .collect();
    assert_eq!(names, ["Owner", "Admin", "Member", "Helpdesk"]);
    assert_eq!(find(&overview(&app, &c.owner).await, "Helpdesk")["holders"], 2);
    let event: (String, String) =
        sqlx::query_as("SELECT target_label, after_json FROM audit_events WHERE action = 'role.deleted'")
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert_eq!(event.0, "Support");
    assert!(event.1.contains("Helpdesk"), "{}", event.1);

    // A role nobody holds goes without a move.
    let unused = role(&app, &c.owner, "Unused", &[], &[]).await;
    let r = delete(&app, &c.owner, unused, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn a_refused_delete_leaves_the_role_its_holders_and_invitations_unchanged() {
    let app = TestApp::spawn().await;
    let a = app.company("Company A").await;
    let b = app.company("Company B").await;
    let b_role = role(&app, &b.owner, "Elsewhere", &[], &[]).await;
    let owner_role = app.role_id(&a.owner_email, "owner").await;
    let support = role(&app, &a.owner, "Support", &["ViewUsers"], &[]).await;
    let ana = app.add_user(&a.owner_email, "Ana", &email("ana"), "member").await;
    assign(&app, ana, support).await;
    let invited = email("invitee");
    app.invite(&a.owner, &[&invited], support).await;

    for (move_to, why) in [
        (Some(b_role), "another company's role"),
        (Some(owner_role), "the Owner role"),
        (Some(support), "the role itself"),
        (Some(999_999), "no role at all"),
        (None, "nowhere"),
    ] {
        let r = delete(&app, &a.owner, support, move_to).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "moving to {why}: {}",
            r.body
        );
        assert_eq!(r.json()["Invalid"]["field"], "move_to", "{why}");
        assert_eq!(role_of(&app, ana).await, support, "{why}");
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM invitation_accounts WHERE role_id = {support}"
            ))
            .await,
            1,
            "{why}"
        );
        assert_eq!(
            app.count(&format!("SELECT COUNT(*) FROM roles WHERE id = {support}"))
                .await,
            1
        );
    }
    // Company B cannot delete A's role either.
    let r = delete(&app, &b.owner, support, Some(b_role)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    assert_eq!(role_of(&app, ana).await, support);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'role.deleted'")
            .await,
        0
    );
}

#[tokio::test]
async fn nobody_can_grant_a_permission_they_do_not_hold() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let role_maker = role(
        &app,
        &c.owner,
        "Role maker",
        &["ManageRoles", "ViewUsers"],
        &["module.pricing"],
    )
    .await;
    let rita_email = email("rita");
    let rita = app.add_user(&c.owner_email, "Rita", &rita_email, "member").await;
    assign(&app, rita, role_maker).await;
    let cookie = app.session_of(&rita_email).await;

    let r = save(&app, &cookie, None, "Settings", &["ManageSettings"], &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(
        r.json()["Invalid"]["message"],
        "You can't give a permission you don't have: Manage settings."
    );
    let r = save(&app, &cookie, None, "Payer", &[], &["module.payments"]).await;
    assert_eq!(
        r.json()["Invalid"]["message"],
        "You can't give a permission you don't have: Payments."
    );
    let r = save(&app, &cookie, None, "Nowhere", &[], &["module.nowhere"]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["Invalid"]["field"], "permissions");
    // Nor move people into a role that grants more.
    let mine = role(&app, &cookie, "Viewer", &["ViewUsers"], &["module.pricing"]).await;
    let r = save(&app, &cookie, Some(mine), "Viewer", &["ManageUsers"], &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let ana = app.add_user(&c.owner_email, "Ana", &email("ana"), "member").await;
    assign(&app, ana, mine).await;
    let r = delete(&app, &cookie, mine, Some(c.admin_role)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(role_of(&app, ana).await, mine);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM roles WHERE name IN ('Settings', 'Payer', 'Nowhere')")
            .await,
        0
    );
}

#[tokio::test]
async fn a_member_may_not_see_or_change_roles() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let mel = email("mel");
    app.add_user(&c.owner_email, "Mel", &mel, "member").await;
    let cookie = app.session_of(&mel).await;
    assert_eq!(
        app.call("roles/list", &[], Some(&cookie)).await.status,
        StatusCode::FORBIDDEN
    );
    let r = save(&app, &cookie, None, "Sneaky", &[], &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = delete(&app, &cookie, c.member_role, None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
}

#[tokio::test]
async fn the_roles_page_lists_the_roles_for_a_manager_and_refuses_a_member() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    role(&app, &c.owner, "Billing", &["ViewUsers"], &["module.payments"]).await;
    let r = app.request("GET", "/roles", &[], Some(&c.owner), None).await;
    assert_eq!(r.status, StatusCode::OK);
    for text in [
        "<h1>Roles</h1>",
        "New role",
        "Built-in",
        "Billing",
        "View users, Modules: Payments",
        "aria-label=\"Edit Billing\"",
        "aria-label=\"Delete Billing\"",
        "1 user",
    ] {
        assert!(r.body.contains(text), "{text} missing from the page");
    }
    assert!(!r.body.contains("Edit Admin"), "built-ins have no Edit");

    let mel = email("mel");
    app.add_user(&c.owner_email, "Mel", &mel, "member").await;
    let cookie = app.session_of(&mel).await;
    let r = app.request("GET", "/roles", &[], Some(&cookie), None).await;
    assert!(r.body.contains("You don't have access"), "{}", r.body);
    assert!(!r.body.contains("Billing"));
}

#[tokio::test]
async fn a_roles_manager_cannot_lower_or_delete_a_role_granting_more_than_they_hold() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let strong = role(
        &app,
        &c.owner,
        "Super",
        &["ManageUsers", "ManageRoles", "ManageSettings"],
        &[],
    )
    .await;
    let roles_only = role(&app, &c.owner, "Roles manager", &["ManageRoles"], &[]).await;
    let manager_email = email("roles-manager");
    let manager = app
        .add_user(&c.owner_email, "Rita Roles", &manager_email, "member")
        .await;
    let root = app.root_account(&c.owner_email).await;
    app.place(manager, &[(root, roles_only)]).await;
    let cookie = app.session_of(&manager_email).await;

    let lowered = save(&app, &cookie, Some(strong), "Super", &["ManageRoles"], &[]).await;
    assert_eq!(lowered.status, StatusCode::FORBIDDEN, "{}", lowered.body);
    let deleted = delete(&app, &cookie, strong, Some(c.member_role)).await;
    assert_eq!(deleted.status, StatusCode::FORBIDDEN, "{}", deleted.body);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM roles WHERE id = {strong} AND permissions LIKE '%settings.manage%'"
        ))
        .await,
        1,
        "the stronger role is as it was"
    );
    // Their own level stays theirs to edit.
    let renamed = save(
        &app,
        &cookie,
        Some(roles_only),
        "Role keepers",
        &["ManageRoles"],
        &[],
    )
    .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
}

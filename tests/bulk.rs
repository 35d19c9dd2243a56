//! Bulk changes of users: who is changed and who is skipped, selections resolved on the
//! server, undo, and racing changes.

mod common;

use common::{email, Company, TestApp};
use http::StatusCode;
use roster::server::db::write::Write;
use serde_json::{json, Value};
use std::time::Duration;

/// `count` members named "<prefix> <n>", returning their ids.
async fn members(app: &TestApp, c: &Company, prefix: &str, count: usize) -> Vec<i64> {
    let mut ids = Vec::new();
    for n in 0..count {
        let who = format!("{prefix} {n:02}");
        let address = email(&who.to_lowercase().replace(' ', "-"));
        ids.push(app.add_user(&c.owner_email, &who, &address, "member").await);
    }
    ids
}

fn by_ids(ids: &[i64]) -> Vec<(String, String)> {
    ids.iter()
        .enumerate()
        .map(|(i, id)| (format!("selection[ids][{i}]"), id.to_string()))
        .collect()
}

/// Calls `users/bulk/<verb>` with a selection and an action, both as form fields.
async fn bulk(
    app: &TestApp,
    cookie: &str,
    verb: &str,
    selection: &[(String, String)],
    action: &[(&str, String)],
) -> common::Response {
    let mut form: Vec<(&str, &str)> = selection.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    // `teams[0]` becomes `action[teams][0]`.
    let action: Vec<(String, String)> = action
        .iter()
        .map(|(k, v)| match k.split_once('[') {
            Some((field, rest)) => (format!("action[{field}][{rest}"), v.clone()),
            None => (format!("action[{k}]"), v.clone()),
        })
        .collect();
    form.extend(action.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    app.call(&format!("users/bulk/{verb}"), &form, Some(cookie)).await
}

fn change_role(role: i64) -> Vec<(&'static str, String)> {
    vec![("kind", "change_role".into()), ("role", role.to_string())]
}

async fn role_of(app: &TestApp, id: i64) -> String {
    sqlx::query_scalar(
        "SELECT r.builtin FROM role_assignments ra JOIN roles r ON r.id = ra.role_id
         JOIN accounts a ON a.id = ra.account_id WHERE ra.user_id = $1 AND a.parent_id IS NULL",
    )
    .bind(id)
    .fetch_one(&app.state.db)
    .await
    .unwrap()
}

async fn owner_id(app: &TestApp, c: &Company) -> i64 {
    app.user_id(&c.owner_email).await
}

#[tokio::test]
async fn a_role_change_preview_names_the_accounts_where_it_applies() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let root = app.root_account(&c.owner_email).await;
    let europe = app.sub_account(root, "Europe").await;
    let asia = app.sub_account(root, "Asia").await;
    let ids = members(&app, &c, "Spread", 4).await;
    app.place(ids[0], &[(europe, c.member_role)]).await;
    app.place(ids[1], &[(asia, c.member_role), (europe, c.member_role)])
        .await;
    app.place(ids[2], &[]).await;
    // ids[3] stays a Member on the root account.

    let one = bulk(
        &app,
        &c.owner,
        "preview",
        &by_ids(&ids[..1]),
        &change_role(c.admin_role),
    )
    .await;
    assert_eq!(one.json()["accounts"], json!(["Europe"]), "{}", one.body);
    let two_places = bulk(
        &app,
        &c.owner,
        "preview",
        &by_ids(&ids[1..2]),
        &change_role(c.admin_role),
    )
    .await;
    assert_eq!(
        two_places.json()["accounts"],
        json!(["Asia", "Europe"]),
        "one person's every account, by name: {}",
        two_places.body
    );
    let no_access = bulk(
        &app,
        &c.owner,
        "preview",
        &by_ids(&ids[2..3]),
        &change_role(c.admin_role),
    )
    .await;
    assert_eq!(
        no_access.json()["accounts"],
        json!(["Initech"]),
        "someone with no access gets the role on the root account"
    );
    let all = bulk(
        &app,
        &c.owner,
        "preview",
        &by_ids(&ids),
        &change_role(c.admin_role),
    )
    .await;
    assert_eq!(
        all.json()["accounts"],
        json!(["Initech", "Asia", "Europe"]),
        "{}",
        all.body
    );
    assert_eq!(all.json()["more_accounts"], 0);
    // Changing nothing, it names no account.
    let deactivate = bulk(
        &app,
        &c.owner,
        "preview",
        &by_ids(&ids),
        &[("kind", "deactivate".into())],
    )
    .await;
    assert_eq!(deactivate.json()["accounts"], json!([]));
}

#[tokio::test]
async fn a_bulk_role_change_skips_the_owner_and_says_so_before_and_after() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let mut ids = members(&app, &c, "Mel", 3).await;
    ids.push(owner_id(&app, &c).await);
    let selection = by_ids(&ids);

    let preview = bulk(&app, &c.owner, "preview", &selection, &change_role(c.admin_role)).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    let expected = json!({ "changed": 3, "unchanged": 0, "skipped": [{ "name": "Olivia Owner", "reason": "is the owner (Transfer ownership to another active user first)" }], "undo": null, "invitations_withdrawn": 0, "accounts": ["Initech"], "more_accounts": 0 });
    let mut previewed = preview.json();
    let gains = previewed.as_object_mut().unwrap().remove("gains").unwrap();
    assert_eq!(
        previewed, expected,
        "the role applies on the root account and below"
    );
    assert_eq!(
        gains["people"], 3,
        "the three Members gain the Admin's permissions"
    );
    assert_eq!(role_of(&app, ids[0]).await, "member", "a preview changes nothing");

    let done = bulk(&app, &c.owner, "apply", &selection, &change_role(c.admin_role))
        .await
        .json();
    assert_eq!(done["changed"], 3);
    assert_eq!(done["skipped"][0]["name"], "Olivia Owner");
    assert!(done["undo"].is_i64());
    for id in &ids[..3] {
        assert_eq!(role_of(&app, *id).await, "admin");
    }
    assert_eq!(role_of(&app, ids[3]).await, "owner");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'user.role_changed'")
            .await,
        3
    );
    let before: String =
        sqlx::query_scalar("SELECT before_json FROM audit_events WHERE action = 'user.role_changed' LIMIT 1")
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&before).unwrap(),
        json!({ "role": "Member" })
    );

    // Asking again changes nobody: they already hold the role.
    let again = bulk(&app, &c.owner, "apply", &selection, &change_role(c.admin_role))
        .await
        .json();
    assert_eq!(
        (again["changed"].as_i64(), again["unchanged"].as_i64()),
        (Some(0), Some(3))
    );
}

#[tokio::test]
async fn selecting_all_matching_a_view_is_resolved_by_the_server_across_pages() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let team: i64 = {
        app.sql("INSERT INTO teams (company_id, name, created_at) SELECT company_id, 'Night shift', 0 FROM users LIMIT 1").await;
        app.count("SELECT id FROM teams WHERE name = 'Night shift'").await
    };
    let night = members(&app, &c, "Nia", 30).await;
    members(&app, &c, "Day", 5).await;
    for id in &night {
        app.sql(&format!(
            "INSERT INTO team_members (team_id, user_id) VALUES ({team}, {id})"
        ))
        .await;
    }
    let selection = vec![
        ("selection[matching][team]".to_string(), team.to_string()),
        ("selection[matching][per_page]".to_string(), "25".to_string()),
    ];
    let count = app
        .call(
            "users/count",
            &[("query[team]", &team.to_string())],
            Some(&c.owner),
        )
        .await
        .json();
    assert_eq!(count, 30);
    // Someone joins the team after the admin selected "all matching": they are included.
    let late = members(&app, &c, "Late", 1).await[0];
    app.sql(&format!(
        "INSERT INTO team_members (team_id, user_id) VALUES ({team}, {late})"
    ))
    .await;
    let done = bulk(&app, &c.owner, "apply", &selection, &change_role(c.admin_role)).await;
    assert_eq!(done.json()["changed"], 31, "{}", done.body);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users u WHERE u.name LIKE 'Day%' AND EXISTS (SELECT 1 FROM role_assignments ra JOIN roles r ON r.id = ra.role_id WHERE ra.user_id = u.id AND r.builtin = 'admin')").await,
        0,
        "users outside the view are untouched"
    );
}

#[tokio::test]
async fn undo_restores_the_previous_values_except_for_users_changed_since() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let ids = members(&app, &c, "Ula", 3).await;
    let done = bulk(&app, &c.owner, "apply", &by_ids(&ids), &change_role(c.admin_role))
        .await
        .json();
    let change = done["undo"].as_i64().unwrap().to_string();

    // Someone changes Ula 02 again before the undo.
    let r = app
        .call(
            "users/change_role",
            &[("id", &ids[2].to_string()), ("role", &c.member_role.to_string())],
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let admin_role = c.admin_role.to_string();
    app.call(
        "users/change_role",
        &[("id", &ids[2].to_string()), ("role", &admin_role)],
        Some(&c.owner),
    )
    .await;

    let undone = app
        .call("users/bulk/undo", &[("change", &change)], Some(&c.owner))
        .await;
    assert_eq!(undone.status, StatusCode::OK, "{}", undone.body);
    assert_eq!(
        undone.json(),
        json!({ "restored": 2, "not_restored": [{ "name": "Ula 02", "reason": "was changed again since" }] })
    );
    assert_eq!(role_of(&app, ids[0]).await, "member");
    assert_eq!(role_of(&app, ids[1]).await, "member");
    assert_eq!(role_of(&app, ids[2]).await, "admin", "the later change stays");
    let twice = app
        .call("users/bulk/undo", &[("change", &change)], Some(&c.owner))
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn team_changes_in_bulk_add_remove_set_and_undo() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    for name in ["Ops", "Sales"] {
        app.sql(&format!("INSERT INTO teams (company_id, name, created_at) SELECT company_id, '{name}', 0 FROM users LIMIT 1")).await;
    }
    let ops = app
        .count("SELECT id FROM teams WHERE name = 'Ops'")
        .await
        .to_string();
    let sales = app
        .count("SELECT id FROM teams WHERE name = 'Sales'")
        .await
        .to_string();
    let ids = members(&app, &c, "Tia", 2).await;
    let teams_of = |id: i64| {
        let app = &app;
        async move {
            let mut t: Vec<String> = sqlx::query_scalar(
                "SELECT t.name FROM team_members tm JOIN teams t ON t.id = tm.team_id WHERE tm.user_id = $1",
            )
            .bind(id)
            .fetch_all(&app.state.db)
            .await
            .unwrap();
            t.sort();
            t
        }
    };
    let sel = by_ids(&ids);
    let add = bulk(
        &app,
        &c.owner,
        "apply",
        &sel,
        &[("kind", "add_to_teams".into()), ("teams[0]", ops.clone())],
    )
    .await;
    assert_eq!(add.json()["changed"], 2, "{}", add.body);
    let set = bulk(
        &app,
        &c.owner,
        "apply",
        &sel,
        &[("kind", "set_teams".into()), ("teams[0]", sales.clone())],
    )
    .await
    .json();
    assert_eq!(teams_of(ids[0]).await, ["Sales"]);
    let undo = app
        .call(
            "users/bulk/undo",
            &[("change", &set["undo"].to_string())],
            Some(&c.owner),
        )
        .await;
    assert_eq!(undo.json()["restored"], 2, "{}", undo.body);
    assert_eq!(teams_of(ids[1]).await, ["Ops"]);
    let remove = bulk(
        &app,
        &c.owner,
        "apply",
        &sel,
        &[("kind", "remove_from_teams".into()), ("teams[0]", ops)],
    )
    .await
    .json();
    assert_eq!(remove["changed"], 2);
    assert!(teams_of(ids[0]).await.is_empty());
    let foreign = bulk(
        &app,
        &c.owner,
        "apply",
        &sel,
        &[("kind", "add_to_teams".into()), ("teams[0]", "999999".into())],
    )
    .await;
    assert_eq!(foreign.json()["Invalid"]["field"], "teams", "{}", foreign.body);
}

#[tokio::test]
async fn bulk_deactivation_ends_sessions_and_reactivation_emails_links_and_both_undo() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let ids = members(&app, &c, "Dee", 2).await;
    let emails: Vec<String> =
        sqlx::query_scalar("SELECT email FROM users WHERE name LIKE 'Dee%' ORDER BY name")
            .fetch_all(&app.state.db)
            .await
            .unwrap();
    let session = app.session_of(&emails[0]).await;
    let mut sel = by_ids(&ids);
    sel.extend(
        by_ids(&[owner_id(&app, &c).await])
            .into_iter()
            .map(|(_, v)| ("selection[ids][2]".to_string(), v)),
    );
    let off = bulk(&app, &c.owner, "apply", &sel, &[("kind", "deactivate".into())])
        .await
        .json();
    assert_eq!(off["changed"], 2);
    assert!(off["skipped"][0]["reason"]
        .as_str()
        .unwrap()
        .starts_with("is the owner"));
    assert_eq!(
        app.call("auth/me", &[], Some(&session)).await.json(),
        Value::Null,
        "signed out at once"
    );

    let on = bulk(&app, &c.owner, "apply", &sel, &[("kind", "reactivate".into())])
        .await
        .json();
    assert_eq!(
        (on["changed"].as_i64(), on["unchanged"].as_i64()),
        (Some(2), Some(1))
    );
    for to in &emails {
        let token = app.emailed_token(to, "welcome").await;
        let info = app.call("welcome/info", &[("token", &token)], None).await;
        assert_eq!(info.json()["reactivation"], true, "{}", info.body);
    }
    let undo = app
        .call(
            "users/bulk/undo",
            &[("change", &on["undo"].to_string())],
            Some(&c.owner),
        )
        .await;
    assert_eq!(undo.json()["restored"], 2, "{}", undo.body);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE status = 'deactivated'")
            .await,
        2
    );
    let token = app.emailed_token(&emails[0], "welcome").await;
    assert_eq!(
        app.call("welcome/info", &[("token", &token)], None).await.status,
        StatusCode::GONE,
        "undoing the reactivation kills its links"
    );
}

#[tokio::test]
async fn bulk_delete_keeps_the_deleted_users_names_in_the_audit_log_and_cannot_be_undone() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let ids = members(&app, &c, "Gone", 2).await;
    let done = bulk(
        &app,
        &c.owner,
        "apply",
        &by_ids(&ids),
        &[("kind", "delete".into())],
    )
    .await
    .json();
    assert_eq!(done["changed"], 2);
    assert_eq!(done["undo"], Value::Null);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE name LIKE 'Gone%'")
            .await,
        0
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'user.deleted' AND target_label LIKE 'Gone 0_ (%'").await,
        2
    );
}

#[tokio::test]
async fn two_bulk_changes_racing_over_the_same_users_leave_one_consistent_result() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let admin = email("ada");
    app.add_user(&c.owner_email, "Ada Admin", &admin, "admin").await;
    let ada = app.session_of(&admin).await;
    let ids = members(&app, &c, "Rae", 20).await;
    let sel = by_ids(&ids);
    let (to_admin, to_member) = (change_role(c.admin_role), change_role(c.member_role));
    for _ in 0..3 {
        let (a, b) = tokio::join!(
            bulk(&app, &c.owner, "apply", &sel, &to_admin),
            bulk(&app, &ada, "apply", &sel, &to_member)
        );
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
        assert_eq!(b.status, StatusCode::OK, "{}", b.body);
        let mut roles = Vec::new();
        for id in &ids {
            roles.push(role_of(&app, *id).await);
        }
        roles.dedup();
        assert_eq!(
            roles.len(),
            1,
            "all 20 end with the role of whichever ran last: {roles:?}"
        );
        let per_user = app
            .count("SELECT COUNT(*) FROM role_assignments ra JOIN users u ON u.id = ra.user_id WHERE u.name LIKE 'Rae%'")
            .await;
        assert_eq!(per_user, 20, "one root assignment each");
    }
}

#[tokio::test]
async fn another_companys_users_are_never_changed_by_id_or_by_view() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let theirs = members(&app, &c, "Them", 2).await;
    let other = app.company("Initech").await;
    let by_id = bulk(
        &app,
        &other.owner,
        "apply",
        &by_ids(&theirs),
        &change_role(other.admin_role),
    )
    .await
    .json();
    assert_eq!(by_id["changed"], 0);
    let everything = vec![("selection[matching][tab]".to_string(), "all".to_string())];
    let by_view = bulk(
        &app,
        &other.owner,
        "apply",
        &everything,
        &[("kind", "deactivate".into())],
    )
    .await
    .json();
    assert_eq!(by_view["changed"], 0, "only their own owner, who is skipped");
    for id in theirs {
        assert_eq!(role_of(&app, id).await, "member");
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE status = 'deactivated'")
            .await,
        0
    );
}

#[tokio::test]
async fn a_bulk_change_of_a_thousand_users_undoes_exactly_leaving_those_changed_since() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let company = app.company_of(&c.owner_email).await;
    let root = app.root_account(&c.owner_email).await;
    let people: Vec<(String, String)> = (0..1_000)
        .map(|i| (format!("Many {i:04}"), format!("many{i:04}@example.com")))
        .collect();
    app.add_active(company, &people).await;
    app.sql(&format!(
        "INSERT INTO role_assignments (user_id, account_id, role_id)
         SELECT id, {root}, {} FROM users WHERE name LIKE 'Many %'",
        c.member_role
    ))
    .await;
    let view = [
        ("selection[matching][tab]".to_string(), "all".to_string()),
        ("selection[matching][search]".to_string(), "many".to_string()),
    ];
    let done = bulk(&app, &c.owner, "apply", &view, &change_role(c.admin_role)).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(done.json()["changed"], 1_000, "{}", done.body);
    let change = done.json()["undo"].as_i64().unwrap().to_string();
    let (changed, deactivated, renamed) = (
        app.user_id("many0007@example.com").await,
        app.user_id("many0500@example.com").await,
        app.user_id("many0999@example.com").await,
    );

    // After the change: one made a member again, one deactivated, one renamed.
    let r = app
        .call(
            "users/change_role",
            &[("id", &changed.to_string()), ("role", &c.member_role.to_string())],
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app
        .call(
            "users/deactivate",
            &[("id", &deactivated.to_string())],
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let version = app
        .count(&format!("SELECT version FROM users WHERE id = {renamed}"))
        .await;
    let r = app
        .call(
            "users/update",
            &[
                ("edit[id]", &renamed.to_string()),
                ("edit[version]", &version.to_string()),
                ("edit[name]", "Many Renamed"),
                ("edit[email]", "many0999@example.com"),
            ],
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let undone = app
        .call("users/bulk/undo", &[("change", &change)], Some(&c.owner))
        .await;
    assert_eq!(undone.status, StatusCode::OK, "{}", undone.body);
    let undone = undone.json();
    assert_eq!(undone["restored"], 997, "{undone}");
    let mut left: Vec<&str> = undone["not_restored"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            assert_eq!(s["reason"], "was changed again since", "{s}");
            s["name"].as_str().unwrap()
        })
        .collect();
    left.sort_unstable();
    assert_eq!(left, ["Many 0007", "Many 0500", "Many Renamed"]);
    let admins = format!(
        "SELECT COUNT(*) FROM role_assignments ra JOIN users u ON u.id = ra.user_id
         WHERE u.company_id = {company} AND ra.role_id = {}",
        c.admin_role
    );
    assert_eq!(
        app.count(&admins).await,
        2,
        "only the two changed since stay admins"
    );
    assert_eq!(role_of(&app, changed).await, "member");
    assert_eq!(role_of(&app, deactivated).await, "admin");
    assert_eq!(role_of(&app, renamed).await, "admin");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'user.role_changed' AND after_json LIKE '%undo_of%'")
            .await,
        997,
        "one event per restored user"
    );
}

#[tokio::test]
async fn a_role_deleted_after_a_bulk_change_moves_its_holders_and_the_undo_leaves_them() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let support = app.custom_role(&c.owner_email, "Support", "users.view").await;
    let ids = members(&app, &c, "Rae", 3).await;
    let done = bulk(&app, &c.owner, "apply", &by_ids(&ids), &change_role(support)).await;
    assert_eq!(done.json()["changed"], 3, "{}", done.body);
    let change = done.json()["undo"].as_i64().unwrap().to_string();

    let r = app
        .call(
            "roles/delete",
            &[
                ("id", &support.to_string()),
                ("move_to", &c.admin_role.to_string()),
            ],
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // Each holder's history says their role changed.
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM audit_events WHERE action = 'user.role_changed'
               AND before_json = '{{\"role\":\"Support\"}}' AND after_json = '{{\"role\":\"Admin\"}}'
               AND target_user_id IN ({}, {}, {})",
            ids[0], ids[1], ids[2]
        ))
        .await,
        3
    );

    let undone = app
        .call("users/bulk/undo", &[("change", &change)], Some(&c.owner))
        .await;
    assert_eq!(undone.status, StatusCode::OK, "{}", undone.body);
    assert_eq!(undone.json()["restored"], 0, "{}", undone.body);
    for id in ids {
        assert_eq!(role_of(&app, id).await, "admin", "the move stays");
    }
}

#[tokio::test]
async fn a_bulk_change_of_roles_leaves_an_open_details_form_saveable() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let ids = members(&app, &c, "Uma", 2).await;
    let version = app
        .count(&format!("SELECT version FROM users WHERE id = {}", ids[0]))
        .await;
    let address: String = sqlx::query_scalar("SELECT email FROM users WHERE id = $1")
        .bind(ids[0])
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    let done = bulk(&app, &c.owner, "apply", &by_ids(&ids), &change_role(c.admin_role)).await;
    assert_eq!(done.json()["changed"], 2, "{}", done.body);
    // The form was opened before the change; its name, phone and title were not changed since.
    let r = app
        .call(
            "users/update",
            &[
                ("edit[id]", &ids[0].to_string()),
                ("edit[version]", &version.to_string()),
                ("edit[name]", "Uma Renamed"),
                ("edit[email]", &address),
            ],
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(role_of(&app, ids[0]).await, "admin");
}

#[tokio::test]
async fn an_undo_never_takes_all_access_from_people_whose_earlier_role_was_deleted() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let temporary = app.custom_role(&c.owner_email, "Temporary", "users.view").await;
    let ids = members(&app, &c, "Dee", 2).await;
    let to_temporary = bulk(&app, &c.owner, "apply", &by_ids(&ids), &change_role(temporary)).await;
    assert_eq!(to_temporary.json()["changed"], 2, "{}", to_temporary.body);
    let back = bulk(
        &app,
        &c.owner,
        "apply",
        &by_ids(&ids),
        &change_role(c.member_role),
    )
    .await;
    let change = back.json()["undo"].as_i64().unwrap().to_string();
    // Nobody holds Temporary any more, so it goes without moving anyone.
    let r = app
        .call("roles/delete", &[("id", &temporary.to_string())], Some(&c.owner))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let undone = app
        .call("users/bulk/undo", &[("change", &change)], Some(&c.owner))
        .await;
    assert_eq!(undone.status, StatusCode::OK, "{}", undone.body);
    assert_eq!(
        undone.json(),
        json!({ "restored": 0, "not_restored": [
            { "name": "Dee 00", "reason": "had a role that has since been deleted" },
            { "name": "Dee 01", "reason": "had a role that has since been deleted" },
        ] })
    );
    for id in ids {
        assert_eq!(role_of(&app, id).await, "member", "their access stays");
    }
}

#[tokio::test]
async fn a_role_change_that_grants_power_names_who_gains_what_and_is_refused_if_that_changed() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let root = app.root_account(&c.owner_email).await;
    let ids = members(&app, &c, "Gia", 7).await;
    let viewer = app.custom_role(&c.owner_email, "Viewer", "users.view").await;
    let manager = app
        .custom_role(&c.owner_email, "User manager", "users.view users.manage")
        .await;
    // Gia 00 manages users already: made a Viewer, she gains nothing.
    app.place(ids[0], &[(root, manager)]).await;
    let selection = by_ids(&ids);
    let names: Vec<String> = (1..=6).map(|n| format!("Gia {n:02}")).collect();

    let up = bulk(&app, &c.owner, "preview", &selection, &change_role(manager)).await;
    assert_eq!(up.status, StatusCode::OK, "{}", up.body);
    assert_eq!(
        (up.json()["changed"].as_i64(), up.json()["unchanged"].as_i64()),
        (Some(6), Some(1))
    );
    let without_key = |r: &common::Response| {
        let mut gains = r.json()["gains"].clone();
        gains.as_object_mut().map(|g| g.remove("key"));
        gains
    };
    assert_eq!(
        without_key(&up),
        json!({ "people": 6, "names": names, "permissions": ["View users", "Manage users"] })
    );
    let sideways = bulk(&app, &c.owner, "preview", &selection, &change_role(viewer)).await;
    assert_eq!(
        without_key(&sideways),
        json!({ "people": 6, "names": names, "permissions": ["View users"] }),
        "Gia 00 holds more than a Viewer already"
    );
    let down = bulk(&app, &c.owner, "preview", &selection, &change_role(c.member_role)).await;
    assert_eq!(down.json()["changed"], 1, "{}", down.body);
    assert_eq!(
        down.json().get("gains"),
        None,
        "a Member gains nothing: {}",
        down.body
    );

    // Confirmed with another preview's key: refused, nothing written.
    let key = up.json()["gains"]["key"].as_str().unwrap().to_string();
    let with_key = |key: &str| {
        let mut action = change_role(manager);
        action.push(("gainers", key.to_string()));
        action
    };
    let sideways_key = sideways.json()["gains"]["key"].as_str().unwrap().to_string();
    assert_ne!(key, sideways_key, "other permissions, another key");
    let refused = bulk(&app, &c.owner, "apply", &selection, &with_key(&sideways_key)).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(refused.body.contains("than you were shown"), "{}", refused.body);
    let held = format!(
        "SELECT COUNT(*) FROM role_assignments WHERE role_id = {manager} AND user_id IN ({})",
        ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
    );
    assert_eq!(app.count(&held).await, 1, "nobody was changed");
    assert_eq!(app.count("SELECT COUNT(*) FROM bulk_changes").await, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'user.role_changed'")
            .await,
        0
    );
    // The role grants more since the preview: the same people, other power, refused.
    app.sql(&format!(
        "UPDATE roles SET permissions = 'users.view users.manage roles.manage' WHERE id = {manager}"
    ))
    .await;
    let refused = bulk(&app, &c.owner, "apply", &selection, &with_key(&key)).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    app.sql(&format!(
        "UPDATE roles SET permissions = 'users.view users.manage' WHERE id = {manager}"
    ))
    .await;

    // The same people gaining the same, but on more accounts since the preview (a role change
    // rewrites every assignment a person holds): refused.
    let branch = app.sub_account(root, "Branch").await;
    app.place(ids[1], &[(branch, c.member_role)]).await;
    let narrow = bulk(&app, &c.owner, "preview", &selection, &change_role(manager)).await;
    assert_eq!(
        without_key(&narrow),
        without_key(&up),
        "the same people gain the same"
    );
    let narrow_key = narrow.json()["gains"]["key"].as_str().unwrap().to_string();
    app.place(ids[1], &[(branch, c.member_role), (root, c.member_role)])
        .await;
    let refused = bulk(&app, &c.owner, "apply", &selection, &with_key(&narrow_key)).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    app.place(ids[1], &[(root, c.member_role)]).await;

    // A preview that showed nobody gaining, confirmed, while the change gives power: refused.
    let refused = bulk(&app, &c.owner, "apply", &selection, &with_key("none")).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);

    let done = bulk(&app, &c.owner, "apply", &selection, &with_key(&key)).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(done.json()["changed"], 6);
    assert_eq!(app.count(&held).await, 7);
}

/// A connection the pool opens while a change holds SQLite's write lock is ready at once.
/// Opening one gathers the planner's statistics, which takes that lock: a page that needed a
/// new connection waited for the change (up to SQLite's 5 s busy timeout).
#[tokio::test]
async fn connections_opened_while_a_change_holds_the_lock_are_ready_at_once() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let by = app.owner_by(&c).await;
    // A server that has opened only the connections its start needed.
    let fresh = app.spawn_sharing_database(&[]).await;
    let long = Write::begin(app.state.store(), &by).await.unwrap();
    // Every connection its pool may open (it opens them as they are asked for).
    let opened = tokio::time::timeout(Duration::from_secs(3), async {
        let mut held = Vec::new();
        for _ in 0..4 {
            held.push(fresh.state.db.acquire().await.unwrap());
        }
        held
    })
    .await
    .expect("connections opened beside a change are ready without waiting for it");
    drop(opened);
    drop(long);
}

/// Changes and the server's own writes (a session's end, the outbox's claims, the sign-in
/// throttle) queued behind a long change wait without holding a database connection, so pages
/// are still answered meanwhile. On SQLite a write waiting for the lock held one of the pool's
/// four connections: with three waiting, a page had none until one gave up. On PostgreSQL a
/// change waiting for its company's lock held one of sixteen: twenty changes took them all.
#[tokio::test]
async fn pages_are_answered_while_writes_queue_behind_a_long_change() {
    use roster::server::db::{sessions, throttle};
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let by = app.owner_by(&c).await;
    let long = Write::begin(app.state.store(), &by).await.unwrap();
    let mut queued: Vec<_> = (0..20)
        .map(|_| {
            let (state, by) = (app.state.clone(), by.clone());
            tokio::spawn(async move {
                Write::begin(state.store(), &by)
                    .await
                    .map(drop)
                    .map_err(|e| e.to_string())
            })
        })
        .collect();
    for n in 0..3 {
        let db = app.state.db.clone();
        queued.push(tokio::spawn(async move {
            let now = roster::server::db::now_ms();
            match n {
                0 => sessions::delete_expired(&db, 0, now).await.map(drop),
                1 => throttle::succeeded(&db, &["nobody"], None).await,
                _ => sessions::delete_by_token_hash(&db, "none").await,
            }
            .map_err(|e| e.to_string())
        }));
    }
    // Let them all reach their wait (for the turn, or for the lock).
    tokio::time::sleep(Duration::from_millis(300)).await;
    // SQLite gives up on the lock after 5 s: a page answered before that did not wait for it.
    let page = tokio::time::timeout(
        Duration::from_secs(4),
        app.call("users/list", &[("query[tab]", "all")], Some(&c.owner)),
    )
    .await
    .expect("a page is answered while changes queue");
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    drop(long);
    for change in queued {
        change
            .await
            .unwrap()
            .expect("each queued write is made in its turn");
    }
}

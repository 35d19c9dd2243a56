//! "Recent changes": every change of users, bulk or of one person, can be undone for 24
//! hours through the same undo as the toast's, with its rules (only who nobody changed since;
//! scope, hierarchy, roles one may give), and the list shows each company only its own
//! changes, and a scoped admin only names inside their accounts.

mod common;

use common::{email, Company, TestApp};
use http::StatusCode;
use roster::server::db;
use serde_json::{json, Value};

const MINUTE: i64 = 60 * 1000;
const HOUR: i64 = 60 * MINUTE;

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

/// Calls `endpoint` and expects 200.
async fn ok(app: &TestApp, endpoint: &str, form: &[(&str, &str)], cookie: &str) -> Value {
    let r = app.call(endpoint, form, Some(cookie)).await;
    assert_eq!(r.status, StatusCode::OK, "{endpoint}: {}", r.body);
    r.json()
}

/// Applies a bulk change to `ids` and returns its undo handle.
async fn bulk(app: &TestApp, cookie: &str, ids: &[i64], action: &[(&str, &str)]) -> i64 {
    let keys: Vec<String> = (0..ids.len()).map(|i| format!("selection[ids][{i}]")).collect();
    let values: Vec<String> = ids.iter().map(i64::to_string).collect();
    let mut form: Vec<(&str, &str)> = keys
        .iter()
        .zip(&values)
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    form.extend_from_slice(action);
    let done = ok(app, "users/bulk/apply", &form, cookie).await;
    done["undo"].as_i64().expect("an undo handle")
}

async fn recent(app: &TestApp, cookie: &str) -> Vec<Value> {
    ok(app, "users/changes", &[], cookie).await["changes"]
        .as_array()
        .expect("a list of changes")
        .clone()
}

async fn undo(app: &TestApp, cookie: &str, change: i64) -> common::Response {
    app.call(
        "users/bulk/undo",
        &[("change", &change.to_string())],
        Some(cookie),
    )
    .await
}

/// Moves every recorded change of users `by` into the past.
async fn age_changes(app: &TestApp, by: i64) {
    app.sql(&format!("UPDATE bulk_changes SET created_at = created_at - {by}"))
        .await;
}

/// The user's role on each account, as (account, role) pairs in order.
async fn roles_of(app: &TestApp, user: i64) -> Vec<(i64, i64)> {
    sqlx::query_as("SELECT account_id, role_id FROM role_assignments WHERE user_id = $1 ORDER BY account_id")
        .bind(user)
        .fetch_all(&app.state.db)
        .await
        .unwrap()
}

async fn status_of(app: &TestApp, user: i64) -> String {
    sqlx::query_scalar("SELECT status FROM users WHERE id = $1")
        .bind(user)
        .fetch_one(&app.state.db)
        .await
        .unwrap()
}

async fn teams_of(app: &TestApp, user: i64) -> Vec<i64> {
    sqlx::query_scalar("SELECT team_id FROM team_members WHERE user_id = $1 ORDER BY team_id")
        .bind(user)
        .fetch_all(&app.state.db)
        .await
        .unwrap()
}

async fn team(app: &TestApp, cookie: &str, name: &str) -> i64 {
    ok(app, "teams/create", &[("name", name)], cookie)
        .await
        .as_i64()
        .expect("a team id")
}

#[tokio::test]
async fn undo_from_recent_changes_after_ten_minutes_restores_exactly_and_refuses_what_changed_since() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let ids = members(&app, &c, "Ula", 3).await;
    let before = [roles_of(&app, ids[0]).await, roles_of(&app, ids[1]).await];
    let admin = c.admin_role.to_string();
    let change = bulk(
        &app,
        &c.owner,
        &ids,
        &[("action[kind]", "change_role"), ("action[role]", &admin)],
    )
    .await;
    age_changes(&app, 10 * MINUTE).await;

    // Ten minutes later someone changes Ula 02 again (from her row: a change of its own).
    let member = c.member_role.to_string();
    let ula_02 = ids[2].to_string();
    ok(
        &app,
        "users/change_role",
        &[("id", &ula_02), ("role", &member)],
        &c.owner,
    )
    .await;

    let listed = recent(&app, &c.owner).await;
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert_eq!(listed[0]["kind"], "change_role");
    assert_eq!(listed[0]["names"], json!(["Ula 02"]), "the newest first");
    let bulk_row = &listed[1];
    assert_eq!(bulk_row["id"], change);
    assert_eq!(bulk_row["people"], 3);
    assert_eq!(bulk_row["names"], json!(["Ula 00", "Ula 01", "Ula 02"]));
    assert_eq!(bulk_row["by"], "Olivia Owner");
    assert_eq!(bulk_row["mine"], true);
    assert_eq!(bulk_row["undoable"], true);
    assert_eq!(bulk_row["restored"], 0);
    let at = bulk_row["at"].as_i64().unwrap();
    assert_eq!(bulk_row["until"].as_i64().unwrap() - at, 24 * HOUR);

    let undone = undo(&app, &c.owner, change).await;
    assert_eq!(undone.status, StatusCode::OK, "{}", undone.body);
    assert_eq!(
        undone.json(),
        json!({ "restored": 2, "not_restored": [{ "name": "Ula 02", "reason": "was changed again since" }] })
    );
    // Exactly as before: the same role on the same accounts, nothing added or left behind.
    assert_eq!(roles_of(&app, ids[0]).await, before[0]);
    assert_eq!(roles_of(&app, ids[1]).await, before[1]);
    assert_eq!(
        roles_of(&app, ids[2]).await,
        before[0]
            .iter()
            .map(|(a, _)| (*a, c.member_role))
            .collect::<Vec<_>>(),
        "the later change stays"
    );

    let listed = recent(&app, &c.owner).await;
    let bulk_row = listed.iter().find(|r| r["id"] == change).unwrap();
    assert_eq!(bulk_row["restored"], 2);
    assert_eq!(bulk_row["people"], 3, "the restored are still named and counted");
    assert_eq!(bulk_row["names"], json!(["Ula 00", "Ula 01", "Ula 02"]));
    assert!(bulk_row["undone_at"].is_i64());
    assert_eq!(bulk_row["undoable"], false);
    let twice = undo(&app, &c.owner, change).await;
    assert_eq!(twice.status, StatusCode::CONFLICT, "{}", twice.body);
}

#[tokio::test]
async fn a_single_persons_change_is_undoable_from_recent_changes() {
    let app = TestApp::spawn().await;
    let c = app.company("Globex").await;
    let [ana, ben, cy] = members(&app, &c, "Person", 3).await[..] else {
        unreachable!()
    };
    let (sales, marketing) = (
        team(&app, &c.owner, "Sales").await,
        team(&app, &c.owner, "Marketing").await,
    );
    let add = |user: i64, team: i64| {
        let app = &app;
        let owner = c.owner.clone();
        async move {
            ok(
                app,
                "teams/add_members",
                &[("id", &team.to_string()), ("users[0]", &user.to_string())],
                &owner,
            )
            .await;
        }
    };
    add(ben, sales).await;

    // A row's Deactivate, Change role and Change team for one person each, by the API.
    let (ana_s, ben_s, cy_s) = (ana.to_string(), ben.to_string(), cy.to_string());
    ok(&app, "users/deactivate", &[("id", &ana_s)], &c.owner).await;
    let admin = c.admin_role.to_string();
    ok(
        &app,
        "users/change_role",
        &[("id", &ben_s), ("role", &admin)],
        &c.owner,
    )
    .await;
    let marketing_s = marketing.to_string();
    ok(
        &app,
        "users/set_teams",
        &[("id", &ben_s), ("teams[0]", &marketing_s)],
        &c.owner,
    )
    .await;
    ok(&app, "users/deactivate", &[("id", &cy_s)], &c.owner).await;
    ok(&app, "users/reactivate", &[("id", &cy_s)], &c.owner).await;
    age_changes(&app, 10 * MINUTE).await;

    let listed = recent(&app, &c.owner).await;
    let kinds: Vec<(&str, Vec<&str>)> = listed
        .iter()
        .map(|r| {
            let names = r["names"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n.as_str().unwrap())
                .collect();
            (r["kind"].as_str().unwrap(), names)
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("reactivate", vec!["Person 02"]),
            ("deactivate", vec!["Person 02"]),
            ("set_teams", vec!["Person 01"]),
            ("change_role", vec!["Person 01"]),
            ("deactivate", vec!["Person 00"]),
        ]
    );
    assert!(listed.iter().all(|r| r["people"] == 1 && r["undoable"] == true));
    let id = |i: usize| listed[i]["id"].as_i64().unwrap();

    // Each undone through the same undo as a bulk change's.
    assert_eq!(undo(&app, &c.owner, id(4)).await.json()["restored"], 1);
    assert_eq!(status_of(&app, ana).await, "active");
    // Ben's team change is undone; his role change, followed by the team change, refuses him.
    assert_eq!(undo(&app, &c.owner, id(2)).await.json()["restored"], 1);
    assert_eq!(teams_of(&app, ben).await, vec![sales]);
    let role = undo(&app, &c.owner, id(3)).await.json();
    assert_eq!(
        role,
        json!({ "restored": 0, "not_restored": [{ "name": "Person 01", "reason": "was changed again since" }] })
    );
    assert_eq!(roles_of(&app, ben).await[0].1, c.admin_role, "nothing restored");
    // Cy's reactivation undone deactivates her again; her deactivation is then changed since.
    assert_eq!(undo(&app, &c.owner, id(0)).await.json()["restored"], 1);
    assert_eq!(status_of(&app, cy).await, "deactivated");
    assert_eq!(undo(&app, &c.owner, id(1)).await.json()["restored"], 0);
    assert_eq!(status_of(&app, cy).await, "deactivated");

    // A role change undone on its own restores the role exactly.
    let admin_again = c.admin_role.to_string();
    let dee = members(&app, &c, "Dee", 1).await[0];
    let dee_roles = roles_of(&app, dee).await;
    ok(
        &app,
        "users/change_role",
        &[("id", &dee.to_string()), ("role", &admin_again)],
        &c.owner,
    )
    .await;
    let latest = recent(&app, &c.owner).await[0]["id"].as_i64().unwrap();
    assert_eq!(undo(&app, &c.owner, latest).await.json()["restored"], 1);
    assert_eq!(roles_of(&app, dee).await, dee_roles);
}

#[tokio::test]
async fn a_change_past_the_window_says_too_late_and_refuses_its_undo_then_leaves_the_list() {
    let app = TestApp::spawn().await;
    let c = app.company("Hooli").await;
    let ids = members(&app, &c, "Old", 2).await;
    let change = bulk(&app, &c.owner, &ids, &[("action[kind]", "deactivate")]).await;
    age_changes(&app, 24 * HOUR - MINUTE).await;
    assert_eq!(recent(&app, &c.owner).await[0]["undoable"], true);
    age_changes(&app, 2 * MINUTE).await;
    let listed = recent(&app, &c.owner).await;
    assert_eq!(listed[0]["id"], change);
    assert_eq!(listed[0]["undoable"], false);
    let late = undo(&app, &c.owner, change).await;
    assert_eq!(late.status, StatusCode::CONFLICT, "{}", late.body);
    assert!(late.body.contains("too late"), "{}", late.body);
    assert_eq!(status_of(&app, ids[0]).await, "deactivated");
    // Kept an hour past the window, then no longer listed.
    age_changes(&app, HOUR).await;
    assert!(recent(&app, &c.owner).await.is_empty());
}

#[tokio::test]
async fn another_companys_changes_are_neither_listed_nor_undoable() {
    let app = TestApp::spawn().await;
    let a = app.company("Company A").await;
    let b = app.company("Company B").await;
    let ids = members(&app, &a, "Anna", 2).await;
    let change = bulk(&app, &a.owner, &ids, &[("action[kind]", "deactivate")]).await;
    let r = app.call("users/changes", &[], Some(&b.owner)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["changes"], json!([]), "{}", r.body);
    assert!(!r.body.contains("Anna"));
    let theirs = undo(&app, &b.owner, change).await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND, "{}", theirs.body);
    assert_eq!(status_of(&app, ids[0]).await, "deactivated");
    assert_eq!(recent(&app, &a.owner).await[0]["undoable"], true);
}

#[tokio::test]
async fn a_member_can_neither_list_nor_undo_changes() {
    let app = TestApp::spawn().await;
    let c = app.company("Umbrella").await;
    let ids = members(&app, &c, "Mem", 2).await;
    let change = bulk(&app, &c.owner, &ids[1..], &[("action[kind]", "deactivate")]).await;
    let member = app
        .session_of(
            &sqlx::query_scalar::<_, String>("SELECT email FROM users WHERE id = $1")
                .bind(ids[0])
                .fetch_one(&app.state.db)
                .await
                .unwrap(),
        )
        .await;
    let listed = app.call("users/changes", &[], Some(&member)).await;
    assert_eq!(listed.status, StatusCode::FORBIDDEN, "{}", listed.body);
    let r = undo(&app, &member, change).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(status_of(&app, ids[1]).await, "deactivated");
}

#[tokio::test]
async fn a_scoped_admin_sees_only_changes_about_their_accounts_and_only_names_inside_them() {
    let app = TestApp::spawn().await;
    let c = app.company("Acme").await;
    let root = app.root_account(&c.owner_email).await;
    let europe = app.sub_account(root, "Europe").await;
    let rita_email = email("rita");
    let rita = app
        .add_user(&c.owner_email, "Rita Scoped", &rita_email, "member")
        .await;
    app.place(rita, &[(europe, c.admin_role)]).await;
    let rita_cookie = app.session_of(&rita_email).await;
    let [eve, ron, rob] = members(&app, &c, "Person", 3).await[..] else {
        unreachable!()
    };
    app.place(eve, &[(europe, c.member_role)]).await;
    // Ron and Rob are Members on the root: outside Rita's accounts.
    let both = bulk(&app, &c.owner, &[eve, ron], &[("action[kind]", "deactivate")]).await;
    ok(&app, "users/deactivate", &[("id", &rob.to_string())], &c.owner).await;

    let r = app.call("users/changes", &[], Some(&rita_cookie)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let listed = r.json()["changes"].as_array().unwrap().clone();
    assert_eq!(
        listed.len(),
        1,
        "Rob's deactivation is outside her accounts: {listed:?}"
    );
    assert_eq!(listed[0]["id"], both);
    assert_eq!(listed[0]["people"], 2);
    assert_eq!(listed[0]["names"], json!([]), "counted, not named");
    assert_eq!(listed[0]["mine"], false);
    assert!(
        !r.body.contains("Person 01") && !r.body.contains("Person 02"),
        "{}",
        r.body
    );
    // Rob's change, which the list does not show her, is not found by her undo either: not
    // even how many it changed.
    let robs = recent(&app, &c.owner)
        .await
        .into_iter()
        .find(|change| change["id"] != both)
        .and_then(|change| change["id"].as_i64())
        .unwrap();
    let hidden = undo(&app, &rita_cookie, robs).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND, "{}", hidden.body);
    assert_eq!(status_of(&app, rob).await, "deactivated");

    // Her undo restores whom she manages and counts the rest; the change stays open for
    // someone who can restore them.
    let undone = undo(&app, &rita_cookie, both).await;
    assert_eq!(undone.status, StatusCode::OK, "{}", undone.body);
    assert_eq!(
        undone.json(),
        json!({ "restored": 1, "not_restored": [{ "name": "1 user", "reason": "are outside the accounts you manage" }] })
    );
    assert!(!undone.body.contains("Person 01"));
    assert_eq!(status_of(&app, eve).await, "active");
    assert_eq!(status_of(&app, ron).await, "deactivated");
    let owner_view = recent(&app, &c.owner).await;
    let row = owner_view.iter().find(|r| r["id"] == both).unwrap();
    assert_eq!(
        (row["restored"].clone(), row["undoable"].clone()),
        (json!(1), json!(true))
    );
    assert_eq!(row["names"], json!(["Person 00", "Person 01"]));
    // The owner restores the rest; Eve, restored already, is not restored twice.
    let rest = undo(&app, &c.owner, both).await;
    assert_eq!(
        rest.json(),
        json!({ "restored": 1, "not_restored": [] }),
        "{}",
        rest.body
    );
    assert_eq!(status_of(&app, ron).await, "active");
    let row = recent(&app, &c.owner)
        .await
        .into_iter()
        .find(|r| r["id"] == both)
        .unwrap();
    assert_eq!(
        (row["restored"].clone(), row["undoable"].clone()),
        (json!(2), json!(false))
    );

    // Her own change is listed as hers, with the name.
    ok(
        &app,
        "users/deactivate",
        &[("id", &eve.to_string())],
        &rita_cookie,
    )
    .await;
    let mine = recent(&app, &rita_cookie).await;
    assert_eq!(mine[0]["mine"], true);
    assert_eq!(mine[0]["names"], json!(["Person 00"]));
}

async fn company_id(app: &TestApp, c: &Company) -> i64 {
    sqlx::query_scalar("SELECT company_id FROM users WHERE email = $1")
        .bind(&c.owner_email)
        .fetch_one(&app.state.db)
        .await
        .unwrap()
}

/// How many undo records (changes, and the people in them) the company keeps.
async fn kept(app: &TestApp, c: &Company) -> (i64, i64) {
    sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM bulk_changes WHERE company_id = $1),
                (SELECT COUNT(*) FROM bulk_change_items i JOIN bulk_changes c ON c.id = i.change_id
                 WHERE c.company_id = $1)",
    )
    .bind(company_id(app, c).await)
    .fetch_one(&app.state.db)
    .await
    .unwrap()
}

#[tokio::test]
async fn the_sweeper_deletes_every_undo_record_kept_past_the_hour_after_the_window_and_only_those() {
    let app = TestApp::spawn().await;
    let (a, b) = (app.company("Hooli").await, app.company("Pied Piper").await);
    let old = members(&app, &a, "Old", 2).await;
    bulk(&app, &a.owner, &old, &[("action[kind]", "deactivate")]).await;
    let elsewhere = members(&app, &b, "Far", 1).await;
    bulk(&app, &b.owner, &elsewhere, &[("action[kind]", "deactivate")]).await;
    age_changes(&app, 25 * HOUR + MINUTE).await;
    // More old ones than one delete takes, to be swept in several.
    app.sql(&format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2500)
         INSERT INTO bulk_changes (company_id, actor_id, kind, created_at)
         SELECT {}, NULL, 'deactivate', {} FROM n",
        company_id(&app, &a).await,
        db::now_ms() - 30 * HOUR
    ))
    .await;
    // A change made an hour ago, and one a minute inside the keeping, stay.
    let recent_one = members(&app, &a, "New", 1).await;
    bulk(&app, &a.owner, &recent_one, &[("action[kind]", "deactivate")]).await;
    let kept_one = members(&app, &a, "Kept", 1).await;
    let kept_change = bulk(&app, &a.owner, &kept_one, &[("action[kind]", "deactivate")]).await;
    app.sql(&format!(
        "UPDATE bulk_changes SET created_at = created_at - {} WHERE id = {kept_change}",
        25 * HOUR - MINUTE
    ))
    .await;
    assert_eq!(kept(&app, &a).await, (2503, 4));
    let swept = db::bulk::sweep(&app.state.db, db::now_ms()).await.unwrap();
    assert_eq!(swept, 2501 + 1);
    assert_eq!(kept(&app, &a).await, (2, 2));
    assert_eq!(kept(&app, &b).await, (0, 0));
    // Nothing is left to sweep.
    assert_eq!(db::bulk::sweep(&app.state.db, db::now_ms()).await.unwrap(), 0);
    assert_eq!(recent(&app, &a.owner).await.len(), 2);
}

//! Moving people from one team to another in one bulk change: one transaction, one event per
//! person moved, one undo; who was already in the team moved to and who was skipped are named;
//! the teams must be the company's and differ; scope and rank as for the other team changes.

mod common;

use common::{email, Company, TestApp};
use http::StatusCode;
use serde_json::{json, Value};

/// Creates a team and answers its id.
async fn team(app: &TestApp, cookie: &str, name: &str) -> i64 {
    let r = app.call("teams/create", &[("name", name)], Some(cookie)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json().as_i64().expect("the new team's id")
}

async fn join(app: &TestApp, cookie: &str, team: i64, users: &[i64]) {
    let keys: Vec<String> = (0..users.len()).map(|i| format!("users[{i}]")).collect();
    let values: Vec<String> = users.iter().map(i64::to_string).collect();
    let id = team.to_string();
    let mut form: Vec<(&str, &str)> = vec![("id", &id)];
    form.extend(
        keys.iter()
            .map(String::as_str)
            .zip(values.iter().map(String::as_str)),
    );
    let r = app.call("teams/add_members", &form, Some(cookie)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

async fn person(app: &TestApp, c: &Company, name: &str) -> i64 {
    let address = email(&name.to_lowercase().replace(' ', "-"));
    app.add_user(&c.owner_email, name, &address, "member").await
}

/// Calls `users/bulk/<verb>` to move the users `ids` from team `from` to team `to`.
async fn moving(
    app: &TestApp,
    cookie: &str,
    verb: &str,
    ids: &[i64],
    from: i64,
    to: i64,
) -> common::Response {
    let mut form: Vec<(String, String)> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (format!("selection[ids][{i}]"), id.to_string()))
        .collect();
    form.push(("action[kind]".into(), "move_teams".into()));
    form.push(("action[teams][0]".into(), from.to_string()));
    form.push(("action[teams][1]".into(), to.to_string()));
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    app.call(&format!("users/bulk/{verb}"), &form, Some(cookie)).await
}

/// The names of the teams of user `id`, sorted.
async fn teams_of(app: &TestApp, id: i64) -> Vec<String> {
    let mut teams: Vec<String> = sqlx::query_scalar(
        "SELECT t.name FROM team_members tm JOIN teams t ON t.id = tm.team_id WHERE tm.user_id = $1",
    )
    .bind(id)
    .fetch_all(&app.state.db)
    .await
    .unwrap();
    teams.sort();
    teams
}

async fn team_events(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'user.teams_changed'")
        .await
}

/// Sales and Marketing; Sam 00-02 in Sales; Sam 03-04 in both; Mia in Marketing only; Nia in
/// neither.
struct Teams {
    c: Company,
    sales: i64,
    marketing: i64,
    sams: Vec<i64>,
    mia: i64,
    nia: i64,
}

async fn teams(app: &TestApp) -> Teams {
    let c = app.company("Initech").await;
    let sales = team(app, &c.owner, "Sales").await;
    let marketing = team(app, &c.owner, "Marketing").await;
    let mut sams = Vec::new();
    for n in 0..5 {
        sams.push(person(app, &c, &format!("Sam {n:02}")).await);
    }
    let mia = person(app, &c, "Mia").await;
    let nia = person(app, &c, "Nia").await;
    join(app, &c.owner, sales, &sams).await;
    join(app, &c.owner, marketing, &[sams[3], sams[4], mia]).await;
    Teams {
        c,
        sales,
        marketing,
        sams,
        mia,
        nia,
    }
}

impl Teams {
    fn everyone(&self) -> Vec<i64> {
        let mut ids = self.sams.clone();
        ids.extend([self.mia, self.nia]);
        ids
    }
}

#[tokio::test]
async fn a_move_is_one_change_with_one_undo_and_names_who_was_already_in_the_team_moved_to() {
    let app = TestApp::spawn().await;
    let t = teams(&app).await;
    let events = team_events(&app).await;
    let expected = json!({
        "changed": 5,
        "unchanged": 1,
        "skipped": [{ "name": "Nia", "reason": "is not in Sales" }],
        "undo": null,
        "invitations_withdrawn": 0,
        "accounts": [],
        "more_accounts": 0,
        "moved": { "from": "Sales", "to": "Marketing", "already_there": ["Mia", "Sam 03", "Sam 04"] },
    });

    let preview = moving(&app, &t.c.owner, "preview", &t.everyone(), t.sales, t.marketing).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    assert_eq!(preview.json(), expected);
    assert_eq!(
        teams_of(&app, t.sams[0]).await,
        ["Sales"],
        "a preview changes nothing"
    );

    let done = moving(&app, &t.c.owner, "apply", &t.everyone(), t.sales, t.marketing).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let done = done.json();
    let undo = done["undo"].as_i64().expect("one undo for the whole move");
    let mut without_undo = done.clone();
    without_undo["undo"] = Value::Null;
    assert_eq!(without_undo, expected, "the result says what the preview said");
    for sam in &t.sams {
        assert_eq!(teams_of(&app, *sam).await, ["Marketing"]);
    }
    assert_eq!(teams_of(&app, t.mia).await, ["Marketing"]);
    assert!(
        teams_of(&app, t.nia).await.is_empty(),
        "not in Sales: not put into Marketing"
    );

    // One change: one undo record, one event per person moved (not two steps, not Mia or Nia).
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM bulk_changes WHERE id = {undo} AND kind = 'move_teams'"
        ))
        .await,
        1
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM bulk_changes").await, 1);
    assert_eq!(team_events(&app).await - events, 5);
    let after: String = sqlx::query_scalar(
        "SELECT after_json FROM audit_events WHERE action = 'user.teams_changed' AND target_user_id = $1
         ORDER BY id DESC LIMIT 1",
    )
    .bind(t.sams[0])
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    let after: Value = serde_json::from_str(&after).unwrap();
    assert_eq!(
        (&after["teams_change"], &after["from"], &after["to"]),
        (&json!("move_teams"), &json!("Sales"), &json!("Marketing"))
    );

    let undone = app
        .call(
            "users/bulk/undo",
            &[("change", &undo.to_string())],
            Some(&t.c.owner),
        )
        .await;
    assert_eq!(undone.status, StatusCode::OK, "{}", undone.body);
    assert_eq!(undone.json(), json!({ "restored": 5, "not_restored": [] }));
    for sam in &t.sams[..3] {
        assert_eq!(teams_of(&app, *sam).await, ["Sales"]);
    }
    for sam in &t.sams[3..] {
        assert_eq!(
            teams_of(&app, *sam).await,
            ["Marketing", "Sales"],
            "exactly as before"
        );
    }
    assert_eq!(teams_of(&app, t.mia).await, ["Marketing"]);
    assert_eq!(
        team_events(&app).await - events,
        10,
        "the undo records one event per person"
    );
}

#[tokio::test]
async fn undoing_a_move_restores_exactly_and_leaves_whoever_was_changed_since() {
    let app = TestApp::spawn().await;
    let t = teams(&app).await;
    let ops = team(&app, &t.c.owner, "Ops").await;
    let done = moving(&app, &t.c.owner, "apply", &t.sams, t.sales, t.marketing).await;
    assert_eq!(done.json()["changed"], 5, "{}", done.body);
    let undo = done.json()["undo"].to_string();

    // Sam 01 joins Ops after the move: the undo must not take that away, nor put them back.
    join(&app, &t.c.owner, ops, &[t.sams[1]]).await;
    let undone = app
        .call("users/bulk/undo", &[("change", &undo)], Some(&t.c.owner))
        .await;
    assert_eq!(undone.status, StatusCode::OK, "{}", undone.body);
    assert_eq!(
        undone.json(),
        json!({ "restored": 4, "not_restored": [{ "name": "Sam 01", "reason": "was changed again since" }] })
    );
    assert_eq!(teams_of(&app, t.sams[0]).await, ["Sales"]);
    assert_eq!(
        teams_of(&app, t.sams[1]).await,
        ["Marketing", "Ops"],
        "the later change stays"
    );
    assert_eq!(teams_of(&app, t.sams[3]).await, ["Marketing", "Sales"]);
    let twice = app
        .call("users/bulk/undo", &[("change", &undo)], Some(&t.c.owner))
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT, "{}", twice.body);
}

#[tokio::test]
async fn a_move_refuses_another_companys_team_and_the_same_team_twice_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let t = teams(&app).await;
    let other = app.company("Globex").await;
    let theirs = team(&app, &other.owner, "Their sales").await;
    let (events, memberships) = (
        app.count("SELECT COUNT(*) FROM audit_events").await,
        app.count("SELECT COUNT(*) FROM team_members").await,
    );
    for verb in ["preview", "apply"] {
        for (from, to) in [(t.sales, theirs), (theirs, t.marketing)] {
            let r = moving(&app, &t.c.owner, verb, &t.sams, from, to).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{verb}: {}", r.body);
            assert_eq!(r.json(), json!({ "NotFound": "That team" }));
        }
        let same = moving(&app, &t.c.owner, verb, &t.sams, t.sales, t.sales).await;
        assert_eq!(
            same.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{verb}: {}",
            same.body
        );
        assert_eq!(same.json()["Invalid"]["field"], "teams");
        assert_eq!(
            same.json()["Invalid"]["message"],
            "Choose two different teams: they would leave the team they join."
        );
        let one = app
            .call(
                &format!("users/bulk/{verb}"),
                &[
                    ("selection[ids][0]", &t.sams[0].to_string()),
                    ("action[kind]", "move_teams"),
                    ("action[teams][0]", &t.sales.to_string()),
                ],
                Some(&t.c.owner),
            )
            .await;
        assert_eq!(
            one.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{verb}: {}",
            one.body
        );
    }
    // The other company moving into our team, or out of it, finds no such team either.
    let r = moving(
        &app,
        &other.owner,
        "apply",
        &[app.user_id(&other.owner_email).await],
        theirs,
        t.sales,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_events").await, events);
    assert_eq!(app.count("SELECT COUNT(*) FROM team_members").await, memberships);
    assert_eq!(app.count("SELECT COUNT(*) FROM bulk_changes").await, 0);
    assert_eq!(teams_of(&app, t.sams[0]).await, ["Sales"]);
}

#[tokio::test]
async fn a_scoped_admin_moves_only_the_people_inside_their_accounts() {
    let app = TestApp::spawn().await;
    let t = teams(&app).await;
    let root = app.root_account(&t.c.owner_email).await;
    let customer_a = app.sub_account(root, "Customer A").await;
    let customer_b = app.sub_account(root, "Customer B").await;
    let rita_email = email("rita");
    let rita_id = app
        .add_user(&t.c.owner_email, "Rita", &rita_email, "member")
        .await;
    app.place(rita_id, &[(customer_a, t.c.admin_role)]).await;
    let rita = app.session_of(&rita_email).await;
    // Sam 00 is inside Customer A; Sam 01 in Customer B; the rest on the root account.
    app.place(t.sams[0], &[(customer_a, t.c.member_role)]).await;
    app.place(t.sams[1], &[(customer_b, t.c.member_role)]).await;

    let preview = moving(&app, &rita, "preview", &t.sams, t.sales, t.marketing).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    assert_eq!(preview.json()["changed"], 1, "{}", preview.body);
    let done = moving(&app, &rita, "apply", &t.sams, t.sales, t.marketing).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(done.json()["changed"], 1);
    assert_eq!(
        done.json()["moved"]["already_there"],
        json!([]),
        "people outside her accounts are not named"
    );
    assert_eq!(teams_of(&app, t.sams[0]).await, ["Marketing"]);
    assert_eq!(teams_of(&app, t.sams[1]).await, ["Sales"], "outside her accounts");
    assert_eq!(teams_of(&app, t.sams[2]).await, ["Sales"], "outside her accounts");
    assert_eq!(teams_of(&app, t.sams[3]).await, ["Marketing", "Sales"]);

    // Every user of the Sales view, as she sees it, is only Sam 00's (now moved) account.
    let view = app
        .call(
            "users/bulk/apply",
            &[
                ("selection[matching][team]", &t.sales.to_string()),
                ("action[kind]", "move_teams"),
                ("action[teams][0]", &t.sales.to_string()),
                ("action[teams][1]", &t.marketing.to_string()),
            ],
            Some(&rita),
        )
        .await;
    assert_eq!(view.status, StatusCode::OK, "{}", view.body);
    assert_eq!(view.json()["changed"], 0, "{}", view.body);
    assert_eq!(teams_of(&app, t.sams[1]).await, ["Sales"]);
}

#[tokio::test]
async fn a_move_skips_and_names_whoever_outranks_the_caller() {
    let app = TestApp::spawn().await;
    let t = teams(&app).await;
    let owner = app.user_id(&t.c.owner_email).await;
    join(&app, &t.c.owner, t.sales, &[owner]).await;
    let admin_email = email("ada");
    let ada = app
        .add_user(&t.c.owner_email, "Ada Admin", &admin_email, "admin")
        .await;
    join(&app, &t.c.owner, t.sales, &[ada]).await;
    let cookie = app.session_of(&admin_email).await;
    let role = app
        .custom_role(&t.c.owner_email, "Team lead", "users.view users.manage")
        .await;
    let lead_email = email("lee");
    let lee = app
        .add_user(&t.c.owner_email, "Lee Lead", &lead_email, "member")
        .await;
    let root = app.root_account(&t.c.owner_email).await;
    app.place(lee, &[(root, role)]).await;
    let lead = app.session_of(&lead_email).await;

    // An admin moves a fellow admin (team membership grants no power) but not the owner.
    let done = moving(
        &app,
        &cookie,
        "apply",
        &[owner, ada, t.sams[0]],
        t.sales,
        t.marketing,
    )
    .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(done.json()["changed"], 2, "{}", done.body);
    assert_eq!(done.json()["skipped"][0]["name"], "Olivia Owner");
    assert!(done.json()["skipped"][0]["reason"]
        .as_str()
        .unwrap()
        .starts_with("holds as much access as you or more"));
    assert_eq!(teams_of(&app, owner).await, ["Sales"]);
    assert_eq!(teams_of(&app, ada).await, ["Marketing"]);

    // A team lead below the Admin moves neither the Admin nor the owner back.
    let back = moving(
        &app,
        &lead,
        "apply",
        &[owner, ada, t.sams[0]],
        t.marketing,
        t.sales,
    )
    .await;
    assert_eq!(back.status, StatusCode::OK, "{}", back.body);
    let back = back.json();
    assert_eq!(back["changed"], 1, "{back}");
    let skipped: Vec<&str> = back["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(skipped, ["Ada Admin", "Olivia Owner"]);
    assert_eq!(teams_of(&app, ada).await, ["Marketing"]);
    assert_eq!(teams_of(&app, t.sams[0]).await, ["Sales"]);
}

#[tokio::test]
async fn a_member_cannot_move_anyone() {
    let app = TestApp::spawn().await;
    let t = teams(&app).await;
    let member_email = email("mo");
    app.add_user(&t.c.owner_email, "Mo Member", &member_email, "member")
        .await;
    let member = app.session_of(&member_email).await;
    let events = app.count("SELECT COUNT(*) FROM audit_events").await;
    for verb in ["preview", "apply"] {
        let r = moving(&app, &member, verb, &t.sams, t.sales, t.marketing).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{verb}: {}", r.body);
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_events").await, events);
    assert_eq!(teams_of(&app, t.sams[0]).await, ["Sales"]);
    assert_eq!(app.count("SELECT COUNT(*) FROM bulk_changes").await, 0);
}

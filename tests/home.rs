//! Home (issue 22): the first screen of those who can't see the users table. Its server
//! function answers only the caller's own facts (roles per account, teams, what they may do);
//! a page someone may not use refuses in the server's first answer, with nothing of the page.

mod common;

use common::{email, TestApp};
use http::StatusCode;
use serde_json::{json, Value};

/// A team of the company of `email` with these members.
async fn team(app: &TestApp, email: &str, name: &str, members: &[i64]) -> i64 {
    let company = app.company_of(email).await;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO teams (company_id, name, created_at, name_key) VALUES ($1, $2, 0, $3) RETURNING id",
    )
    .bind(company)
    .bind(name)
    .bind(roster::server::db::search::fold(name))
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    for user in members {
        app.sql(&format!(
            "INSERT INTO team_members (team_id, user_id) VALUES ({id}, {user})"
        ))
        .await;
    }
    id
}

fn labels(home: &Value) -> Vec<(String, String)> {
    home["abilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["label"].as_str().unwrap().to_string(),
                a["place"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn home_names_the_callers_roles_per_account_and_teams_and_nothing_of_anyone_else() {
    let app = TestApp::spawn().await;
    let acme = app.company("Acme Home").await;
    let root = app.root_account(&acme.owner_email).await;
    let europe = app.sub_account(root, "Europe").await;
    let berlin = app.sub_account(europe, "Berlin").await;
    let lead = app
        .custom_role(&acme.owner_email, "Team lead", "users.view module.orders")
        .await;
    let ada_email = email("ada");
    let ada = app
        .add_user(&acme.owner_email, "Ada Lovelace", &ada_email, "member")
        .await;
    // Member on the company, Team lead on Europe, lowered to Member again on Berlin.
    app.place(
        ada,
        &[
            (root, acme.member_role),
            (europe, lead),
            (berlin, acme.member_role),
        ],
    )
    .await;
    let bob_email = email("bob");
    let bob = app
        .add_user(&acme.owner_email, "Bob Secretname", &bob_email, "admin")
        .await;
    team(&app, &acme.owner_email, "Design", &[ada, bob]).await;
    team(&app, &acme.owner_email, "Zeta Hidden Team", &[bob]).await;
    // Another company, with a team and people of its own.
    let other = app.company("Globex Elsewhere").await;
    let carol = app
        .add_user(
            &other.owner_email,
            "Carol Othercompany",
            &email("carol"),
            "member",
        )
        .await;
    team(&app, &other.owner_email, "Globex Team", &[carol]).await;

    let cookie = app.session_of(&ada_email).await;
    let r = app.call("profile/home", &[], Some(&cookie)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let home = r.json();
    assert_eq!(home["name"], "Ada Lovelace");
    assert_eq!(home["email"], json!(ada_email));
    assert_eq!(home["company_name"], "Acme Home");
    assert_eq!(home["is_owner"], false);
    assert_eq!(
        home["roles"],
        json!([
            { "role": "Member", "account": "Acme Home" },
            { "role": "Team lead", "account": "Acme Home › Europe" },
            { "role": "Member", "account": "Acme Home › Europe › Berlin" },
        ])
    );
    assert_eq!(home["teams"], json!(["Design"]));
    // Exactly what Team lead grants, where it decides: Europe but not Berlin below it.
    let place = "On Acme Home › Europe and its sub-accounts, except Acme Home › Europe › Berlin";
    assert_eq!(
        labels(&home),
        [
            ("View users".to_string(), place.to_string()),
            ("Orders".to_string(), place.to_string()),
        ]
    );
    assert_eq!(
        home["abilities"][1]["what"], "Use the Orders module",
        "a module says it is used"
    );
    for stranger in [
        "Bob",
        &bob_email,
        "Zeta",
        "Globex",
        "Carol",
        "Olivia",
        &acme.owner_email,
    ] {
        assert!(
            !r.body.contains(stranger),
            "Home names only the caller: {stranger} in {}",
            r.body
        );
    }

    // The owner holds everything, everywhere.
    let r = app.call("profile/home", &[], Some(&acme.owner)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let home = r.json();
    assert_eq!(home["is_owner"], true);
    assert_eq!(
        home["roles"],
        json!([{ "role": "Owner", "account": "Acme Home" }])
    );
    assert_eq!(home["teams"], json!([]));
    let held = labels(&home);
    assert_eq!(held.len(), 8 + 4, "every permission and every module: {held:?}");
    assert!(held.contains(&("Manage roles".into(), "Company-wide".into())));
    assert!(held.contains(&("Manage users".into(), "On every account".into())));
    assert!(held.contains(&("Payments".into(), "On every account".into())));
}

#[tokio::test]
async fn a_member_without_permissions_holds_nothing_beyond_their_own_account() {
    let app = TestApp::spawn().await;
    let acme = app.company("Acme Plain").await;
    let member_email = email("member");
    app.add_user(&acme.owner_email, "Mia Member", &member_email, "member")
        .await;
    let cookie = app.session_of(&member_email).await;
    let r = app.call("profile/home", &[], Some(&cookie)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let home = r.json();
    assert_eq!(
        home["roles"],
        json!([{ "role": "Member", "account": "Acme Plain" }])
    );
    assert_eq!(home["abilities"], json!([]));
}

#[tokio::test]
async fn home_refuses_a_signed_out_caller() {
    let app = TestApp::spawn().await;
    let r = app.call("profile/home", &[], None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    assert_eq!(r.json(), json!("Unauthenticated"));
}

#[tokio::test]
async fn a_member_lands_on_home_and_is_refused_the_users_page_from_the_first_answer() {
    let app = TestApp::spawn().await;
    let acme = app.company("Acme Landing").await;
    let member_email = email("member");
    app.add_user(&acme.owner_email, "Mia Member", &member_email, "member")
        .await;
    let cookie = app.session_of(&member_email).await;

    let r = app.request("GET", "/", &[], Some(&cookie), None).await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    assert_eq!(r.headers["location"], "/home");
    let r = app.request("GET", "/", &[], Some(&acme.owner), None).await;
    assert_eq!(
        r.headers["location"], "/users",
        "user managers land where they did"
    );

    let r = app.request("GET", "/home", &[], Some(&cookie), None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Mia Member"), "{}", r.body);
    assert!(r.body.contains("Member · Acme Landing"), "{}", r.body);
    assert!(
        r.body.contains(r#"<a href="/home" class="brand">"#),
        "the logo leads home"
    );

    for page in [
        "/users",
        "/teams",
        "/roles",
        "/accounts",
        "/settings",
        "/audit",
        "/users/1",
    ] {
        let r = app.request("GET", page, &[], Some(&cookie), None).await;
        assert_eq!(r.status, StatusCode::OK, "{page}");
        assert!(r.body.contains("You don't have access"), "{page}: {}", r.body);
        assert!(!r.body.contains("live-indicator"), "{page}: no live badge");
        for heading in [
            "<h1>Users",
            "<h1>Teams",
            "<h1>Roles",
            "<h1>Accounts",
            "<h1>Settings",
            "<h1>Audit log",
        ] {
            assert!(!r.body.contains(heading), "{page}: {heading}");
        }
    }
}

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

    // Real ids of the company: refused for want of the permission, not because they're missing.
    let owner_id = app.user_id(&acme.owner_email).await;
    let team_id = team(&app, &acme.owner_email, "Secret Team", &[owner_id]).await;
    for page in [
        "/users".to_string(),
        format!("/users/{owner_id}"),
        "/teams".to_string(),
        format!("/teams/{team_id}"),
        "/roles".to_string(),
        "/accounts".to_string(),
        "/settings".to_string(),
        "/audit".to_string(),
    ] {
        let r = app.request("GET", &page, &[], Some(&cookie), None).await;
        assert_eq!(r.status, StatusCode::OK, "{page}");
        assert!(r.body.contains("You don't have access"), "{page}: {}", r.body);
        assert_eq!(
            r.body.matches("<h1").count(),
            1,
            "{page}: the refusal is the only heading: {}",
            r.body
        );
        assert!(!r.body.contains("live-indicator"), "{page}: no live badge");
        assert!(!r.body.contains("Reconnecting"), "{page}: no live badge");
        assert!(!r.body.contains("Connecting…"), "{page}: no live badge");
        assert!(
            !r.body.contains(&acme.owner_email) && !r.body.contains("Secret Team"),
            "{page}: nothing of the page's data"
        );
        assert!(
            r.body.contains(r#"href="/home""#) && r.body.contains("Go to Home"),
            "{page}: the refusal leads home"
        );
    }
}

/// The Home server function takes no user: whatever a caller sends, it answers about the
/// caller alone, never about the person, company or account named in the request.
#[tokio::test]
async fn home_answers_only_about_the_caller_whoever_the_request_names() {
    let app = TestApp::spawn().await;
    let acme = app.company("Acme Nosy").await;
    let root = app.root_account(&acme.owner_email).await;
    let hidden = app.sub_account(root, "Hidden Branch").await;
    let mia_email = email("mia");
    app.add_user(&acme.owner_email, "Mia Member", &mia_email, "member")
        .await;
    let bob_email = email("bob");
    let bob = app
        .add_user(&acme.owner_email, "Bob Target", &bob_email, "admin")
        .await;
    app.place(bob, &[(hidden, acme.admin_role)]).await;
    team(&app, &acme.owner_email, "Bobs Private Team", &[bob]).await;
    let other = app.company("Globex Nosy").await;
    let carol_email = email("carol");
    let carol = app
        .add_user(&other.owner_email, "Carol Stranger", &carol_email, "admin")
        .await;
    let owner = app.user_id(&acme.owner_email).await;
    let globex = app.company_of(&other.owner_email).await;

    let mia = app.session_of(&mia_email).await;
    for (field, value) in [
        ("id", bob.to_string()),
        ("user", bob.to_string()),
        ("user_id", bob.to_string()),
        ("id", owner.to_string()),
        ("id", carol.to_string()),
        ("company_id", globex.to_string()),
        ("email", bob_email.clone()),
    ] {
        let r = app
            .call("profile/home", &[(field, value.as_str())], Some(&mia))
            .await;
        assert!(
            r.status == StatusCode::OK || r.status == StatusCode::BAD_REQUEST,
            "{field}={value}: {} {}",
            r.status,
            r.body
        );
        for stranger in [
            "Bob Target",
            bob_email.as_str(),
            "Hidden Branch",
            "Bobs Private Team",
            "Carol Stranger",
            carol_email.as_str(),
            "Globex",
            acme.owner_email.as_str(),
            "Owner",
            "Manage",
        ] {
            assert!(
                !r.body.contains(stranger),
                "{field}={value} named {stranger}: {}",
                r.body
            );
        }
        if r.status == StatusCode::OK {
            let home = r.json();
            assert_eq!(home["name"], "Mia Member", "{field}={value}");
            assert_eq!(home["email"], json!(mia_email));
            assert_eq!(
                home["roles"],
                json!([{ "role": "Member", "account": "Acme Nosy" }])
            );
            assert_eq!(home["teams"], json!([]));
            assert_eq!(home["abilities"], json!([]));
        }
    }

    // A session of another company gets that company's facts about its own user only.
    let carol_session = app.session_of(&carol_email).await;
    let r = app
        .call("profile/home", &[("id", &bob.to_string())], Some(&carol_session))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["name"], "Carol Stranger");
    assert_eq!(r.json()["company_name"], "Globex Nosy");
    for stranger in ["Acme", "Bob", "Hidden Branch", "Mia"] {
        assert!(!r.body.contains(stranger), "{stranger}: {}", r.body);
    }
}

//! The email is the login, unique across companies. An address nobody proved they own, or a
//! placeholder that never signed in, must not let one company block it for another, and no
//! refusal tells one company whether an address has an account with another.

mod common;

use common::{email, TestApp};
use http::StatusCode;
use roster::server::db;

async fn add(app: &TestApp, cookie: &str, role: i64, address: &str, status: &str) -> common::Response {
    app.create_user(cookie, "Nia Newhire", address, role, status)
        .await
}

/// A deactivated user of another company who never signed in (a placeholder, or a squat) gives
/// way to the address's owner accepting an invitation, never to an admin typing the address:
/// that proves nothing, and would let any company delete another's prepared user.
#[tokio::test]
async fn another_companys_placeholder_gives_way_to_the_address_owner_not_to_an_admin() {
    let app = TestApp::spawn().await;
    let victim = app.company("Victim Co").await;
    let squatter = app.company("Squatter Co").await;
    let address = email("new.hire");
    let r = add(
        &app,
        &squatter.owner,
        squatter.member_role,
        &address,
        "Deactivated",
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let holder = |company: i64| {
        format!("SELECT COUNT(*) FROM users WHERE email = '{address}' AND company_id = {company}")
    };
    let squatter_id = app.company_of(&squatter.owner_email).await;
    let victim_id = app.company_of(&victim.owner_email).await;

    let r = add(&app, &victim.owner, victim.member_role, &address, "Active").await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "answered as for any address: {}",
        r.body
    );
    assert_eq!(
        app.count(&holder(squatter_id)).await,
        1,
        "an admin's typing deleted the placeholder"
    );
    assert_eq!(app.count(&holder(victim_id)).await, 0);

    let invited = app.invite(&victim.owner, &[&address], victim.member_role).await;
    assert_eq!(invited.status, StatusCode::OK, "{}", invited.body);
    let token = app.emailed_token(&address, "invite").await;
    let r = app.accept_invitation(&token, "Nia Newhire").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        app.count(&holder(squatter_id)).await,
        0,
        "the placeholder gave way"
    );
    assert_eq!(app.count(&holder(victim_id)).await, 1);
}

#[tokio::test]
async fn adding_another_companys_user_answers_as_for_a_new_address_and_only_their_owner_is_told() {
    // No allowance for small companies, whose allowance grows with each person they lack.
    let app = TestApp::spawn_with(&[("ROSTER_INVITATIONS_FREE_USERS", "1")]).await;
    let a = app.company("A Co").await;
    let b = app.company("B Co").await;
    let address = email("taken");
    app.add_user(&b.owner_email, "Tia Taken", &address, "member")
        .await;
    app.session_of(&address).await;
    let stranger = email("stranger");

    let fresh = add(&app, &a.owner, a.member_role, &stranger, "Active").await;
    let taken = add(&app, &a.owner, a.member_role, &address, "Active").await;
    assert_eq!(fresh.status, StatusCode::OK, "{}", fresh.body);
    assert_eq!(
        (taken.status, &taken.body),
        (fresh.status, &fresh.body),
        "the same answer for both"
    );
    // Deactivated, the same: the answer, and one email of the day spent either way (the
    // address's owner is told of this try too).
    let left = || async { app.call("settings/mail", &[], Some(&a.owner)).await.json()["left_today"].clone() };
    let before = left().await;
    let taken_deactivated = add(&app, &a.owner, a.member_role, &address, "Deactivated").await;
    assert_eq!(
        (taken_deactivated.status, &taken_deactivated.body),
        (fresh.status, &fresh.body)
    );
    let after_taken = left().await;
    let stranger_deactivated = add(&app, &a.owner, a.member_role, &email("quiet"), "Deactivated").await;
    assert_eq!(
        (stranger_deactivated.status, &stranger_deactivated.body),
        (fresh.status, &fresh.body)
    );
    let after_stranger = left().await;
    let spent =
        |from: &serde_json::Value, to: &serde_json::Value| from.as_i64().unwrap() - to.as_i64().unwrap();
    assert_eq!(spent(&before, &after_taken), 1, "{before} {after_taken}");
    assert_eq!(
        spent(&after_taken, &after_stranger),
        1,
        "{after_taken} {after_stranger}"
    );

    // Nothing of A's holds the address; its owner gets a notice without a link.
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM users WHERE email = '{address}'"))
            .await,
        1,
        "B's user is untouched and A has no second one"
    );
    let notice: String =
        sqlx::query_scalar("SELECT text_body FROM outbox WHERE to_email = $1 AND kind = 'addition_notice'")
            .bind(&address)
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert!(notice.contains("already has a Roster account"), "{notice}");
    assert!(!notice.contains("/welcome/"), "no link: {notice}");
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM outbox WHERE kind = 'addition_notice' AND to_email = '{address}'"
        ))
        .await,
        2,
        "a notice for each try, active or deactivated"
    );

    // Invited like anyone (the address gets a notice instead of the link).
    let invited = app.invite(&a.owner, &[&address], a.member_role).await.json();
    assert_eq!(invited["invited"], serde_json::json!([address]), "{invited}");

    // A colleague's address is said plainly.
    let colleague = email("colleague");
    app.add_user(&a.owner_email, "Cal Colleague", &colleague, "member")
        .await;
    let r = add(&app, &a.owner, a.member_role, &colleague, "Active").await;
    assert!(
        r.body.contains("Someone in your company already uses"),
        "{}",
        r.body
    );
    let invited = app.invite(&a.owner, &[&colleague], a.member_role).await.json();
    assert_eq!(invited["set_aside"][0]["reason"], "AlreadyUser", "{invited}");
}

#[tokio::test]
async fn an_unconfirmed_join_request_holds_its_address_a_day_and_is_purged_after_a_week() {
    let app = TestApp::spawn().await;
    let a = app.company("A Co").await;
    let b = app.company("B Co").await;
    let day = 24 * 3_600_000;
    let now = db::now_ms();
    let company_b = app
        .count(&format!(
            "SELECT company_id FROM users WHERE email = '{}'",
            b.owner_email
        ))
        .await;
    for (who, age) in [("fresh", 0), ("stale", 2 * day), ("ancient", 8 * day)] {
        app.sql(&format!(
            "INSERT INTO users (company_id, email, name, status, created_at, updated_at)
             VALUES ({company_b}, '{who}@victim.example', 'Squatter', 'pending_email', {t}, {t})",
            t = now - age
        ))
        .await;
    }
    let fresh = add(&app, &a.owner, a.member_role, "fresh@victim.example", "Active").await;
    assert_eq!(
        fresh.status,
        StatusCode::OK,
        "answered as any address: {}",
        fresh.body
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM users WHERE email = 'fresh@victim.example' AND company_id <> {company_b}"
        ))
        .await,
        0,
        "a fresh request still holds its address"
    );
    let stale = add(&app, &a.owner, a.member_role, "stale@victim.example", "Active").await;
    assert_eq!(stale.status, StatusCode::OK, "{}", stale.body);

    assert_eq!(db::joins::purge_unconfirmed(&app.state.db, now).await.unwrap(), 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE email = 'ancient@victim.example'")
            .await,
        0
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE email = 'fresh@victim.example'")
            .await,
        1,
        "a request younger than a week stays"
    );
}

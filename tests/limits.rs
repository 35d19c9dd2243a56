//! Limits on the email anyone can make Roster send: a company's invitations and set-up emails
//! per day, one resend per invitation per hour, login email changes per person per day, new
//! companies per client address per hour, and nothing at all from a new company until its
//! owner has confirmed their address. Each refusal writes nothing.

mod common;

use common::{email, TestApp};
use http::StatusCode;
use serde_json::json;

/// A Roster whose companies may send `per_day` invitations and set-up emails a day, with no
/// allowance for small companies.
async fn app_sending(per_day: &str) -> TestApp {
    TestApp::spawn_with(&[
        ("ROSTER_INVITATIONS_PER_DAY", per_day),
        ("ROSTER_INVITATIONS_FREE_USERS", "1"),
    ])
    .await
}

async fn emails_to(app: &TestApp, to: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE to_email = $1")
        .bind(to)
        .fetch_one(&app.state.db)
        .await
        .unwrap()
}

fn addresses(n: usize) -> Vec<String> {
    (0..n).map(|_| email("hire")).collect()
}

fn refs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[tokio::test]
async fn a_company_cannot_invite_more_people_in_a_day_than_its_allowance_and_a_refused_batch_invites_nobody()
{
    let app = app_sending("3").await;
    let c = app.company("Initech").await;
    let four = addresses(4);
    let r = app.invite(&c.owner, &[&four.join("\n")], c.member_role).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    assert!(
        r.body
            .contains("You can send 3 more invitations or set-up emails today, not 4 emails"),
        "{}",
        r.body
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM invitations").await, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE kind = 'invitation'")
            .await,
        0
    );

    let r = app.invite(&c.owner, &refs(&four[..3]), c.member_role).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app.invite(&c.owner, &[&four[3]], c.member_role).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    assert!(
        r.body
            .contains("has sent all 3 invitations and set-up emails it may send today"),
        "{}",
        r.body
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM invitations").await, 3);
}

#[tokio::test]
async fn a_small_company_may_also_send_one_email_for_each_person_it_lacks_to_reach_the_free_size() {
    let app = TestApp::spawn_with(&[
        ("ROSTER_INVITATIONS_PER_DAY", "2"),
        ("ROSTER_INVITATIONS_FREE_USERS", "5"),
    ])
    .await;
    let c = app.company("Initech").await;
    // One person (the owner) of five: 2 + 4 today.
    let seven = addresses(7);
    let r = app.invite(&c.owner, &refs(&seven), c.member_role).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    assert!(r.body.contains("You can send 6 more"), "{}", r.body);
    let r = app.invite(&c.owner, &refs(&seven[..6]), c.member_role).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn one_companys_allowance_is_its_own() {
    let app = app_sending("1").await;
    let a = app.company("Initech").await;
    let b = app.company("Globex").await;
    assert_eq!(
        app.invite(&a.owner, &[&email("a")], a.member_role).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.invite(&b.owner, &[&email("b")], b.member_role).await.status,
        StatusCode::OK
    );
    let r = app.invite(&a.owner, &[&email("a2")], a.member_role).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
}

#[tokio::test]
async fn two_instances_racing_share_one_allowance() {
    let app = app_sending("3").await;
    let other = app
        .spawn_sharing_database(&[
            ("ROSTER_INVITATIONS_PER_DAY", "3"),
            ("ROSTER_INVITATIONS_FREE_USERS", "1"),
        ])
        .await;
    let c = app.company("Initech").await;
    let (x, y) = (addresses(2), addresses(2));
    let (x, y) = (refs(&x), refs(&y));
    let (rx, ry) = tokio::join!(
        app.invite(&c.owner, &x, c.member_role),
        other.invite(&c.owner, &y, c.member_role),
    );
    let mut statuses = [rx.status, ry.status];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::TOO_MANY_REQUESTS],
        "{} / {}",
        rx.body,
        ry.body
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM invitations").await, 2);
}

#[tokio::test]
async fn an_invitation_is_sent_again_at_most_once_an_hour_and_resends_spend_the_allowance() {
    let app = app_sending("2").await;
    let c = app.company("Initech").await;
    let ana = email("ana");
    app.invite(&c.owner, &[&ana], c.member_role).await;
    let id = app.count("SELECT MAX(id) FROM invitations").await.to_string();
    let form = [("ids[0]", id.as_str())];
    let resend = || app.call("invitations/resend", &form, Some(&c.owner));

    let r = resend().await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["changed"], json!([]));
    let reason = r.json()["skipped"][0]["reason"].as_str().unwrap().to_string();
    assert!(
        reason.starts_with("sent less than 60 minutes ago; it can be sent again in"),
        "{reason}"
    );
    assert_eq!(emails_to(&app, &ana).await, 1);

    app.sql("UPDATE invitations SET sent_at = sent_at - 3600000")
        .await;
    let r = resend().await;
    assert_eq!(r.json()["changed"], json!([ana]), "{}", r.body);
    assert_eq!(emails_to(&app, &ana).await, 2);

    // Withdrawing and sending again is no way around the hour, and the day's two are spent.
    app.call("invitations/withdraw", &[("ids[0]", &id)], Some(&c.owner))
        .await;
    assert_eq!(resend().await.json()["changed"], json!([]));
    app.sql("UPDATE invitations SET sent_at = sent_at - 3600000")
        .await;
    let r = resend().await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    assert_eq!(emails_to(&app, &ana).await, 2);
}

#[tokio::test]
async fn adding_an_active_user_spends_the_allowance_and_a_refused_add_leaves_no_user() {
    let app = app_sending("1").await;
    let c = app.company("Initech").await;
    let first = app
        .create_user(&c.owner, "Ana Lee", &email("ana"), c.member_role, "Active")
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let second = app
        .create_user(&c.owner, "Ana Lee", &email("bob"), c.member_role, "Active")
        .await;
    assert_eq!(second.status, StatusCode::TOO_MANY_REQUESTS, "{}", second.body);
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 2);
}

#[tokio::test]
async fn a_login_email_changes_at_most_three_times_a_day() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    for i in 0..3 {
        let to = email(&format!("new{i}"));
        let r = app
            .call(
                "profile/change_email",
                &[("new_email", &to), ("current_password", common::PASSWORD)],
                Some(&c.owner),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    let fourth = email("new3");
    let r = app
        .call(
            "profile/change_email",
            &[("new_email", &fourth), ("current_password", common::PASSWORD)],
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    assert!(r.body.contains("changed 3 times today"), "{}", r.body);
    assert_eq!(emails_to(&app, &fourth).await, 0);
}

#[tokio::test]
async fn a_client_address_creates_at_most_five_companies_an_hour() {
    let app = TestApp::spawn_with(&[("ROSTER_SIGNUPS_PER_HOUR", "5")]).await;
    for i in 0..5 {
        app.sign_up_unconfirmed(&format!("Co {i}"), "Olivia Owner", &email("owner"))
            .await;
    }
    let sixth = email("sixth");
    let r = app
        .call(
            "auth/signup",
            &[
                ("company_name", "Co 6"),
                ("name", "Olivia Owner"),
                ("email", &sixth),
                ("password", common::PASSWORD),
            ],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    assert_eq!(app.count("SELECT COUNT(*) FROM companies").await, 5);
    assert_eq!(emails_to(&app, &sixth).await, 0);
}

#[tokio::test]
async fn a_new_company_sends_no_email_until_its_owner_confirms_their_address() {
    let app = TestApp::spawn().await;
    let owner_email = email("owner");
    let owner = app
        .sign_up_unconfirmed("Initech", "Olivia Owner", &owner_email)
        .await;
    let member = app.role_id(&owner_email, "member").await;
    let ana = email("ana");
    let r = app.invite(&owner, &[&ana], member).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(
        r.body.contains("until its owner confirms their email address"),
        "{}",
        r.body
    );
    assert_eq!(emails_to(&app, &ana).await, 0);
    let mail = app.call("settings/mail", &[], Some(&owner)).await.json();
    assert_eq!(mail["confirmed"], false);

    let token = app.emailed_token(&owner_email, "verify-email").await;
    let r = app.call("profile/verify_email", &[("token", &token)], None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json(), json!({ "email": owner_email, "changed": false }));
    assert_eq!(app.invite(&owner, &[&ana], member).await.status, StatusCode::OK);
    let mail = app.call("settings/mail", &[], Some(&owner)).await.json();
    assert_eq!(mail["confirmed"], true);
    assert_eq!(mail["left_today"], 500 + 99 - 1);
}

#[tokio::test]
async fn the_owners_confirmation_link_dies_with_a_new_password_and_can_be_sent_again() {
    let app = TestApp::spawn().await;
    let owner_email = email("owner");
    app.sign_up_unconfirmed("Initech", "Olivia Owner", &owner_email)
        .await;
    let token = app.emailed_token(&owner_email, "verify-email").await;
    app.sql("UPDATE users SET security_stamp = security_stamp + 1")
        .await;
    let r = app.call("profile/verify_email", &[("token", &token)], None).await;
    assert_eq!(r.status, StatusCode::GONE, "{}", r.body);

    let owner = app.session_of(&owner_email).await;
    for _ in 0..3 {
        let r = app.call("settings/resend_confirmation", &[], Some(&owner)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    let r = app.call("settings/resend_confirmation", &[], Some(&owner)).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    let token = app.emailed_token(&owner_email, "verify-email").await;
    let r = app.call("profile/verify_email", &[("token", &token)], None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app.call("settings/resend_confirmation", &[], Some(&owner)).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
}

#[tokio::test]
async fn reactivating_in_bulk_emails_each_person_and_spends_the_allowance_all_or_nothing() {
    let app = app_sending("1").await;
    let c = app.company("Initech").await;
    let mut form = vec![("action[kind]".to_string(), "reactivate".to_string())];
    for (i, who) in ["ana", "bob"].iter().enumerate() {
        let id = app.add_user(&c.owner_email, who, &email(who), "member").await;
        form.push((format!("selection[ids][{i}]"), id.to_string()));
    }
    app.sql("UPDATE users SET status = 'deactivated' WHERE name IN ('ana', 'bob')")
        .await;
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = app.call("users/bulk/apply", &form, Some(&c.owner)).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE status = 'deactivated'")
            .await,
        2
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE kind = 'reactivation'")
            .await,
        0
    );
}

#[tokio::test]
async fn an_admins_change_of_someones_login_email_is_the_companys_email_and_waits_for_the_owners_confirmation(
) {
    let app = TestApp::spawn().await;
    let owner_email = email("owner");
    let owner = app
        .sign_up_unconfirmed("Initech", "Olivia Owner", &owner_email)
        .await;
    let victim = email("victim");
    // Adding anyone spends the company's email too, so the user is placed directly.
    let member = app.role_id(&owner_email, "member").await;
    let r = app
        .create_user(&owner, "Vic Tim", &victim, member, "Deactivated")
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let id = app
        .add_user(&owner_email, "Vic Tim", &victim, "member")
        .await
        .to_string();
    let elsewhere = email("elsewhere");
    let r = app
        .call(
            "users/update",
            &[
                ("edit[id]", &id),
                ("edit[version]", "1"),
                ("edit[name]", "Vic Tim"),
                ("edit[email]", &elsewhere),
            ],
            Some(&owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("until its owner confirms"), "{}", r.body);
    assert_eq!(
        emails_to(&app, &victim).await + emails_to(&app, &elsewhere).await,
        0
    );
}

#[tokio::test]
async fn a_strangers_join_request_does_not_move_the_companys_allowance() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let form = [
        ("settings[company_name]", "Initech"),
        ("settings[invitation_validity_days]", "7"),
        ("settings[allow_join_requests]", "true"),
    ];
    let saved = app.call("settings/save", &form, Some(&c.owner)).await.json();
    let code = saved["join_link"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let before = app.call("settings/mail", &[], Some(&c.owner)).await.json()["left_today"].clone();
    let stranger = email("stranger");
    app.call(
        "join/request",
        &[
            ("code", &code),
            ("name", "Stra Nger"),
            ("email", &stranger),
            ("password", common::PASSWORD),
        ],
        None,
    )
    .await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE status = 'pending_email'")
            .await,
        1
    );
    let after = app.call("settings/mail", &[], Some(&c.owner)).await.json()["left_today"].clone();
    assert_eq!(before, after);
}

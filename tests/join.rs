//! Join requests: the company's join link, the email confirmation, the approval queue, and no
//! way to learn through them who has an account.

mod common;

use common::{email, Company, TestApp, PASSWORD};
use http::StatusCode;
use roster::model::JOIN_REQUESTED;

async fn allow_joins(app: &TestApp, c: &Company, allow: bool) -> String {
    let mut form = vec![
        ("settings[company_name]", "Initech"),
        ("settings[invitation_validity_days]", "7"),
    ];
    if allow {
        form.push(("settings[allow_join_requests]", "true"));
    }
    let r = app.call("settings/save", &form, Some(&c.owner)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["allow_join_requests"], allow);
    let link = r.json()["join_link"].as_str().unwrap().to_string();
    link.rsplit('/').next().unwrap().to_string()
}

async fn join(app: &TestApp, code: &str, name: &str, to: &str) -> common::Response {
    join_with(app, code, name, to, PASSWORD).await
}

async fn join_with(app: &TestApp, code: &str, name: &str, to: &str, password: &str) -> common::Response {
    app.call(
        "join/request",
        &[
            ("code", code),
            ("name", name),
            ("email", to),
            ("password", password),
        ],
        None,
    )
    .await
}

async fn approve(app: &TestApp, id: &str, role: i64, cookie: &str) -> common::Response {
    let role = role.to_string();
    app.call(
        "approvals/approve",
        &[("approval[selection][ids][0]", id), ("approval[role]", &role)],
        Some(cookie),
    )
    .await
}

async fn status_of(app: &TestApp, to: &str) -> String {
    sqlx::query_scalar("SELECT status FROM users WHERE email = $1")
        .bind(to)
        .fetch_one(&app.state.db)
        .await
        .unwrap()
}

async fn id_of(app: &TestApp, to: &str) -> String {
    app.user_id(to).await.to_string()
}

/// Joins and confirms the address: the person then waits for approval.
async fn requested_and_confirmed(app: &TestApp, code: &str, to: &str) {
    assert_eq!(join(app, code, "Joan Joiner", to).await.status, StatusCode::OK);
    let token = app.emailed_token(to, "join/verify").await;
    let r = app.call("join/verify", &[("token", &token)], None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn a_join_request_is_confirmed_by_email_then_approved_and_the_person_signs_in() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let settings = app.call("settings/get", &[], Some(&c.owner)).await;
    assert_eq!(settings.json()["allow_join_requests"], false, "off by default");
    let code = allow_joins(&app, &c, true).await;
    let info = app.call("join/info", &[("code", &code)], None).await;
    assert_eq!(info.json()["company_name"], "Initech");

    let joan = email("joan");
    let r = join(&app, &code, "Joan Joiner", &joan).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json(), serde_json::json!(JOIN_REQUESTED));
    assert_eq!(status_of(&app, &joan).await, "pending_email");

    // Pending users can't sign in; only the right password learns why.
    let wrong = app.sign_in(&joan, "Not-The-Password-123").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.json(), serde_json::json!("BadCredentials"));
    let early = app.sign_in(&joan, PASSWORD).await;
    assert_eq!(early.status, StatusCode::FORBIDDEN);
    assert!(early.body.contains("Confirm your email"), "{}", early.body);

    let token = app.emailed_token(&joan, "join/verify").await;
    assert_eq!(
        app.count("SELECT expires_at - created_at FROM account_tokens WHERE purpose = 'join_verify'")
            .await,
        24 * 3_600_000
    );
    let verified = app.call("join/verify", &[("token", &token)], None).await;
    assert_eq!(verified.status, StatusCode::OK, "{}", verified.body);
    assert_eq!(verified.json(), serde_json::json!("Initech"));
    assert_eq!(status_of(&app, &joan).await, "pending_approval");
    let again = app.call("join/verify", &[("token", &token)], None).await;
    assert_eq!(again.status, StatusCode::GONE, "single use");

    let waiting = app.sign_in(&joan, PASSWORD).await;
    assert_eq!(waiting.status, StatusCode::FORBIDDEN);
    assert!(waiting.body.contains("approval"), "{}", waiting.body);
    assert_eq!(
        app.sign_in(&joan, "Not-The-Password-123").await.json(),
        serde_json::json!("BadCredentials")
    );

    let count = app.call("approvals/count", &[], Some(&c.owner)).await;
    assert_eq!(count.json(), 1);
    let tab = app.list(&c.owner, &[("tab", "awaiting_approval")]).await;
    assert_eq!(tab["users"][0]["email"], joan.as_str());

    let team = app
        .call("teams/create", &[("name", "Accounting")], Some(&c.owner))
        .await;
    let team = team.json().as_i64().unwrap().to_string();
    let id = id_of(&app, &joan).await;
    let role = c.member_role.to_string();
    let approved = app
        .call(
            "approvals/approve",
            &[
                ("approval[selection][ids][0]", &id),
                ("approval[role]", &role),
                ("approval[team]", &team),
            ],
            Some(&c.owner),
        )
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
    assert_eq!(approved.json(), 1);
    assert_eq!(status_of(&app, &joan).await, "active");
    assert_eq!(
        app.count(&format!(
            "SELECT role_id FROM role_assignments WHERE user_id = {id}"
        ))
        .await,
        c.member_role
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM team_members WHERE user_id = {id} AND team_id = {team}"
        ))
        .await,
        1
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM outbox WHERE to_email = '{joan}' AND kind = 'join_approved'"
        ))
        .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'user.join_approved'")
            .await,
        1
    );
    assert_eq!(app.call("approvals/count", &[], Some(&c.owner)).await.json(), 0);
    assert_eq!(app.sign_in(&joan, PASSWORD).await.status, StatusCode::OK);
}

#[tokio::test]
async fn rejecting_emails_the_people_and_removes_their_requests() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let code = allow_joins(&app, &c, true).await;
    let (a, b) = (email("a"), email("b"));
    requested_and_confirmed(&app, &code, &a).await;
    requested_and_confirmed(&app, &code, &b).await;
    let (ida, idb) = (id_of(&app, &a).await, id_of(&app, &b).await);
    let r = app
        .call(
            "approvals/reject",
            &[("selection[ids][0]", &ida), ("selection[ids][1]", &idb)],
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json(), 2);
    for to in [&a, &b] {
        assert_eq!(
            app.count(&format!("SELECT COUNT(*) FROM users WHERE email = '{to}'"))
                .await,
            0
        );
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM outbox WHERE to_email = '{to}' AND kind = 'join_rejected'"
            ))
            .await,
            1
        );
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM audit_events WHERE action = 'user.join_rejected' AND target_label LIKE '%{to}%'"
            ))
            .await,
            1
        );
    }
}

#[tokio::test]
async fn approving_everyone_matching_the_awaiting_tab_takes_them_all() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let code = allow_joins(&app, &c, true).await;
    let people = [email("p1"), email("p2"), email("p3")];
    for p in &people {
        requested_and_confirmed(&app, &code, p).await;
    }
    let role = c.member_role.to_string();
    let r = app
        .call(
            "approvals/approve",
            &[
                ("approval[selection][matching][tab]", "awaiting_approval"),
                ("approval[role]", &role),
            ],
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json(), 3);
    for p in &people {
        assert_eq!(status_of(&app, p).await, "active");
    }
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM users WHERE email = '{}'",
            c.owner_email
        ))
        .await,
        1,
        "the owner is untouched"
    );
}

#[tokio::test]
async fn the_join_request_answers_the_same_for_new_and_existing_emails() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let other = app.company("Hooli").await;
    let code = allow_joins(&app, &c, true).await;
    let new = email("new");
    let fresh = join(&app, &code, "New Person", &new).await;
    let taken = join(&app, &code, "Olivia Again", &other.owner_email).await;
    let same_company = join(&app, &code, "Olivia Again", &c.owner_email).await;
    for r in [&taken, &same_company] {
        assert_eq!(r.status, fresh.status);
        assert_eq!(r.body, fresh.body);
        assert_eq!(r.session_cookie(), None);
    }
    assert_eq!(
        status_of(&app, &other.owner_email).await,
        "active",
        "nothing changed"
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM outbox WHERE to_email = '{}' AND kind = 'join_already_registered'",
            other.owner_email
        ))
        .await,
        1,
        "the address's owner is told"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 3);
    // Asking again for an unconfirmed request sends a fresh confirmation link.
    join(&app, &code, "New Person", &new).await;
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM outbox WHERE to_email = '{new}' AND kind = 'join_verify'"
        ))
        .await,
        2
    );
}

#[tokio::test]
async fn a_closed_companys_code_answers_exactly_like_an_unknown_one() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let code = allow_joins(&app, &c, false).await;
    let closed = join(&app, &code, "Joan", &email("joan")).await;
    let unknown = join(&app, "nope", "Joan", &email("joan")).await;
    assert_eq!(closed.status, StatusCode::NOT_FOUND, "{}", closed.body);
    assert_eq!(
        (closed.status, closed.body),
        (unknown.status, unknown.body.clone())
    );
    let closed_info = app.call("join/info", &[("code", &code)], None).await;
    let unknown_info = app.call("join/info", &[("code", "nope")], None).await;
    assert_eq!(
        unknown_info.status,
        StatusCode::NOT_FOUND,
        "{}",
        unknown_info.body
    );
    assert_eq!(
        (closed_info.status, closed_info.body),
        (unknown_info.status, unknown_info.body)
    );
    assert!(!unknown.body.contains("Initech"));
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 1);
}

#[tokio::test]
async fn turning_join_requests_off_withdraws_the_waiting_ones_so_none_can_be_confirmed_or_approved() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let code = allow_joins(&app, &c, true).await;
    let (unconfirmed, confirmed) = (email("unconfirmed"), email("confirmed"));
    join(&app, &code, "Una", &unconfirmed).await;
    join(&app, &code, "Cora", &confirmed).await;
    let token = app.emailed_token(&confirmed, "join/verify").await;
    let r = app.call("join/verify", &[("token", &token)], None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let waiting = app.emailed_token(&unconfirmed, "join/verify").await;

    allow_joins(&app, &c, false).await;
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 1);
    let r = app.call("join/verify", &[("token", &waiting)], None).await;
    assert_eq!(r.status, StatusCode::GONE, "{}", r.body);
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'join_requests.withdrawn'")
            .await,
        1
    );
}

#[tokio::test]
async fn a_confirmation_link_works_for_24_hours() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let code = allow_joins(&app, &c, true).await;
    let late = email("late");
    join(&app, &code, "Late Person", &late).await;
    let token = app.emailed_token(&late, "join/verify").await;
    app.sql("UPDATE account_tokens SET expires_at = created_at - 1 WHERE purpose = 'join_verify'")
        .await;
    let r = app.call("join/verify", &[("token", &token)], None).await;
    assert_eq!(r.status, StatusCode::GONE, "{}", r.body);
    assert_eq!(status_of(&app, &late).await, "pending_email");
}

#[tokio::test]
async fn approval_needs_manage_users_and_stays_within_the_company() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let code = allow_joins(&app, &c, true).await;
    let joan = email("joan");
    requested_and_confirmed(&app, &code, &joan).await;
    let id = id_of(&app, &joan).await;
    let member = email("member");
    app.add_user(&c.owner_email, "Mel Member", &member, "member")
        .await;
    let member = app.session_of(&member).await;
    let other = app.company("Hooli").await;
    let as_member = approve(&app, &id, c.member_role, &member).await;
    assert_eq!(as_member.status, StatusCode::FORBIDDEN);
    let as_other = approve(&app, &id, other.member_role, &other.owner).await;
    assert_ne!(as_other.status, StatusCode::OK, "{}", as_other.body);
    let as_other = approve(&app, &id, c.member_role, &other.owner).await;
    assert_ne!(as_other.status, StatusCode::OK, "{}", as_other.body);
    let reject = app
        .call(
            "approvals/reject",
            &[("selection[ids][0]", &id)],
            Some(&other.owner),
        )
        .await;
    assert_eq!(reject.status, StatusCode::CONFLICT, "{}", reject.body);
    assert_eq!(
        app.call("approvals/count", &[], Some(&other.owner)).await.json(),
        0
    );
    assert_eq!(status_of(&app, &joan).await, "pending_approval", "untouched");
    // Approving the owner or an active user does nothing: only requests are approved.
    let owner_id = id_of(&app, &c.owner_email).await;
    let role = c.member_role.to_string();
    let r = app
        .call(
            "approvals/approve",
            &[
                ("approval[selection][ids][0]", &owner_id),
                ("approval[role]", &role),
            ],
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
}

/// A password the attacker chose, not the victim's `PASSWORD`.
const ATTACKER_PASSWORD: &str = "Crimson-Harbor-77-Falcon";

#[tokio::test]
async fn a_later_join_request_for_an_unconfirmed_address_replaces_the_earlier_password_and_name() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let code = allow_joins(&app, &c, true).await;
    let victim = email("victim");
    let attacker = join_with(&app, &code, "Mallory Attacker", &victim, ATTACKER_PASSWORD).await;
    assert_eq!(attacker.status, StatusCode::OK, "{}", attacker.body);
    let asked = join(&app, &code, "Vera Victim", &victim).await;
    assert_eq!(asked.status, attacker.status);
    assert_eq!(asked.body, attacker.body, "the same answer either way");
    assert_eq!(asked.json(), serde_json::json!(JOIN_REQUESTED));

    let token = app.emailed_token(&victim, "join/verify").await;
    let r = app.call("join/verify", &[("token", &token)], None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let id = id_of(&app, &victim).await;
    let approved = approve(&app, &id, c.member_role, &c.owner).await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
    assert_eq!(status_of(&app, &victim).await, "active");

    assert_eq!(app.sign_in(&victim, PASSWORD).await.status, StatusCode::OK);
    let refused = app.sign_in(&victim, ATTACKER_PASSWORD).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.body);
    assert_eq!(refused.json(), serde_json::json!("BadCredentials"));
    let name: String = sqlx::query_scalar("SELECT name FROM users WHERE email = $1")
        .bind(&victim)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(name, "Vera Victim", "the latest request's name");
}

#[tokio::test]
async fn an_earlier_confirmation_link_is_refused_once_the_address_asks_again_and_completes_nothing() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let code = allow_joins(&app, &c, true).await;
    let victim = email("victim");
    join_with(&app, &code, "Mallory Attacker", &victim, ATTACKER_PASSWORD).await;
    let earlier = app.emailed_token(&victim, "join/verify").await;
    join(&app, &code, "Vera Victim", &victim).await;
    let latest = app.emailed_token(&victim, "join/verify").await;
    assert_ne!(earlier, latest);

    let r = app.call("join/verify", &[("token", &earlier)], None).await;
    assert_eq!(r.status, StatusCode::GONE, "{}", r.body);
    assert_eq!(
        status_of(&app, &victim).await,
        "pending_email",
        "nothing completed"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'user.email_confirmed'")
            .await,
        0
    );
    assert_eq!(app.call("approvals/count", &[], Some(&c.owner)).await.json(), 0);

    let r = app.call("join/verify", &[("token", &latest)], None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(status_of(&app, &victim).await, "pending_approval");
    let again = app.call("join/verify", &[("token", &earlier)], None).await;
    assert_eq!(again.status, StatusCode::GONE, "{}", again.body);
}

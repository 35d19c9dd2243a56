//! Adding, editing, deactivating, reactivating and deleting users; the one-owner rule;
//! audit events in the same transaction as their change.

mod common;

use common::{email, Company, TestApp, PASSWORD};
use http::StatusCode;

async fn add(app: &TestApp, c: &Company, name: &str, email: &str, role: &str) -> common::Response {
    let role = app.role_id(&c.owner_email, role).await.to_string();
    app.call(
        "users/create",
        &[
            ("user[name]", name),
            ("user[email]", email),
            ("user[phone]", "+1 555 0100"),
            ("user[job_title]", "Analyst"),
            ("user[role]", &role),
            ("user[status]", "Active"),
        ],
        Some(&c.owner),
    )
    .await
}

#[tokio::test]
async fn adding_a_user_creates_them_without_a_password_queues_a_setup_email_and_audits_it() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let ana = email("ana");
    let r = add(&app, &c, "Ana Ruiz", &ana, "member").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let (status, hash): (String, Option<String>) =
        sqlx::query_as("SELECT status, password_hash FROM users WHERE email = $1")
            .bind(&ana)
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert_eq!((status.as_str(), hash), ("active", None));
    let body: String = sqlx::query_scalar("SELECT text_body FROM outbox WHERE to_email = $1")
        .bind(&ana)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert!(body.contains("“Olivia Owner” added you to “Initech”"), "{body}");
    assert!(body.contains("7 days"), "{body}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'user.created'")
            .await,
        1
    );
    // The token is stored only hashed.
    let token = app.emailed_token(&ana, "welcome").await;
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM account_tokens WHERE token_hash = '{token}'"
        ))
        .await,
        0
    );
}

#[tokio::test]
async fn a_taken_or_malformed_email_or_a_bad_phone_is_a_field_error_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let taken = add(&app, &c, "Copy Cat", &c.owner_email.to_uppercase(), "member").await;
    assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(taken.json()["Invalid"]["field"], "email");
    let malformed = add(&app, &c, "Bad Email", "not-an-email", "member").await;
    assert_eq!(malformed.json()["Invalid"]["field"], "email");
    let role = app.role_id(&c.owner_email, "member").await.to_string();
    let phone = app
        .call(
            "users/create",
            &[
                ("user[name]", "P"),
                ("user[email]", &email("p")),
                ("user[phone]", "call me"),
                ("user[role]", &role),
                ("user[status]", "Active"),
            ],
            Some(&c.owner),
        )
        .await;
    assert_eq!(phone.json()["Invalid"]["field"], "phone");
    let owner_role = app.role_id(&c.owner_email, "owner").await.to_string();
    let second_owner = app
        .call(
            "users/create",
            &[
                ("user[name]", "Q"),
                ("user[email]", &email("q")),
                ("user[role]", &owner_role),
                ("user[status]", "Active"),
            ],
            Some(&c.owner),
        )
        .await;
    assert_eq!(second_owner.json()["Invalid"]["field"], "role");
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE kind = 'account_setup'")
            .await,
        0
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'user.created'")
            .await,
        0
    );
}

#[tokio::test]
async fn the_setup_link_sets_a_password_signs_in_and_works_only_once() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let ana = email("ana");
    add(&app, &c, "Ana Ruiz", &ana, "member").await;
    let token = app.emailed_token(&ana, "welcome").await;
    let info = app.call("welcome/info", &[("token", &token)], None).await.json();
    assert_eq!(info["email"], ana.as_str());
    assert_eq!(info["has_password"], false);
    let no_password = app
        .call("welcome/finish", &[("token", &token), ("password", "")], None)
        .await;
    assert_eq!(no_password.json()["Invalid"]["field"], "password");
    let r = app
        .call(
            "welcome/finish",
            &[("token", &token), ("password", PASSWORD)],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.session_cookie().is_some());
    assert_eq!(app.sign_in(&ana, PASSWORD).await.status, StatusCode::OK);
    let again = app
        .call(
            "welcome/finish",
            &[("token", &token), ("password", "Another-Long-Phrase-9")],
            None,
        )
        .await;
    assert_eq!(again.status, StatusCode::GONE);
    assert_eq!(
        app.call("welcome/info", &[("token", "forged")], None)
            .await
            .status,
        StatusCode::GONE
    );
}

#[tokio::test]
async fn an_expired_setup_link_is_refused() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let ana = email("ana");
    add(&app, &c, "Ana Ruiz", &ana, "member").await;
    let token = app.emailed_token(&ana, "welcome").await;
    app.sql("UPDATE account_tokens SET expires_at = 0").await;
    let r = app
        .call(
            "welcome/finish",
            &[("token", &token), ("password", PASSWORD)],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::GONE);
}

#[tokio::test]
async fn saving_over_someone_elses_newer_edit_reports_a_conflict() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let ana = email("ana");
    add(&app, &c, "Ana Ruiz", &ana, "member").await;
    let id = app.user_id(&ana).await.to_string();
    let edit = |title: &'static str, version: &'static str| {
        let id = id.clone();
        let ana = ana.clone();
        let owner = c.owner.clone();
        let app = &app;
        async move {
            app.call(
                "users/update",
                &[
                    ("edit[id]", &id),
                    ("edit[version]", version),
                    ("edit[name]", "Ana Ruiz"),
                    ("edit[email]", &ana),
                    ("edit[job_title]", title),
                ],
                Some(&owner),
            )
            .await
        }
    };
    assert_eq!(edit("Lead analyst", "1").await.status, StatusCode::OK);
    let stale = edit("Intern", "1").await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert!(
        stale.body.contains("Someone else saved this user"),
        "{}",
        stale.body
    );
    let title: String = sqlx::query_scalar("SELECT job_title FROM users WHERE email = $1")
        .bind(&ana)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(title, "Lead analyst");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'user.updated'")
            .await,
        1
    );
}

#[tokio::test]
async fn deactivating_ends_every_session_at_once_and_refuses_sign_in_and_reactivating_lets_them_back() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let mel = email("mel");
    let id = app
        .add_user(&c.owner_email, "Mel Member", &mel, "member")
        .await
        .to_string();
    let phone = app.session_of(&mel).await;
    let laptop = app.session_of(&mel).await;
    assert_eq!(
        app.call("users/deactivate", &[("id", &id)], Some(&c.owner))
            .await
            .status,
        StatusCode::OK
    );
    for session in [&phone, &laptop] {
        assert_eq!(app.call("auth/me", &[], Some(session)).await.body, "null");
    }
    assert_eq!(app.sign_in(&mel, PASSWORD).await.status, StatusCode::FORBIDDEN);

    assert_eq!(
        app.call("users/reactivate", &[("id", &id)], Some(&c.owner))
            .await
            .status,
        StatusCode::OK
    );
    let subject: String = sqlx::query_scalar("SELECT subject FROM outbox WHERE to_email = $1")
        .bind(&mel)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(subject, "Finish reactivating your “Initech” account");
    // They kept their password, so the link signs them in without a new one.
    let token = app.emailed_token(&mel, "welcome").await;
    let r = app
        .call("welcome/finish", &[("token", &token), ("password", "")], None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(app.sign_in(&mel, PASSWORD).await.status, StatusCode::OK);
}

#[tokio::test]
async fn deleting_needs_the_typed_email_and_keeps_what_the_user_did_attributed() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let ada = email("ada");
    let id = app.add_user(&c.owner_email, "Ada Admin", &ada, "admin").await;
    let ada_session = app.session_of(&ada).await;
    // Ada adds someone: an event with Ada as the actor.
    let role = app.role_id(&c.owner_email, "member").await.to_string();
    let r = app
        .call(
            "users/create",
            &[
                ("user[name]", "Bo"),
                ("user[email]", &email("bo")),
                ("user[role]", &role),
                ("user[status]", "Active"),
            ],
            Some(&ada_session),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let events_before = app.count("SELECT COUNT(*) FROM audit_events").await;
    let wrong = app
        .call(
            "users/delete",
            &[("id", &id.to_string()), ("confirm_email", "someone@else.com")],
            Some(&c.owner),
        )
        .await;
    assert_eq!(wrong.json()["Invalid"]["field"], "confirm_email");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events").await,
        events_before,
        "a refused change leaves no event"
    );

    let r = app
        .call(
            "users/delete",
            &[("id", &id.to_string()), ("confirm_email", &ada.to_uppercase())],
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM users WHERE id = {id}"))
            .await,
        0
    );
    assert_eq!(app.call("auth/me", &[], Some(&ada_session)).await.body, "null");
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_events WHERE actor_name = 'Ada Admin' AND action = 'user.created'"
        )
        .await,
        1
    );
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM audit_events WHERE action = 'user.deleted' AND target_label = 'Ada Admin ({ada})'")).await,
        1
    );
}

#[tokio::test]
async fn the_owner_cannot_be_demoted_deactivated_or_deleted_before_a_transfer() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let ada = email("ada");
    app.add_user(&c.owner_email, "Ada Admin", &ada, "admin").await;
    let admin = app.session_of(&ada).await;
    let owner_id = app.user_id(&c.owner_email).await.to_string();
    let member_role = app.role_id(&c.owner_email, "member").await.to_string();
    for (endpoint, args) in [
        (
            "users/change_role",
            vec![("id", owner_id.as_str()), ("role", member_role.as_str())],
        ),
        ("users/deactivate", vec![("id", owner_id.as_str())]),
        (
            "users/delete",
            vec![
                ("id", owner_id.as_str()),
                ("confirm_email", c.owner_email.as_str()),
            ],
        ),
    ] {
        let r = app.call(endpoint, &args, Some(&admin)).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{endpoint}: {}", r.body);
        assert!(r.body.contains("Transfer ownership"), "{endpoint}: {}", r.body);
    }
    let me = app.call("auth/me", &[], Some(&c.owner)).await.json();
    assert_eq!(me["role_name"], "Owner");
}

#[tokio::test]
async fn transferring_ownership_needs_the_owners_password_and_an_active_target() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let ada = email("ada");
    let ada_id = app
        .add_user(&c.owner_email, "Ada Admin", &ada, "admin")
        .await
        .to_string();
    let ada_session = app.session_of(&ada).await;
    let wrong = app
        .call(
            "users/transfer_ownership",
            &[("to", &ada_id), ("password", "Not-My-Password-1")],
            Some(&c.owner),
        )
        .await;
    assert_eq!(wrong.json()["Invalid"]["field"], "password");
    let not_owner = app
        .call(
            "users/transfer_ownership",
            &[("to", &ada_id), ("password", PASSWORD)],
            Some(&ada_session),
        )
        .await;
    assert_eq!(not_owner.status, StatusCode::FORBIDDEN);

    let r = app
        .call(
            "users/transfer_ownership",
            &[("to", &ada_id), ("password", PASSWORD)],
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        app.call("auth/me", &[], Some(&ada_session)).await.json()["role_name"],
        "Owner"
    );
    assert_eq!(
        app.call("auth/me", &[], Some(&c.owner)).await.json()["role_name"],
        "Admin"
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM companies WHERE owner_id = {ada_id}"
        ))
        .await,
        1
    );
}

#[tokio::test]
async fn racing_transfers_and_a_demotion_leave_exactly_one_owner() {
    for _ in 0..5 {
        let app = TestApp::spawn().await;
        let c = app.company("Initech").await;
        let (x, y) = (email("x"), email("y"));
        let x_id = app.add_user(&c.owner_email, "Xia", &x, "admin").await.to_string();
        let y_id = app
            .add_user(&c.owner_email, "Yusuf", &y, "admin")
            .await
            .to_string();
        let y_session = app.session_of(&y).await;
        let member = app.role_id(&c.owner_email, "member").await.to_string();
        let to_x = [("to", x_id.as_str()), ("password", PASSWORD)];
        let to_y = [("to", y_id.as_str()), ("password", PASSWORD)];
        let demote_x = [("id", x_id.as_str()), ("role", member.as_str())];
        // The owner demotes Xia while handing ownership to her and to Yusuf; Yusuf, an admin
        // like her, tries too, which he may only once she is below him.
        let (a, b, d, e) = tokio::join!(
            app.call("users/transfer_ownership", &to_x, Some(&c.owner)),
            app.call("users/transfer_ownership", &to_y, Some(&c.owner)),
            app.call("users/change_role", &demote_x, Some(&c.owner)),
            app.call("users/change_role", &demote_x, Some(&y_session)),
        );
        assert!(
            d.status == StatusCode::OK || d.status.is_client_error(),
            "the demotion wins or is refused, never fails: {} {}",
            d.status,
            d.body
        );
        let transfers_ok = [&a, &b].iter().filter(|r| r.status == StatusCode::OK).count();
        assert_eq!(
            transfers_ok, 1,
            "exactly one transfer wins: {} / {}",
            a.body, b.body
        );
        let owners_by_role = app
            .count("SELECT COUNT(*) FROM role_assignments ra JOIN roles r ON r.id = ra.role_id WHERE r.builtin = 'owner'")
            .await;
        assert_eq!(owners_by_role, 1);
        let owner_id = app.count("SELECT owner_id FROM companies").await;
        let owner_role = app
            .count(&format!(
                "SELECT COUNT(*) FROM role_assignments ra JOIN roles r ON r.id = ra.role_id WHERE r.builtin = 'owner' AND ra.user_id = {owner_id}"
            ))
            .await;
        assert_eq!(owner_role, 1, "the owner holds the Owner role");
        let xia_is_member = app
            .count(&format!(
                "SELECT COUNT(*) FROM role_assignments ra JOIN roles r ON r.id = ra.role_id WHERE r.builtin = 'member' AND ra.user_id = {x_id}"
            ))
            .await;
        if (d.status == StatusCode::OK || e.status == StatusCode::OK) && owner_id.to_string() != x_id {
            assert_eq!(xia_is_member, 1, "a demotion that answered OK holds");
        }
        if e.status == StatusCode::OK {
            assert!(
                d.status == StatusCode::OK || owner_id.to_string() == y_id,
                "Yusuf could act on Xia only once she was demoted or he was the owner"
            );
        } else {
            assert!(e.status.is_client_error(), "{} {}", e.status, e.body);
        }
        if d.status != StatusCode::OK && e.status != StatusCode::OK {
            assert_eq!(xia_is_member, 0, "refused demotions wrote nothing");
        }
    }
}

#[tokio::test]
async fn teams_are_set_exactly_and_only_from_the_users_own_company() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let mel = app
        .add_user(&c.owner_email, "Mel", &email("mel"), "member")
        .await
        .to_string();
    let company: i64 = sqlx::query_scalar("SELECT company_id FROM users WHERE email = $1")
        .bind(&c.owner_email)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    app.sql(&format!("INSERT INTO teams (company_id, name, created_at) VALUES ({company}, 'Ops', 0), ({company}, 'Sales', 0)")).await;
    let other = company_of_other(&app).await;
    let [ops, sales]: [i64; 2] = [
        app.count("SELECT id FROM teams WHERE name = 'Ops'").await,
        app.count("SELECT id FROM teams WHERE name = 'Sales'").await,
    ];
    let (ops, sales) = (ops.to_string(), sales.to_string());
    let r = app
        .call(
            "users/set_teams",
            &[("id", &mel), ("teams[0]", &ops), ("teams[1]", &sales)],
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM team_members WHERE user_id = {mel}"
        ))
        .await,
        2
    );
    let foreign = app
        .call(
            "users/set_teams",
            &[("id", &mel), ("teams[0]", &other.to_string())],
            Some(&c.owner),
        )
        .await;
    assert_eq!(foreign.json()["Invalid"]["field"], "teams");
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM team_members WHERE user_id = {mel}"
        ))
        .await,
        2,
        "nothing half-written"
    );
    let none = app.call("users/set_teams", &[("id", &mel)], Some(&c.owner)).await;
    assert_eq!(none.status, StatusCode::OK, "{}", none.body);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM team_members WHERE user_id = {mel}"
        ))
        .await,
        0
    );
}

/// A team of another company.
async fn company_of_other(app: &TestApp) -> i64 {
    let owner = email("other");
    app.sign_up("Initrode", "Bill", &owner).await;
    let company: i64 = sqlx::query_scalar("SELECT company_id FROM users WHERE email = $1")
        .bind(&owner)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    app.sql(&format!(
        "INSERT INTO teams (company_id, name, created_at) VALUES ({company}, 'Theirs', 0)"
    ))
    .await;
    app.count("SELECT id FROM teams WHERE name = 'Theirs'").await
}

/// The users table's (All, Active, Deactivated) counts as `cookie` sees them.
async fn tab_counts(app: &TestApp, cookie: &str) -> (i64, i64, i64) {
    let counts = &app.list(cookie, &[]).await["counts"];
    let of = |tab: &str| counts[tab].as_i64().unwrap();
    (of("all"), of("active"), of("deactivated"))
}

#[tokio::test]
async fn the_tab_counts_follow_each_change_at_once_though_they_are_kept_between_changes() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    assert_eq!(tab_counts(&app, &c.owner).await, (1, 1, 0));
    // A row written behind the server's back announces nothing: the kept counts stand ...
    let company = app
        .count(&format!(
            "SELECT company_id FROM users WHERE email = '{}'",
            c.owner_email
        ))
        .await;
    sqlx::query(
        "INSERT INTO users (company_id, email, name, status, created_at, updated_at)
         VALUES ($1, $2, 'Quiet Quentin', 'deactivated', 0, 0)",
    )
    .bind(company)
    .bind(email("quentin"))
    .execute(&app.state.db)
    .await
    .unwrap();
    assert_eq!(tab_counts(&app, &c.owner).await, (1, 1, 0));
    // ... until the company's live version moves on.
    app.state.live.catch_up();
    assert_eq!(tab_counts(&app, &c.owner).await, (2, 1, 1));

    let ana = email("ana");
    let r = add(&app, &c, "Ana Ruiz", &ana, "member").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(tab_counts(&app, &c.owner).await, (3, 2, 1));

    let id = app.user_id(&ana).await.to_string();
    let r = app.call("users/deactivate", &[("id", &id)], Some(&c.owner)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(tab_counts(&app, &c.owner).await, (3, 1, 2));
}

#[tokio::test]
async fn someone_still_joining_is_not_deactivated_so_reactivating_cannot_skip_confirmation() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let pending = app
        .add_user(&c.owner_email, "Pat Pending", &email("pat"), "member")
        .await;
    app.sql(&format!(
        "UPDATE users SET status = 'pending_email' WHERE id = {pending}"
    ))
    .await;
    let r = app
        .call(
            "users/deactivate",
            &[("id", &pending.to_string())],
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let r = app
        .call(
            "users/bulk/apply",
            &[
                ("selection[ids][0]", &pending.to_string()),
                ("action[kind]", "deactivate"),
            ],
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.json()["changed"], 0, "{}", r.body);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM users WHERE id = {pending} AND status = 'pending_email'"
        ))
        .await,
        1
    );
}

#[tokio::test]
async fn resending_the_setup_email_sends_a_new_link_ends_the_old_one_and_is_audited() {
    let app = TestApp::spawn_with(&[("ROSTER_RESEND_MINUTES", "0")]).await;
    let c = app.company("Initech").await;
    let ana = email("ana");
    add(&app, &c, "Ana Ruiz", &ana, "member").await;
    let first = app.emailed_token(&ana, "welcome").await;
    let id = app.user_id(&ana).await.to_string();
    let r = app
        .call("users/resend_setup", &[("id", &id)], Some(&c.owner))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let second = app.emailed_token(&ana, "welcome").await;
    assert_ne!(first, second);
    let old = app
        .call(
            "welcome/finish",
            &[("token", &first), ("password", PASSWORD)],
            None,
        )
        .await;
    assert_eq!(old.status, StatusCode::GONE, "the earlier link ends");
    let new = app
        .call(
            "welcome/finish",
            &[("token", &second), ("password", PASSWORD)],
            None,
        )
        .await;
    assert_eq!(new.status, StatusCode::OK, "{}", new.body);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'user.setup_link_resent'")
            .await,
        1
    );
    // Once they have set up their account, there is nothing to resend.
    let again = app
        .call("users/resend_setup", &[("id", &id)], Some(&c.owner))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox").await, 3);
}

#[tokio::test]
async fn only_an_admin_above_them_in_the_same_company_can_resend_a_setup_email() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let ana = email("ana");
    add(&app, &c, "Ana Ruiz", &ana, "member").await;
    let id = app.user_id(&ana).await.to_string();
    let member = email("member");
    app.add_user(&c.owner_email, "Milton", &member, "member").await;
    let as_member = app.session_of(&member).await;
    let other = app.company("Initrode").await;
    let before = app.count("SELECT COUNT(*) FROM outbox").await;

    let r = app
        .call("users/resend_setup", &[("id", &id)], Some(&as_member))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = app
        .call("users/resend_setup", &[("id", &id)], Some(&other.owner))
        .await;
    assert_eq!(
        r.status,
        StatusCode::NOT_FOUND,
        "another company's user is not found: {}",
        r.body
    );
    let r = app.call("users/resend_setup", &[("id", &id)], None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    // An admin can't resend to someone who holds as much as they do (another admin).
    let admin = email("admin");
    app.add_user(&c.owner_email, "Bill", &admin, "admin").await;
    let peer = email("peer");
    add(&app, &c, "Peer", &peer, "admin").await;
    let peer_id = app.user_id(&peer).await.to_string();
    let as_admin = app.session_of(&admin).await;
    let r = app
        .call("users/resend_setup", &[("id", &peer_id)], Some(&as_admin))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    // Of the above, only the peer's own add sent an email.
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox").await, before + 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'user.setup_link_resent'")
            .await,
        0
    );
}

#[tokio::test]
async fn a_users_page_lists_their_teams_and_says_whether_they_ever_signed_in() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let ana = email("ana");
    add(&app, &c, "Ana Ruiz", &ana, "member").await;
    let id = app.user_id(&ana).await;
    app.sql(&format!(
        "INSERT INTO teams (company_id, name, created_at) SELECT company_id, 'Sales', 0 FROM users WHERE id = {id}"
    ))
    .await;
    app.sql(&format!(
        "INSERT INTO team_members (team_id, user_id) SELECT id, {id} FROM teams WHERE name = 'Sales'"
    ))
    .await;
    let details = app
        .call("users/get", &[("id", &id.to_string())], Some(&c.owner))
        .await
        .json();
    assert_eq!(details["teams"][0]["name"], "Sales");
    assert_eq!(details["never_signed_in"], true);
    let owner = app.user_id(&c.owner_email).await;
    let me = app
        .call("users/get", &[("id", &owner.to_string())], Some(&c.owner))
        .await
        .json();
    assert_eq!(me["never_signed_in"], false);
    assert_eq!(me["is_owner"], true);
}

#[tokio::test]
async fn a_setup_email_is_not_sent_again_within_the_pause_so_no_inbox_can_be_flooded() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let ana = email("ana");
    add(&app, &c, "Ana Ruiz", &ana, "member").await;
    let id = app.user_id(&ana).await.to_string();
    let r = app
        .call("users/resend_setup", &[("id", &id)], Some(&c.owner))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("in 60 minutes"), "{}", r.body);
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM outbox WHERE to_email = '{ana}'"))
            .await,
        1,
        "only the first email"
    );
    // Once the pause is over, it can be sent again.
    app.sql("UPDATE account_tokens SET created_at = created_at - 3600000")
        .await;
    let r = app
        .call("users/resend_setup", &[("id", &id)], Some(&c.owner))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn resending_ends_an_earlier_reactivation_link_too() {
    let app = TestApp::spawn_with(&[("ROSTER_RESEND_MINUTES", "0")]).await;
    let c = app.company("Initech").await;
    let ana = email("ana");
    add(&app, &c, "Ana Ruiz", &ana, "member").await;
    let id = app.user_id(&ana).await.to_string();
    for step in ["users/deactivate", "users/reactivate"] {
        let r = app.call(step, &[("id", &id)], Some(&c.owner)).await;
        assert_eq!(r.status, StatusCode::OK, "{step}: {}", r.body);
    }
    let reactivation = app.emailed_token(&ana, "welcome").await;
    let r = app
        .call("users/resend_setup", &[("id", &id)], Some(&c.owner))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let old = app
        .call(
            "welcome/finish",
            &[("token", &reactivation), ("password", PASSWORD)],
            None,
        )
        .await;
    assert_eq!(
        old.status,
        StatusCode::GONE,
        "the reactivation link ends with the resend"
    );
}

#[tokio::test]
async fn a_password_replaced_through_a_reactivation_link_is_told_to_its_owner() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let milton = email("milton");
    let id = app
        .add_user(&c.owner_email, "Milton", &milton, "member")
        .await
        .to_string();
    for step in ["users/deactivate", "users/reactivate"] {
        let r = app.call(step, &[("id", &id)], Some(&c.owner)).await;
        assert_eq!(r.status, StatusCode::OK, "{step}: {}", r.body);
    }
    let token = app.emailed_token(&milton, "welcome").await;
    let r = app
        .call(
            "welcome/finish",
            &[("token", &token), ("password", "Marmalade-Harbour-77-Lynx")],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let notice: String =
        sqlx::query_scalar("SELECT text_body FROM outbox WHERE to_email = $1 AND kind = 'password_changed'")
            .bind(&milton)
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert!(notice.contains("when your account was reactivated"), "{notice}");
}

/// A single role change's event names the account the role applies on: the one account where
/// they held a role, the root for someone who held none (they get it there), and none for a
/// role held on several accounts; its before is the role held, if any.
#[tokio::test]
async fn a_role_change_is_audited_with_the_account_it_applies_on_and_the_role_before() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let root = app.root_account(&c.owner_email).await;
    let branch = app.sub_account(root, "Branch").await;
    let mut ids = Vec::new();
    for name in ["Ana", "Ben", "Cy"] {
        let email = email(&name.to_lowercase());
        ids.push(app.add_user(&c.owner_email, name, &email, "member").await);
    }
    let [ana, ben, cy] = [ids[0], ids[1], ids[2]];
    app.place(ana, &[(branch, c.member_role)]).await;
    app.place(ben, &[]).await;
    app.place(cy, &[(root, c.member_role), (branch, c.member_role)])
        .await;
    for id in &ids {
        let r = app
            .call(
                "users/change_role",
                &[("id", &id.to_string()), ("role", &c.admin_role.to_string())],
                Some(&c.owner),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    // Target, account's id and name, before.
    type Event = (i64, Option<i64>, Option<String>, Option<String>);
    let events: Vec<Event> = sqlx::query_as(
        "SELECT target_user_id, account_ref, account_label, before_json FROM audit_events
         WHERE action = 'user.role_changed' ORDER BY id",
    )
    .fetch_all(&app.state.db)
    .await
    .unwrap();
    let root_name: String = sqlx::query_scalar("SELECT name FROM accounts WHERE id = $1")
        .bind(root)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    let member = Some(r#"{"role":"Member"}"#.to_string());
    assert_eq!(
        events,
        [
            (ana, Some(branch), Some("Branch".to_string()), member.clone()),
            (ben, Some(root), Some(root_name), None),
            (cy, None, None, member),
        ]
    );
}

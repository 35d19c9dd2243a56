//! Password reset: the same answer for every address, a one-hour single-use link, and a new
//! password that ends every session.

mod common;

use common::{email, TestApp, PASSWORD};
use http::StatusCode;
use roster::model::RESET_REQUESTED;
use std::time::{Duration, Instant};

const NEW_PASSWORD: &str = "Marmalade-Harbour-77-Lynx";

async fn request(app: &TestApp, to: &str) -> common::Response {
    app.call("reset/request", &[("email", to)], None).await
}

async fn finish(app: &TestApp, token: &str, password: &str) -> common::Response {
    app.call("reset/finish", &[("token", token), ("password", password)], None)
        .await
}

async fn emails_to(app: &TestApp, to: &str) -> i64 {
    app.count(&format!(
        "SELECT COUNT(*) FROM outbox WHERE to_email = '{to}' AND kind = 'password_reset'"
    ))
    .await
}

#[tokio::test]
async fn a_reset_link_sets_a_new_password_once_and_signs_in_afresh() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let milton = email("milton");
    app.add_user(&c.owner_email, "Milton Waddams", &milton, "member")
        .await;

    let r = request(&app, &milton).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json(), serde_json::json!(RESET_REQUESTED));
    let token = app.emailed_token(&milton, "reset").await;
    assert_eq!(token.len(), 64, "256 bits, hex");
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM account_tokens WHERE token_hash = '{token}'"
        ))
        .await,
        0,
        "only the hash is stored"
    );

    let info = app.call("reset/info", &[("token", &token)], None).await;
    assert_eq!(info.status, StatusCode::OK, "{}", info.body);
    assert_eq!(info.json()["email"], milton.as_str());

    let weak = finish(&app, &token, "password").await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", weak.body);

    let done = finish(&app, &token, NEW_PASSWORD).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let cookie = done.session_cookie().expect("signed in afresh");
    let me = app.call("auth/me", &[], Some(&cookie)).await;
    assert_eq!(me.json()["email"], milton.as_str());

    assert_eq!(
        app.sign_in(&milton, PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.sign_in(&milton, NEW_PASSWORD).await.status, StatusCode::OK);

    let again = finish(&app, &token, "Another-Fine-Password-99").await;
    assert_eq!(again.status, StatusCode::GONE, "single use: {}", again.body);
    assert_eq!(
        app.call("reset/info", &[("token", &token)], None).await.status,
        StatusCode::GONE
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM audit_events WHERE action = 'user.password_reset' AND target_label = '{milton}'"
        ))
        .await,
        1
    );
}

#[tokio::test]
async fn a_reset_link_works_for_one_hour() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    request(&app, &c.owner_email).await;
    assert_eq!(
        app.count("SELECT expires_at - created_at FROM account_tokens WHERE purpose = 'reset'")
            .await,
        3_600_000
    );
    let token = app.emailed_token(&c.owner_email, "reset").await;
    app.sql("UPDATE account_tokens SET expires_at = created_at - 1 WHERE purpose = 'reset'")
        .await;
    let r = finish(&app, &token, NEW_PASSWORD).await;
    assert_eq!(r.status, StatusCode::GONE, "{}", r.body);
    assert_eq!(
        app.sign_in(&c.owner_email, PASSWORD).await.status,
        StatusCode::OK,
        "password unchanged"
    );
}

#[tokio::test]
async fn resetting_the_password_ends_every_session_of_the_user() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let phone = app.session_of(&c.owner_email).await;
    let laptop = c.owner.clone();
    request(&app, &c.owner_email).await;
    let token = app.emailed_token(&c.owner_email, "reset").await;
    let done = finish(&app, &token, NEW_PASSWORD).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    for old in [&phone, &laptop] {
        let me = app.call("auth/me", &[], Some(old)).await;
        assert_eq!(
            me.json(),
            serde_json::Value::Null,
            "an old session ended: {}",
            me.body
        );
    }
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = '{}'",
            c.owner_email
        ))
        .await,
        1,
        "only the new session"
    );
}

#[tokio::test]
async fn deactivated_and_pending_users_cannot_reset_their_way_back_in() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let gone = email("gone");
    app.add_user(&c.owner_email, "Gone Person", &gone, "member").await;
    // A link issued while active dies with the deactivation.
    request(&app, &gone).await;
    let token = app.emailed_token(&gone, "reset").await;
    app.sql(&format!(
        "UPDATE users SET status = 'deactivated' WHERE email = '{gone}'"
    ))
    .await;
    assert_eq!(finish(&app, &token, NEW_PASSWORD).await.status, StatusCode::GONE);

    for status in ["deactivated", "pending_email", "pending_approval"] {
        app.sql(&format!(
            "UPDATE users SET status = '{status}' WHERE email = '{gone}'"
        ))
        .await;
        app.sql("DELETE FROM login_throttle").await;
        let before = emails_to(&app, &gone).await;
        let r = request(&app, &gone).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.json(), serde_json::json!(RESET_REQUESTED), "the same answer");
        assert_eq!(
            emails_to(&app, &gone).await,
            before,
            "no link for a {status} user"
        );
    }
}

#[tokio::test]
async fn the_reset_request_answers_the_same_for_known_and_unknown_emails() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let started = Instant::now();
    let known = request(&app, &c.owner_email).await;
    let known_took = started.elapsed();
    let started = Instant::now();
    let unknown = request(&app, &email("nobody")).await;
    let unknown_took = started.elapsed();
    assert_eq!(known.status, unknown.status);
    assert_eq!(known.body, unknown.body);
    assert_eq!(known.session_cookie(), None);
    assert_eq!(unknown.session_cookie(), None);
    // Both wait for the same floor, well above the work either path does.
    for took in [known_took, unknown_took] {
        assert!(took >= Duration::from_millis(300), "{took:?}");
    }
    assert_eq!(emails_to(&app, &c.owner_email).await, 1);
}

#[tokio::test]
async fn repeated_reset_requests_for_one_address_stop_sending_links() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    for _ in 0..6 {
        let r = request(&app, &c.owner_email).await;
        assert_eq!(r.json(), serde_json::json!(RESET_REQUESTED));
    }
    // Three free requests and a fourth that starts the wait (1 s, 3 s, ... as for sign-in):
    // the next ones, 300 ms apart, send nothing but get the same answer.
    assert_eq!(emails_to(&app, &c.owner_email).await, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reset_requests_sent_all_at_once_send_no_more_links_than_sent_one_after_another() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let answers = futures_util::future::join_all((0..10).map(|_| request(&app, &c.owner_email))).await;
    for r in answers {
        assert_eq!(r.json(), serde_json::json!(RESET_REQUESTED));
    }
    assert_eq!(emails_to(&app, &c.owner_email).await, 4);
}

/// Links end with the password and the status they were sent under: a link that outlived a
/// new password or a deactivation would let whoever still holds the old email back in.
#[tokio::test]
async fn a_set_up_link_stops_working_once_the_password_was_set_another_way() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let ana = email("ana");
    let r = app
        .create_user(&c.owner, "Ana Ruiz", &ana, c.member_role, "Active")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let setup = app.emailed_token(&ana, "welcome").await;

    // Ana never uses the set-up link: she asks for a reset and sets her password with it.
    request(&app, &ana).await;
    let reset = app.emailed_token(&ana, "reset").await;
    assert_eq!(finish(&app, &reset, NEW_PASSWORD).await.status, StatusCode::OK);

    let info = app.call("welcome/info", &[("token", &setup)], None).await;
    assert_eq!(info.status, StatusCode::GONE, "{}", info.body);
    let used = app
        .call("welcome/finish", &[("token", &setup), ("password", "")], None)
        .await;
    assert_eq!(used.status, StatusCode::GONE, "{}", used.body);
    assert_eq!(used.session_cookie(), None, "the old link signs nobody in");
}

#[tokio::test]
async fn a_reset_link_stops_working_once_the_password_is_changed_from_the_profile() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let milton = email("milton");
    app.add_user(&c.owner_email, "Milton Waddams", &milton, "member")
        .await;
    request(&app, &milton).await;
    let reset = app.emailed_token(&milton, "reset").await;

    let cookie = app.session_of(&milton).await;
    let form = [("current_password", PASSWORD), ("new_password", NEW_PASSWORD)];
    let changed = app.call("profile/change_password", &form, Some(&cookie)).await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    let id = app.user_id(&milton).await;
    let unused = format!("SELECT COUNT(*) FROM account_tokens WHERE used_at IS NULL AND user_id = {id}");
    assert_eq!(app.count(&unused).await, 0, "the reset link is spent");

    let info = app.call("reset/info", &[("token", &reset)], None).await;
    assert_eq!(info.status, StatusCode::GONE, "{}", info.body);
    assert_eq!(
        finish(&app, &reset, "Another-Password-31-Heron").await.status,
        StatusCode::GONE
    );
    assert_eq!(app.sign_in(&milton, NEW_PASSWORD).await.status, StatusCode::OK);
}

#[tokio::test]
async fn links_sent_before_a_deactivation_do_not_come_back_with_the_reactivation() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let milton = email("milton");
    let id = app
        .add_user(&c.owner_email, "Milton Waddams", &milton, "member")
        .await
        .to_string();
    request(&app, &milton).await;
    let reset = app.emailed_token(&milton, "reset").await;

    let r = app.call("users/deactivate", &[("id", &id)], Some(&c.owner)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // Spent, not only outdated: on PostgreSQL a claim racing the change waits for the row.
    let unused = format!("SELECT COUNT(*) FROM account_tokens WHERE used_at IS NULL AND user_id = {id}");
    assert_eq!(app.count(&unused).await, 0);
    let r = app.call("users/reactivate", &[("id", &id)], Some(&c.owner)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let info = app.call("reset/info", &[("token", &reset)], None).await;
    assert_eq!(info.status, StatusCode::GONE, "{}", info.body);

    // The reactivation's own link works, once.
    let welcome = app.emailed_token(&milton, "welcome").await;
    let back = app
        .call("welcome/finish", &[("token", &welcome), ("password", "")], None)
        .await;
    assert_eq!(back.status, StatusCode::OK, "{}", back.body);
}

/// The text of the last `kind` email to `to`.
async fn last_email(app: &TestApp, to: &str, kind: &str) -> Option<String> {
    sqlx::query_scalar(
        "SELECT text_body FROM outbox WHERE to_email = $1 AND kind = $2 ORDER BY id DESC LIMIT 1",
    )
    .bind(to)
    .bind(kind)
    .fetch_optional(&app.state.db)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_password_changed_by_reset_link_or_from_the_profile_is_told_to_its_owner_with_a_link_to_their_devices(
) {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let milton = email("milton");
    app.add_user(&c.owner_email, "Milton Waddams", &milton, "member")
        .await;
    request(&app, &milton).await;
    let token = app.emailed_token(&milton, "reset").await;
    assert_eq!(
        last_email(&app, &milton, "password_changed").await,
        None,
        "nothing changed yet"
    );
    assert_eq!(finish(&app, &token, NEW_PASSWORD).await.status, StatusCode::OK);
    let notice = last_email(&app, &milton, "password_changed")
        .await
        .expect("a notice");
    assert!(
        notice.contains("was changed with a password reset link"),
        "{notice}"
    );
    assert!(notice.contains("/profile#devices"), "{notice}");
    assert!(notice.contains("UTC"), "the time names its zone: {notice}");

    // From the profile, too; a wrong current password changes nothing and tells no one.
    let session = app.sign_in(&milton, NEW_PASSWORD).await.session_cookie().unwrap();
    let change = |current: &'static str| {
        let session = session.clone();
        let app = &app;
        async move {
            app.call(
                "profile/change_password",
                &[("current_password", current), ("new_password", PASSWORD)],
                Some(&session),
            )
            .await
        }
    };
    assert_ne!(change("not-my-password").await.status, StatusCode::OK);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE kind = 'password_changed'")
            .await,
        1
    );
    assert_eq!(change(NEW_PASSWORD).await.status, StatusCode::OK);
    let notice = last_email(&app, &milton, "password_changed").await.unwrap();
    assert!(notice.contains("was changed from the profile page"), "{notice}");
}

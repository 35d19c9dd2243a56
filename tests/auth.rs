//! Sign-up, sign-in, sessions and CSRF, against a real database.

mod common;

use common::{email, TestApp, PASSWORD};
use http::StatusCode;

#[tokio::test]
async fn sign_up_creates_a_company_with_root_account_builtin_roles_and_an_active_owner() {
    let app = TestApp::spawn().await;
    let owner = email("owner");
    let cookie = app.sign_up("Initech", "Peter Gibbons", &owner).await;

    assert_eq!(
        app.count("SELECT COUNT(*) FROM companies WHERE name = 'Initech'")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM accounts WHERE parent_id IS NULL")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM roles WHERE builtin IS NOT NULL")
            .await,
        3
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM users u JOIN companies c ON c.owner_id = u.id WHERE u.status = 'active'"
        )
        .await,
        1
    );
    let me = app.call("auth/me", &[], Some(&cookie)).await.json();
    assert_eq!(me["email"], owner.as_str());
    assert_eq!(me["role_name"], "Owner");
    assert_eq!(me["company_name"], "Initech");
}

#[tokio::test]
async fn the_password_is_stored_only_as_an_argon2id_hash() {
    let app = TestApp::spawn().await;
    app.sign_up("Initech", "Peter", &email("owner")).await;
    let hash: String = sqlx::query_scalar("SELECT password_hash FROM users")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    assert!(!hash.contains(PASSWORD));
}

#[tokio::test]
async fn sign_up_with_a_taken_email_gives_a_field_error_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let owner = email("owner");
    app.sign_up("Initech", "Peter", &owner).await;
    let r = app
        .call(
            "auth/signup",
            &[
                ("company_name", "Initrode"),
                ("name", "Bill"),
                ("email", &owner.to_uppercase()),
                ("password", PASSWORD),
            ],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["Invalid"]["field"], "email");
    assert_eq!(app.count("SELECT COUNT(*) FROM companies").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM accounts").await, 1);
}

#[tokio::test]
async fn sign_up_refuses_a_common_password_and_a_malformed_email() {
    let app = TestApp::spawn().await;
    let weak = app
        .call(
            "auth/signup",
            &[
                ("company_name", "Initech"),
                ("name", "Peter"),
                ("email", &email("p")),
                ("password", "password1"),
            ],
            None,
        )
        .await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(weak.json()["Invalid"]["field"], "password");
    let malformed = app
        .call(
            "auth/signup",
            &[
                ("company_name", "Initech"),
                ("name", "Peter"),
                ("email", "peter@"),
                ("password", PASSWORD),
            ],
            None,
        )
        .await;
    assert_eq!(malformed.json()["Invalid"]["field"], "email");
    assert_eq!(app.count("SELECT COUNT(*) FROM companies").await, 0);
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_give_the_same_answer() {
    let app = TestApp::spawn().await;
    let owner = email("owner");
    app.sign_up("Initech", "Peter", &owner).await;
    let wrong = app.sign_in(&owner, "Not-The-Password-99").await;
    let unknown = app.sign_in(&email("nobody"), "Not-The-Password-99").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!((wrong.status, &wrong.body), (unknown.status, &unknown.body));
    assert!(wrong.session_cookie().is_none() && unknown.session_cookie().is_none());
}

#[tokio::test]
async fn sign_in_sets_an_http_only_same_site_cookie_with_a_new_token_each_time() {
    let app = TestApp::spawn().await;
    let owner = email("owner");
    let first = app.sign_up("Initech", "Peter", &owner).await;
    let r = app.sign_in(&owner, PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK);
    let set_cookie = r.set_cookie_header();
    assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    assert!(set_cookie.contains("SameSite=Lax"), "{set_cookie}");
    assert!(set_cookie.contains("Path=/"), "{set_cookie}");
    assert!(
        !set_cookie.contains("Secure"),
        "no Secure flag over plain http: {set_cookie}"
    );
    let second = r.session_cookie().unwrap();
    assert_ne!(first, second);
    // The token is at least 256 bits, and only its hash is stored.
    let token = second.split_once('=').unwrap().1;
    assert_eq!(token.len(), 64);
    let stored = app
        .count(&format!(
            "SELECT COUNT(*) FROM sessions WHERE token_hash = '{token}'"
        ))
        .await;
    assert_eq!(stored, 0);
}

#[tokio::test]
async fn signing_in_again_in_the_same_browser_ends_the_old_session() {
    let app = TestApp::spawn().await;
    let owner = email("owner");
    let old = app.sign_up("Initech", "Peter", &owner).await;
    let r = app
        .call(
            "auth/signin",
            &[("email", &owner), ("password", PASSWORD), ("next", "")],
            Some(&old),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(app.call("auth/me", &[], Some(&old)).await.body, "null");
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 1);
}

#[tokio::test]
async fn secure_cookies_carry_the_secure_flag_and_the_host_prefix() {
    let app = TestApp::spawn_with(&[("ROSTER_SECURE_COOKIES", "1")]).await;
    let r = app
        .call(
            "auth/signup",
            &[
                ("company_name", "Initech"),
                ("name", "Peter"),
                ("email", &email("o")),
                ("password", PASSWORD),
            ],
            None,
        )
        .await;
    let set_cookie = r.set_cookie_header();
    assert!(set_cookie.starts_with("__Host-roster_session="), "{set_cookie}");
    assert!(
        set_cookie.contains("Secure") && set_cookie.contains("HttpOnly"),
        "{set_cookie}"
    );
}

#[tokio::test]
async fn sign_out_ends_the_session_on_the_server() {
    let app = TestApp::spawn().await;
    let cookie = app.sign_up("Initech", "Peter", &email("owner")).await;
    let r = app.call("auth/signout", &[], Some(&cookie)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.set_cookie_header().contains("Max-Age=0"));
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
    // The old cookie, replayed, opens nothing.
    assert_eq!(app.call("auth/me", &[], Some(&cookie)).await.body, "null");
    assert_eq!(
        app.call("users/list", &[("query[tab]", "all")], Some(&cookie))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_session_idle_longer_than_the_idle_timeout_ends() {
    let app = TestApp::spawn_with(&[("ROSTER_SESSION_IDLE_MINUTES", "30")]).await;
    let cookie = app.sign_up("Initech", "Peter", &email("owner")).await;
    let now = roster::server::db::now_ms();
    app.sql(&format!(
        "UPDATE sessions SET last_seen_at = {}",
        now - 29 * 60_000
    ))
    .await;
    assert_ne!(
        app.call("auth/me", &[], Some(&cookie)).await.body,
        "null",
        "29 idle minutes are fine"
    );
    app.sql(&format!(
        "UPDATE sessions SET last_seen_at = {}",
        now - 31 * 60_000
    ))
    .await;
    assert_eq!(app.call("auth/me", &[], Some(&cookie)).await.body, "null");
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
}

#[tokio::test]
async fn a_session_past_its_absolute_lifetime_ends_even_when_used() {
    let app = TestApp::spawn().await;
    let cookie = app.sign_up("Initech", "Peter", &email("owner")).await;
    app.sql(&format!(
        "UPDATE sessions SET expires_at = {}",
        roster::server::db::now_ms() - 1
    ))
    .await;
    assert_eq!(app.call("auth/me", &[], Some(&cookie)).await.body, "null");
}

#[tokio::test]
async fn a_deactivated_user_cannot_sign_in_and_their_sessions_stop_working() {
    let app = TestApp::spawn().await;
    let owner = email("owner");
    let cookie = app.sign_up("Initech", "Peter", &owner).await;
    let member = email("member");
    app.add_user(&owner, "Milton", &member, "member").await;
    let member_cookie = app.session_of(&member).await;
    app.sql(&format!(
        "UPDATE users SET status = 'deactivated' WHERE email = '{member}'"
    ))
    .await;
    assert_eq!(app.call("auth/me", &[], Some(&member_cookie)).await.body, "null");
    let r = app.sign_in(&member, PASSWORD).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("deactivated"), "{}", r.body);
    // The owner is unaffected.
    assert_ne!(app.call("auth/me", &[], Some(&cookie)).await.body, "null");
}

#[tokio::test]
async fn repeated_failures_lock_the_account_even_for_the_right_password() {
    let app = TestApp::spawn().await;
    let owner = email("owner");
    app.sign_up("Initech", "Peter", &owner).await;
    for _ in 0..4 {
        app.sign_in(&owner, "Wrong-Password-123").await;
    }
    let r = app.sign_in(&owner, PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    assert!(r.json()["TooManyAttempts"]["retry_after_secs"].as_u64().unwrap() >= 1);
    // An unknown email is throttled the same way, so the lock reveals nothing either.
    let nobody = email("nobody");
    for _ in 0..4 {
        app.sign_in(&nobody, "Wrong-Password-123").await;
    }
    assert_eq!(
        app.sign_in(&nobody, "Wrong-Password-123").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn a_lock_ends_with_time_and_success_clears_the_account_count() {
    let app = TestApp::spawn().await;
    let owner = email("owner");
    app.sign_up("Initech", "Peter", &owner).await;
    for _ in 0..4 {
        app.sign_in(&owner, "Wrong-Password-123").await;
    }
    // Move the last failure 2 s into the past: the 1 s wait after the 4th failure is over.
    app.sql(&format!(
        "UPDATE login_throttle SET last_failure_at = {}",
        roster::server::db::now_ms() - 2_000
    ))
    .await;
    assert_eq!(app.sign_in(&owner, PASSWORD).await.status, StatusCode::OK);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM login_throttle WHERE key = 'email:{owner}'"
        ))
        .await,
        0
    );
}

#[tokio::test]
async fn many_failures_from_one_address_slow_down_every_account_tried_from_it() {
    let app = TestApp::spawn().await;
    let owner = email("owner");
    app.sign_up("Initech", "Peter", &owner).await;
    // Spread over many emails so no single account locks: the per-address count does.
    for i in 0..21 {
        app.sign_in(&email(&format!("guess{i}")), "Wrong-Password-123")
            .await;
    }
    assert_eq!(
        app.sign_in(&owner, PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn a_state_changing_request_from_a_foreign_origin_is_refused_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let form = [
        ("company_name", "Evil"),
        ("name", "Eve"),
        ("email", "eve@example.com"),
        ("password", PASSWORD),
    ];
    let r = app
        .request(
            "POST",
            "/api/auth/signup",
            &form,
            None,
            Some("https://evil.example"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("SELECT COUNT(*) FROM companies").await, 0);
    // The same request from Roster's own origin goes through.
    let ok = app
        .request(
            "POST",
            "/api/auth/signup",
            &form,
            None,
            Some("http://127.0.0.1:3000"),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
}

#[tokio::test]
async fn signing_out_from_a_foreign_origin_is_refused() {
    let app = TestApp::spawn().await;
    let cookie = app.sign_up("Initech", "Peter", &email("owner")).await;
    let r = app
        .request(
            "POST",
            "/api/auth/signout",
            &[],
            Some(&cookie),
            Some("https://evil.example"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_ne!(app.call("auth/me", &[], Some(&cookie)).await.body, "null");
}

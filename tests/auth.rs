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
    let me = app.call("auth/me", &[], Some(&cookie)).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    assert!(me.body.contains("Peter"), "29 idle minutes are fine: {}", me.body);
    app.sql(&format!(
        "UPDATE sessions SET last_seen_at = {}",
        now - 31 * 60_000
    ))
    .await;
    assert_eq!(app.call("auth/me", &[], Some(&cookie)).await.body, "null");
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
}

/// A request after a quiet minute counts as activity (the session's and the person's "last
/// seen" move on, written at most once a minute); the session then works on and signs out.
#[tokio::test]
async fn a_session_used_after_a_quiet_minute_is_seen_again_and_lives_on() {
    let app = TestApp::spawn().await;
    let owner = email("owner");
    let cookie = app.sign_up("Initech", "Peter", &owner).await;
    let before = roster::server::db::now_ms() - 10 * 60_000;
    app.sql(&format!("UPDATE sessions SET last_seen_at = {before}"))
        .await;
    app.sql(&format!("UPDATE users SET last_seen_at = {before}"))
        .await;
    let page = app
        .call("users/list", &[("query[tab]", "all")], Some(&cookie))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let seen = |table: &str| format!("SELECT COUNT(*) FROM {table} WHERE last_seen_at > {before}");
    assert_eq!(
        app.count(&seen("sessions")).await,
        1,
        "the session was not seen again"
    );
    assert_eq!(
        app.count(&seen("users")).await,
        1,
        "the person was not seen again"
    );
    let me = app.call("auth/me", &[], Some(&cookie)).await;
    assert_eq!(me.status, StatusCode::OK);
    assert!(me.body.contains(&owner), "{}", me.body);
    let out = app.call("auth/signout", &[], Some(&cookie)).await;
    assert_eq!(out.status, StatusCode::OK, "{}", out.body);
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
}

#[tokio::test]
async fn a_session_past_its_absolute_lifetime_ends_even_when_used() {
    let app = TestApp::spawn().await;
    let cookie = app.sign_up("Initech", "Peter", &email("owner")).await;
    let me = app.call("auth/me", &[], Some(&cookie)).await;
    assert!(
        me.body.contains("Peter"),
        "the session works until then: {}",
        me.body
    );
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

/// Client addresses of the lockout tests: an attacker, the user at home, someone else.
const ATTACKER: &str = "203.0.113.66";
const HOME: &str = "198.51.100.7";
const ELSEWHERE: &str = "2001:db8::5";

/// `n` wrong passwords for `email` from `ip`, each after the wait the one before caused is
/// over (the throttle's clock moved back 16 minutes, past even a lock), so every one counts.
async fn fail_sign_ins(app: &TestApp, ip: &str, email: &str, n: usize) {
    for i in 0..n {
        if i > 0 {
            app.sql("UPDATE login_throttle SET last_failure_at = last_failure_at - 960000")
                .await;
        }
        let r = app.sign_in_from(ip, email, "Wrong-Password-123", None).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "failure {i}: {}", r.body);
    }
}

/// The wait a 429 answer asks for, in seconds.
fn retry_after(r: &common::Response) -> u64 {
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    r.json()["TooManyAttempts"]["retry_after_secs"].as_u64().unwrap()
}

#[tokio::test]
async fn repeated_failures_lock_the_failing_address_out_of_the_account_even_for_the_right_password() {
    let app = TestApp::spawn().await;
    let owner = email("owner");
    app.sign_up("Initech", "Peter", &owner).await;
    for _ in 0..4 {
        app.sign_in(&owner, "Wrong-Password-123").await;
    }
    // Past the free failures the address waits ...
    assert!(retry_after(&app.sign_in(&owner, PASSWORD).await) >= 1);
    // ... and after seven it is locked out of this account for a quarter of an hour.
    fail_sign_ins(&app, ATTACKER, &owner, 7).await;
    assert!(retry_after(&app.sign_in_from(ATTACKER, &owner, PASSWORD, None).await) > 14 * 60);
    // An unknown email is throttled the same way, so the lock reveals nothing either.
    let nobody = email("nobody");
    fail_sign_ins(&app, ATTACKER, &nobody, 7).await;
    assert!(retry_after(&app.sign_in_from(ATTACKER, &nobody, PASSWORD, None).await) > 14 * 60);
}

#[tokio::test]
async fn a_lock_ends_with_time_and_success_clears_the_counts_of_the_account_and_the_address() {
    let app = TestApp::spawn().await;
    let owner = email("owner");
    app.sign_up("Initech", "Peter", &owner).await;
    fail_sign_ins(&app, HOME, &owner, 7).await;
    assert_eq!(
        app.sign_in_from(HOME, &owner, PASSWORD, None).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Move the last failure 16 minutes into the past: the 15-minute lock is over.
    app.sql("UPDATE login_throttle SET last_failure_at = last_failure_at - 960000")
        .await;
    assert_eq!(
        app.sign_in_from(HOME, &owner, PASSWORD, None).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM login_throttle WHERE key LIKE 'email:{owner}%'"
        ))
        .await,
        0
    );
}

#[tokio::test]
async fn nine_failures_from_one_address_leave_the_right_password_from_another_address_working() {
    let app = TestApp::spawn().await;
    let owner = email("owner");
    app.sign_up("Initech", "Peter", &owner).await;
    fail_sign_ins(&app, ATTACKER, &owner, 9).await;
    let r = app.sign_in_from(HOME, &owner, PASSWORD, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.session_cookie().is_some());
}

/// A company's owner who signed in once from `HOME`, with the known-device cookie it left.
async fn owner_with_known_device(app: &TestApp) -> (String, String) {
    let owner = email("owner");
    app.sign_up("Initech", "Peter", &owner).await;
    let device = app
        .sign_in_from(HOME, &owner, PASSWORD, None)
        .await
        .device_cookie()
        .expect("a sign-in sets a known-device cookie");
    (owner, device)
}

#[tokio::test]
async fn a_known_device_gets_in_with_the_right_password_even_from_the_attacking_address() {
    let app = TestApp::spawn().await;
    let (owner, device) = owner_with_known_device(&app).await;
    fail_sign_ins(&app, ATTACKER, &owner, 9).await;
    for ip in [ATTACKER, HOME] {
        let r = app.sign_in_from(ip, &owner, PASSWORD, Some(&device)).await;
        assert_eq!(r.status, StatusCode::OK, "from {ip}: {}", r.body);
        // The device is known already: no second one.
        assert!(r.device_cookie().is_none());
    }
    // Without the cookie the attacking address is still locked out of the account.
    assert!(retry_after(&app.sign_in_from(ATTACKER, &owner, PASSWORD, None).await) > 14 * 60);
    assert_eq!(app.count("SELECT COUNT(*) FROM known_devices").await, 1);
}

#[tokio::test]
async fn the_known_device_cookie_is_long_lived_http_only_and_stored_only_as_a_hash() {
    let app = TestApp::spawn().await;
    let owner = email("owner");
    app.sign_up("Initech", "Peter", &owner).await;
    let r = app.sign_in_from(HOME, &owner, PASSWORD, None).await;
    let set_cookie = r
        .headers
        .get_all(http::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("roster_device="))
        .expect("a known-device cookie")
        .to_string();
    for part in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=31536000"] {
        assert!(set_cookie.contains(part), "{set_cookie}");
    }
    assert!(!set_cookie.contains("Secure"), "{set_cookie}");
    let token = r.device_cookie().unwrap().split_once('=').unwrap().1.to_string();
    assert_eq!(token.len(), 64);
    let stored = format!("SELECT COUNT(*) FROM known_devices WHERE token_hash = '{token}'");
    assert_eq!(app.count(&stored).await, 0);
    // Behind TLS it is Secure and host-only, like the session cookie.
    let secure = TestApp::spawn_with(&[("ROSTER_SECURE_COOKIES", "1")]).await;
    secure.sign_up("Initech", "Peter", &owner).await;
    let r = secure.sign_in_from(HOME, &owner, PASSWORD, None).await;
    let device = r.device_cookie().unwrap();
    assert!(device.starts_with("__Host-roster_device="), "{device}");
    let header = r
        .headers
        .get_all(http::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("__Host-roster_device="))
        .unwrap()
        .to_string();
    assert!(header.contains("Secure"), "{header}");
}

#[tokio::test]
async fn a_forged_or_another_users_device_cookie_gives_no_way_past_the_lock() {
    let app = TestApp::spawn().await;
    let owner = email("owner");
    app.sign_up("Initech", "Peter", &owner).await;
    let member = email("member");
    app.add_user(&owner, "Milton", &member, "member").await;
    let members_device = app
        .sign_in_from(ATTACKER, &member, PASSWORD, None)
        .await
        .device_cookie()
        .expect("a known-device cookie");
    fail_sign_ins(&app, ATTACKER, &owner, 9).await;
    let forged = format!("roster_device={}", roster::server::token::generate());
    for cookie in [members_device.as_str(), forged.as_str()] {
        let r = app.sign_in_from(ATTACKER, &owner, PASSWORD, Some(cookie)).await;
        assert!(retry_after(&r) > 14 * 60, "{cookie}");
    }
}

#[tokio::test]
async fn addresses_failing_for_an_account_are_slowed_by_its_count_but_never_locked() {
    let app = TestApp::spawn().await;
    let owner = email("owner");
    app.sign_up("Initech", "Peter", &owner).await;
    fail_sign_ins(&app, ATTACKER, &owner, 9).await;
    // A fresh address is not slowed by the account's nine failures ...
    let r = app
        .sign_in_from(ELSEWHERE, &owner, "Wrong-Password-123", None)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    // ... but once failing for the account it waits on the account's count: a delay, no lock.
    let wait = retry_after(&app.sign_in_from(ELSEWHERE, &owner, PASSWORD, None).await);
    assert!((1..=30).contains(&wait), "{wait}");
    app.sql("UPDATE login_throttle SET last_failure_at = last_failure_at - 31000")
        .await;
    let r = app.sign_in_from(ELSEWHERE, &owner, PASSWORD, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn an_unknown_email_and_a_known_one_are_throttled_alike() {
    let app = TestApp::spawn().await;
    let owner = email("owner");
    app.sign_up("Initech", "Peter", &owner).await;
    let mut seen = Vec::new();
    for who in [owner.clone(), email("nobody")] {
        fail_sign_ins(&app, ATTACKER, &who, 9).await;
        let mut answers = Vec::new();
        for ip in [ATTACKER, ELSEWHERE, ELSEWHERE] {
            let r = app.sign_in_from(ip, &who, "Wrong-Password-123", None).await;
            // The status, whether a wait was asked and if it is a lock; nothing else differs.
            let wait = (r.status == StatusCode::TOO_MANY_REQUESTS).then(|| retry_after(&r) > 60);
            if wait.is_none() {
                assert_eq!(r.body, app.sign_in(&email("nobody2"), "x").await.body);
            }
            answers.push((r.status, wait));
        }
        seen.push(answers);
    }
    assert_eq!(seen[0], seen[1]);
    assert_eq!(
        seen[0],
        [
            (StatusCode::TOO_MANY_REQUESTS, Some(true)),
            (StatusCode::UNAUTHORIZED, None),
            (StatusCode::TOO_MANY_REQUESTS, Some(false)),
        ]
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
async fn a_password_reset_lifts_the_locks_of_every_address_on_that_account_only() {
    let app = TestApp::spawn().await;
    // An underscore, which LIKE would read as any character: the look-alike keeps its lock.
    let owner = email("p_g");
    let lookalike = owner.replacen("p_g", "pxg", 1);
    app.sign_up("Initech", "Peter", &owner).await;
    for ip in [HOME, ATTACKER] {
        fail_sign_ins(&app, ip, &owner, 7).await;
    }
    fail_sign_ins(&app, ATTACKER, &lookalike, 7).await;
    app.call("reset/request", &[("email", &owner)], None).await;
    let token = app.emailed_token(&owner, "reset").await;
    let new_password = "Marmalade-Harbour-77-Lynx";
    let r = app
        .call(
            "reset/finish",
            &[("token", &token), ("password", new_password)],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    for ip in [HOME, ATTACKER] {
        let r = app.sign_in_from(ip, &owner, new_password, None).await;
        assert_eq!(r.status, StatusCode::OK, "from {ip}: {}", r.body);
    }
    let r = app.sign_in_from(ATTACKER, &lookalike, PASSWORD, None).await;
    assert!(retry_after(&r) > 14 * 60);
}

#[tokio::test]
async fn a_known_device_is_not_slowed_by_its_address_failing_for_other_accounts() {
    let app = TestApp::spawn().await;
    let (owner, device) = owner_with_known_device(&app).await;
    for i in 0..21 {
        app.sign_in_from(HOME, &email(&format!("guess{i}")), "Wrong-Password-123", None)
            .await;
    }
    assert_eq!(
        app.sign_in_from(HOME, &owner, PASSWORD, None).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    let r = app.sign_in_from(HOME, &owner, PASSWORD, Some(&device)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
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

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn wrong_passwords_sent_all_at_once_are_counted_one_after_another() {
    let app = TestApp::spawn().await;
    let owner = email("owner");
    app.sign_up("Initech", "Olivia Owner", &owner).await;
    // Ten guesses at once: each must see the failures of those before it, so only the free
    // three and the one after them (which starts the waits) are checked; the rest wait.
    let tries = (0..10).map(|_| app.sign_in_from(ATTACKER, &owner, "Wrong-Password-123", None));
    let answers = futures_util::future::join_all(tries).await;
    let checked = answers
        .iter()
        .filter(|r| r.status == StatusCode::UNAUTHORIZED)
        .count();
    let waiting = answers
        .iter()
        .filter(|r| r.status == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(
        (checked, waiting),
        (4, 6),
        "{:?}",
        answers.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert_eq!(
        failures_on(&app, &format!("email:{owner} ip:{ATTACKER}")).await,
        4
    );
    // The right password, once the wait is over, gets in and leaves the address's count as
    // the failures made it.
    app.sql("UPDATE login_throttle SET last_failure_at = last_failure_at - 2000")
        .await;
    let r = app.sign_in_from(ATTACKER, &owner, common::PASSWORD, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(failures_on(&app, &format!("ip:{ATTACKER}")).await, 4);
}

/// The failures counted on the throttle's `key`.
async fn failures_on(app: &TestApp, key: &str) -> i64 {
    app.count(&format!(
        "SELECT failures FROM login_throttle WHERE key = '{key}'"
    ))
    .await
}

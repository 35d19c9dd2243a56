//! The signed-in user's own profile: details, email change with verification, password
//! change, notification preferences and devices; and an admin's view of a user's devices.

mod common;

use common::{email, TestApp, PASSWORD};
use http::StatusCode;

const NEW_PASSWORD: &str = "Marmalade-Canyon-77-Heron";
const CHROME_ON_WINDOWS: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";
const FIREFOX_ON_LINUX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";

/// True while the session behind `cookie` still signs its requests in.
async fn signed_in(app: &TestApp, cookie: &str) -> bool {
    app.call("profile/get", &[], Some(cookie)).await.status == StatusCode::OK
}

async fn user_id(app: &TestApp, email: &str) -> i64 {
    app.user_id(email).await
}

/// The id of the session most recently opened by `email`.
async fn last_session(app: &TestApp, email: &str) -> i64 {
    app.count(&format!(
        "SELECT MAX(s.id) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = '{email}'"
    ))
    .await
}

async fn sessions_of(app: &TestApp, email: &str) -> i64 {
    app.count(&format!(
        "SELECT COUNT(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = '{email}'"
    ))
    .await
}

fn details<'a>(
    name: &'a str,
    phone: &'a str,
    country: &'a str,
    locale: &'a str,
    zone: &'a str,
) -> Vec<(&'static str, &'a str)> {
    vec![
        ("details[name]", name),
        ("details[phone]", phone),
        ("details[country]", country),
        ("details[locale]", locale),
        ("details[time_zone]", zone),
    ]
}

#[tokio::test]
async fn details_are_saved_and_checked_on_the_server() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let r = app
        .call(
            "profile/save_details",
            &details("Olivia Odell", "+44 20 7946 0958", "PT", "en", "Europe/Lisbon"),
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let p = app.call("profile/get", &[], Some(&c.owner)).await.json();
    assert_eq!(p["name"], "Olivia Odell");
    assert_eq!(p["phone"], "+44 20 7946 0958");
    assert_eq!(p["country"], "PT", "stored as its ISO code");
    assert_eq!(p["locale"], "en");
    assert_eq!(p["time_zone"], "Europe/Lisbon");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'profile.updated'")
            .await,
        1
    );

    for (form, field) in [
        (details("Olivia", "", "Atlantis", "en", "UTC"), "country"),
        (details("Olivia", "", "", "xx", "UTC"), "locale"),
        (details("Olivia", "", "", "de", "UTC"), "locale"),
        (details("Olivia", "", "", "en", "Mars/Olympus_Mons"), "time_zone"),
        (details("Olivia", "call me", "", "en", "UTC"), "phone"),
        (details(" ", "", "", "en", "UTC"), "name"),
    ] {
        let r = app.call("profile/save_details", &form, Some(&c.owner)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert_eq!(r.json()["Invalid"]["field"], field, "{}", r.body);
    }
    let p = app.call("profile/get", &[], Some(&c.owner)).await.json();
    assert_eq!(p["name"], "Olivia Odell", "refused forms change nothing");
}

/// The audit events of profile changes, and the caller's stored locale, zone and theme.
async fn stored_preferences(app: &TestApp, email: &str) -> (i64, String, String, String) {
    let (locale, zone, theme): (String, String, String) =
        sqlx::query_as("SELECT locale, time_zone, theme FROM users WHERE email = $1")
            .bind(email)
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    let events = app
        .count("SELECT COUNT(*) FROM audit_events WHERE action = 'profile.updated'")
        .await;
    (events, locale, zone, theme)
}

#[tokio::test]
async fn a_new_person_has_the_automatic_time_zone_and_the_system_theme() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let p = app.call("profile/get", &[], Some(&c.owner)).await.json();
    assert_eq!(p["time_zone"], "", "automatic: the browser's zone");
    assert_eq!(p["theme"], "system");
    let me = app.call("auth/me", &[], Some(&c.owner)).await.json();
    assert_eq!(me["time_zone"], "");
    assert_eq!(me["theme"], "system");
}

#[tokio::test]
async fn a_saved_theme_and_time_zone_reach_every_page_from_its_first_byte() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let r = app
        .call(
            "profile/save_details",
            &details("Olivia Owner", "", "", "en", "Europe/Paris"),
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app
        .call("profile/save_theme", &[("theme", "dark")], Some(&c.owner))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json(), "dark");

    let p = app.call("profile/get", &[], Some(&c.owner)).await.json();
    assert_eq!(p["time_zone"], "Europe/Paris");
    assert_eq!(p["theme"], "dark");
    let me = app.call("auth/me", &[], Some(&c.owner)).await.json();
    assert_eq!(me["time_zone"], "Europe/Paris");
    assert_eq!(me["theme"], "dark");
    for path in ["/users", "/profile"] {
        let page = app.request("GET", path, &[], Some(&c.owner), None).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(
            page.body.contains(r#"<html lang="en" data-theme="dark">"#),
            "{path}: {}",
            &page.body[..page.body.len().min(300)]
        );
    }
    // Signed out, pages follow the device.
    let login = app.request("GET", "/login", &[], None, None).await;
    assert!(
        login.body.contains(r#"<html lang="en">"#),
        "{}",
        &login.body[..300]
    );

    let r = app
        .call("profile/save_theme", &[("theme", "system")], Some(&c.owner))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let page = app.request("GET", "/profile", &[], Some(&c.owner), None).await;
    assert!(page.body.contains(r#"<html lang="en">"#));
}

#[tokio::test]
async fn an_invalid_theme_time_zone_or_language_is_refused_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let before = stored_preferences(&app, &c.owner_email).await;
    for (endpoint, form, field) in [
        ("profile/save_theme", vec![("theme", "purple")], "theme"),
        ("profile/save_theme", vec![("theme", "")], "theme"),
        (
            "profile/save_details",
            details("Olivia", "", "", "en", "Mars/Olympus_Mons"),
            "time_zone",
        ),
        (
            "profile/save_details",
            details("Olivia", "", "", "en", "utc"),
            "time_zone",
        ),
        (
            "profile/save_details",
            details("Olivia", "", "", "klingon", ""),
            "locale",
        ),
        (
            "profile/save_details",
            details("Olivia", "", "", "ja", ""),
            "locale",
        ),
    ] {
        let r = app.call(endpoint, &form, Some(&c.owner)).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{endpoint} {form:?}: {}",
            r.body
        );
        assert_eq!(r.json()["Invalid"]["field"], field, "{}", r.body);
    }
    assert_eq!(
        stored_preferences(&app, &c.owner_email).await,
        before,
        "nothing written"
    );
}

#[tokio::test]
async fn a_language_no_longer_offered_is_kept_while_other_fields_change() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    // Chosen while the profile offered German.
    app.sql(&format!(
        "UPDATE users SET locale = 'de' WHERE email = '{}'",
        c.owner_email
    ))
    .await;
    let p = app.call("profile/get", &[], Some(&c.owner)).await.json();
    assert_eq!(p["locale"], "de");

    let r = app
        .call(
            "profile/save_details",
            &details("Olivia Odell", "", "DE", "de", "Europe/Berlin"),
            Some(&c.owner),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "the stored language stays valid: {}",
        r.body
    );
    let p = r.json();
    assert_eq!(p["name"], "Olivia Odell");
    assert_eq!(p["country"], "DE");
    assert_eq!(p["time_zone"], "Europe/Berlin");
    assert_eq!(p["locale"], "de", "kept");

    // Another language the interface does not speak is no choice, not even for them.
    let r = app
        .call(
            "profile/save_details",
            &details("Olivia Odell", "", "", "fr", ""),
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["Invalid"]["field"], "locale");

    // Once they choose English, German is gone for them too.
    let r = app
        .call(
            "profile/save_details",
            &details("Olivia Odell", "", "", "en", ""),
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app
        .call(
            "profile/save_details",
            &details("Olivia Odell", "", "", "de", ""),
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
}

/// The text of the last email of `kind` to `to`.
async fn last_email(app: &TestApp, to: &str, kind: &str) -> String {
    sqlx::query_scalar(
        "SELECT text_body FROM outbox WHERE to_email = $1 AND kind = $2 ORDER BY id DESC LIMIT 1",
    )
    .bind(to)
    .bind(kind)
    .fetch_one(&app.state.db)
    .await
    .unwrap_or_else(|e| panic!("no {kind} email to {to}: {e}"))
}

#[tokio::test]
async fn emails_show_times_in_the_persons_time_zone_and_name_it() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;

    // Automatic: an email can't know the browser's zone, so UTC, named.
    let r = app
        .call("reset/request", &[("email", &c.owner_email)], None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let text = last_email(&app, &c.owner_email, "password_reset").await;
    assert!(text.contains(" UTC. Using it"), "{text}");

    let r = app
        .call(
            "profile/save_details",
            &details("Olivia Owner", "", "", "en", "America/New_York"),
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app
        .call("reset/request", &[("email", &c.owner_email)], None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let text = last_email(&app, &c.owner_email, "password_reset").await;
    assert!(text.contains(" America/New York. Using it"), "{text}");
    assert!(!text.contains("UTC"), "{text}");

    // The email change: when it was asked (to the old address, with a link to the profile's
    // Password section) and until when the link works (to the new one).
    let new_email = email("olivia-new");
    let r = app
        .call(
            "profile/change_email",
            &[("new_email", &new_email), ("current_password", PASSWORD)],
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let notice = last_email(&app, &c.owner_email, "email_change_notice").await;
    assert!(notice.contains(" America/New York that you sign in"), "{notice}");
    assert!(
        notice.contains(&format!(
            "Change your password: {}/profile#password",
            app.public_origin()
        )),
        "{notice}"
    );
    let verify = last_email(&app, &new_email, "email_change_verify").await;
    assert!(verify.contains(" America/New York. Until it is used"), "{verify}");
}

#[tokio::test]
async fn no_profile_function_changes_anyone_but_the_caller() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let member_email = email("mel");
    app.add_user(&c.owner_email, "Mel Member", &member_email, "member")
        .await;
    let member = app.session_of(&member_email).await;
    let owner_id = user_id(&app, &c.owner_email).await.to_string();
    let owner_session = last_session(&app, &c.owner_email).await.to_string();
    let before: (String, String, String, Option<String>) =
        sqlx::query_as("SELECT name, email, phone, password_hash FROM users WHERE email = $1")
            .bind(&c.owner_email)
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    // A second session of the owner, which "sign out other devices" must not reach.
    let owner_elsewhere = app.session_of(&c.owner_email).await;

    // Every self-service function, called by the member, some with the owner's ids smuggled in.
    let calls: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("profile/save_details", {
            let mut f = details("Hacked", "12345", "", "en", "UTC");
            f.push(("user", &owner_id));
            f
        }),
        (
            "profile/change_email",
            vec![
                ("new_email", "hijack@example.com"),
                ("current_password", PASSWORD),
                ("user", &owner_id),
            ],
        ),
        (
            "profile/save_notifications",
            vec![("prefs[invitee_joined_email]", "false"), ("user", &owner_id)],
        ),
        ("profile/sign_out_device", vec![("session", &owner_session)]),
        ("profile/sign_out_other_devices", vec![("user", &owner_id)]),
        (
            "profile/change_password",
            vec![
                ("current_password", PASSWORD),
                ("new_password", NEW_PASSWORD),
                ("sign_out_others", "true"),
                ("user", &owner_id),
            ],
        ),
    ];
    let mut member = member;
    for (endpoint, form) in &calls {
        let r = app.call(endpoint, form, Some(&member)).await;
        assert!(
            r.status == StatusCode::OK
                || r.status == StatusCode::NOT_FOUND
                || r.status == StatusCode::BAD_REQUEST,
            "{endpoint} answered {} {}",
            r.status,
            r.body
        );
        // A new password comes with a new token for the member's device.
        if let Some(rotated) = r.session_cookie() {
            member = rotated;
        }
    }
    let after: (String, String, String, Option<String>) =
        sqlx::query_as("SELECT name, email, phone, password_hash FROM users WHERE email = $1")
            .bind(&c.owner_email)
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert_eq!(before, after, "the owner's row is untouched");
    assert!(signed_in(&app, &c.owner).await, "the owner's sessions live on");
    assert!(signed_in(&app, &owner_elsewhere).await);
    assert_eq!(
        app.count(&format!(
            "SELECT email_invitee_joined FROM users WHERE email = '{}'",
            c.owner_email
        ))
        .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM account_tokens WHERE new_email = 'hijack@example.com' AND user_id IN (SELECT id FROM users WHERE name = 'Olivia Owner')")
            .await,
        0
    );
    // What the member did, they did to themselves.
    let mel: (String, String) = sqlx::query_as("SELECT name, phone FROM users WHERE email = $1")
        .bind(&member_email)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(mel, ("Hacked".to_string(), "12345".to_string()));
    assert_eq!(
        app.emailed_token("hijack@example.com", "verify-email")
            .await
            .len(),
        64
    );
    assert!(app.sign_in(&member_email, NEW_PASSWORD).await.status == StatusCode::OK);
    // The profile shows the caller, and the devices list only the caller's sessions.
    let p = app.call("profile/get", &[], Some(&member)).await.json();
    assert_eq!(p["email"], member_email.as_str());
    let devices = app.call("profile/devices", &[], Some(&member)).await.json();
    let ids: Vec<i64> = devices["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_i64().unwrap())
        .collect();
    assert!(!ids.contains(&owner_session.parse::<i64>().unwrap()));
}

#[tokio::test]
async fn the_login_email_changes_only_when_the_emailed_link_is_used_once() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let new = email("olivia-new");
    let r = app
        .call(
            "profile/change_email",
            &[("new_email", &new), ("current_password", PASSWORD)],
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // A link to the new address, a notice to the old one.
    let token = app.emailed_token(&new, "verify-email").await;
    let notice: String =
        sqlx::query_scalar("SELECT text_body FROM outbox WHERE to_email = $1 ORDER BY id DESC LIMIT 1")
            .bind(&c.owner_email)
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert!(notice.contains(&new) && !notice.contains(&token), "{notice}");
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM account_tokens WHERE purpose = 'email_change' AND token_hash = '{}'",
            roster::server::token::hash(&token)
        ))
        .await,
        1,
        "only the hash is stored"
    );

    // Until the link is used, the old email is the login.
    assert_eq!(app.sign_in(&c.owner_email, PASSWORD).await.status, StatusCode::OK);
    assert_ne!(app.sign_in(&new, PASSWORD).await.status, StatusCode::OK);

    let r = app.call("profile/verify_email", &[("token", &token)], None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json(), serde_json::json!({ "email": new, "changed": true }));
    assert_eq!(app.sign_in(&new, PASSWORD).await.status, StatusCode::OK);
    assert_ne!(app.sign_in(&c.owner_email, PASSWORD).await.status, StatusCode::OK);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'user.email_changed'")
            .await,
        1
    );

    let again = app.call("profile/verify_email", &[("token", &token)], None).await;
    assert_eq!(again.status, StatusCode::GONE, "single use: {}", again.body);
    let bogus = app.call("profile/verify_email", &[("token", "00ff")], None).await;
    assert_eq!(bogus.status, StatusCode::GONE);
}

#[tokio::test]
async fn an_email_change_link_expires_after_a_day_and_a_taken_address_is_refused_clearly() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let new = email("later");
    let ask = |address: String| {
        let app = &app;
        let owner = c.owner.clone();
        async move {
            app.call(
                "profile/change_email",
                &[("new_email", &address), ("current_password", PASSWORD)],
                Some(&owner),
            )
            .await
        }
    };
    assert_eq!(ask(new.clone()).await.status, StatusCode::OK);
    let token = app.emailed_token(&new, "verify-email").await;
    let day_ms = 24 * 3_600_000;
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM account_tokens WHERE purpose = 'email_change' AND expires_at - created_at = {day_ms}"
        ))
        .await,
        1
    );
    app.sql("UPDATE account_tokens SET expires_at = created_at - 1")
        .await;
    let r = app.call("profile/verify_email", &[("token", &token)], None).await;
    assert_eq!(r.status, StatusCode::GONE, "{}", r.body);

    // A fresh request, then someone else takes the address before the link is used.
    assert_eq!(ask(new.clone()).await.status, StatusCode::OK);
    let token = app.emailed_token(&new, "verify-email").await;
    app.sign_up("Other Co", "Tess Taker", &new).await;
    let r = app.call("profile/verify_email", &[("token", &token)], None).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.json()["Conflict"]
        .as_str()
        .unwrap()
        .contains("is now used by another Roster account"));
    assert_eq!(app.sign_in(&c.owner_email, PASSWORD).await.status, StatusCode::OK);

    // Another company's address is not refused at once, which would tell whether it has an
    // account there; a colleague's is.
    assert_eq!(ask(new.clone()).await.status, StatusCode::OK);
    let colleague = email("colleague");
    app.add_user(&c.owner_email, "Cal Colleague", &colleague, "member")
        .await;
    let r = ask(colleague).await;
    assert_eq!(r.json()["Invalid"]["field"], "new_email", "{}", r.body);
}

#[tokio::test]
async fn a_wrong_current_password_is_refused() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let r = app
        .call(
            "profile/change_email",
            &[
                ("new_email", &email("x")),
                ("current_password", "not-my-password"),
            ],
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["Invalid"]["field"], "current_password");
    let r = app
        .call(
            "profile/change_password",
            &[
                ("current_password", "not-my-password"),
                ("new_password", NEW_PASSWORD),
            ],
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.json()["Invalid"]["field"], "current_password", "{}", r.body);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE kind LIKE 'email_change%'")
            .await,
        0
    );
    assert_eq!(app.sign_in(&c.owner_email, PASSWORD).await.status, StatusCode::OK);
    // A weak or short new password is refused too.
    for weak in ["short", "password123"] {
        let r = app
            .call(
                "profile/change_password",
                &[("current_password", PASSWORD), ("new_password", weak)],
                Some(&c.owner),
            )
            .await;
        assert_eq!(r.json()["Invalid"]["field"], "password", "{}", r.body);
    }
}

#[tokio::test]
async fn changing_the_password_ends_the_other_sessions_only_when_asked() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let laptop = app.session_of(&c.owner_email).await;

    let r = app
        .call(
            "profile/change_password",
            &[("current_password", PASSWORD), ("new_password", NEW_PASSWORD)],
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json(), 0);
    let this_device = r.session_cookie().expect("a new token for this device");
    assert!(signed_in(&app, &laptop).await, "kept when not asked");
    assert_ne!(app.sign_in(&c.owner_email, PASSWORD).await.status, StatusCode::OK);
    assert_eq!(
        app.sign_in(&c.owner_email, NEW_PASSWORD).await.status,
        StatusCode::OK
    );

    let r = app
        .call(
            "profile/change_password",
            &[
                ("current_password", NEW_PASSWORD),
                ("new_password", PASSWORD),
                ("sign_out_others", "true"),
            ],
            Some(&this_device),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json(), 2, "the laptop and the sign-in above");
    assert!(!signed_in(&app, &laptop).await);
    let this_device = r.session_cookie().expect("a new token again");
    assert!(signed_in(&app, &this_device).await, "this device stays signed in");
    assert_eq!(sessions_of(&app, &c.owner_email).await, 1);
}

#[tokio::test]
async fn the_joined_email_to_the_inviter_follows_their_preference() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let p = app.call("profile/get", &[], Some(&c.owner)).await.json();
    assert_eq!(p["notifications"]["invitee_joined_email"], true, "on by default");

    let accept = |invitee: String| {
        let app = &app;
        let c = &c;
        async move {
            app.invite(&c.owner, &[&invitee], c.member_role).await;
            let token = app.emailed_token(&invitee, "invite").await;
            let r = app.accept_invitation(&token, "Bo Brown").await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        }
    };
    let joined_sql = format!(
        "SELECT COUNT(*) FROM outbox WHERE kind = 'invitee_joined' AND to_email = '{}'",
        c.owner_email
    );
    let joined = || app.count(&joined_sql);
    accept(email("bo")).await;
    assert_eq!(joined().await, 1);
    let subject: String = sqlx::query_scalar("SELECT subject FROM outbox WHERE kind = 'invitee_joined'")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(subject, "Someone you invited joined “Initech” on Roster");

    let r = app
        .call(
            "profile/save_notifications",
            &[
                ("prefs[desktop]", "true"),
                ("prefs[invitee_joined_email]", "false"),
            ],
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let n = &r.json()["notifications"];
    assert_eq!(
        (
            n["desktop"].clone(),
            n["badge"].clone(),
            n["invitee_joined_email"].clone()
        ),
        (true.into(), false.into(), false.into())
    );
    accept(email("cy")).await;
    assert_eq!(joined().await, 1, "no email when turned off");
}

#[tokio::test]
async fn the_devices_list_names_browser_and_system_and_signs_out_one_or_the_others() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let this = last_session(&app, &c.owner_email).await;
    let phone = app.session_of(&c.owner_email).await;
    let phone_id = last_session(&app, &c.owner_email).await;
    let tablet = app.session_of(&c.owner_email).await;
    app.sql(&format!(
        "UPDATE sessions SET user_agent = '{CHROME_ON_WINDOWS}' WHERE id = {this}"
    ))
    .await;
    app.sql(&format!(
        "UPDATE sessions SET user_agent = '{FIREFOX_ON_LINUX}', ip = '203.0.113.7' WHERE id = {phone_id}"
    ))
    .await;

    let devices = app.call("profile/devices", &[], Some(&c.owner)).await.json();
    let devices = devices["devices"].as_array().unwrap();
    assert_eq!(devices.len(), 3);
    let mine = devices.iter().find(|d| d["id"] == this).unwrap();
    assert_eq!(
        (
            mine["browser"].as_str(),
            mine["os"].as_str(),
            mine["current"].as_bool()
        ),
        (Some("Chrome 126"), Some("Windows"), Some(true))
    );
    let other = devices.iter().find(|d| d["id"] == phone_id).unwrap();
    assert_eq!(
        (
            other["browser"].as_str(),
            other["os"].as_str(),
            other["ip"].as_str()
        ),
        (Some("Firefox 128"), Some("Linux"), Some("203.0.113.7"))
    );
    assert_eq!(other["current"], false);
    assert!(other["signed_in_at"].as_i64().unwrap() > 0 && other["last_active_at"].as_i64().unwrap() > 0);

    let r = app
        .call(
            "profile/sign_out_device",
            &[("session", &phone_id.to_string())],
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(!signed_in(&app, &phone).await);
    assert!(signed_in(&app, &tablet).await);

    let r = app
        .call("profile/sign_out_other_devices", &[], Some(&c.owner))
        .await;
    assert_eq!(r.json(), 1, "{}", r.body);
    assert!(!signed_in(&app, &tablet).await);
    assert!(signed_in(&app, &c.owner).await);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'sessions.ended'")
            .await,
        2
    );
}

#[tokio::test]
async fn an_admin_sees_and_ends_a_users_sessions_but_not_in_another_company() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let mel_email = email("mel");
    let mel = app
        .add_user(&c.owner_email, "Mel Member", &mel_email, "member")
        .await
        .to_string();
    let mel_phone = app.session_of(&mel_email).await;
    let mel_phone_id = last_session(&app, &mel_email).await.to_string();
    let mel_laptop = app.session_of(&mel_email).await;

    let other = app.company("Umbrella").await;
    let r = app
        .call("profile/user_devices", &[("user", &mel)], Some(&other.owner))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let r = app
        .call("profile/end_user_sessions", &[("user", &mel)], Some(&other.owner))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    assert_eq!(
        sessions_of(&app, &mel_email).await,
        2,
        "another company ends nothing"
    );
    let r = app
        .call("profile/user_devices", &[("user", &mel)], Some(&mel_phone))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "members may not");

    let r = app
        .call("profile/user_devices", &[("user", &mel)], Some(&c.owner))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["devices"].as_array().unwrap().len(), 2);
    let r = app
        .call(
            "profile/end_user_sessions",
            &[("user", &mel), ("session", &mel_phone_id)],
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.json(), 1, "{}", r.body);
    assert!(!signed_in(&app, &mel_phone).await);
    assert!(signed_in(&app, &mel_laptop).await);
    let r = app
        .call("profile/end_user_sessions", &[("user", &mel)], Some(&c.owner))
        .await;
    assert_eq!(r.json(), 1, "{}", r.body);
    assert!(!signed_in(&app, &mel_laptop).await);
    assert!(signed_in(&app, &c.owner).await);
}

#[tokio::test]
async fn a_pending_email_change_dies_when_the_password_is_reset() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    // An attacker holding the password asks to move the login to their address ...
    let r = app
        .call(
            "profile/change_email",
            &[
                ("new_email", "thief@evil.example"),
                ("current_password", PASSWORD),
            ],
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let stolen = app.emailed_token("thief@evil.example", "verify-email").await;
    // ... the owner notices and resets her password ...
    app.call("reset/request", &[("email", &c.owner_email)], None)
        .await;
    let reset = app.emailed_token(&c.owner_email, "reset").await;
    let r = app
        .call(
            "reset/finish",
            &[("token", &reset), ("password", "Marmalade-Canyon-77-Heron")],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // ... and the attacker's link no longer moves the login.
    let r = app
        .call("profile/verify_email", &[("token", &stolen)], None)
        .await;
    assert_eq!(r.status, StatusCode::GONE, "{}", r.body);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM users WHERE email = '{}'",
            c.owner_email
        ))
        .await,
        1
    );
}

#[tokio::test]
async fn a_password_change_gives_this_device_a_new_session_token_and_retires_the_old_one() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let r = app
        .call(
            "profile/change_password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "Marmalade-Canyon-77-Heron"),
            ],
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let fresh = r.session_cookie().expect("a new session cookie");
    assert_ne!(fresh, c.owner);
    let me = |cookie: String| {
        let app = &app;
        async move { app.call("auth/me", &[], Some(&cookie)).await.json() }
    };
    assert_eq!(
        me(c.owner.clone()).await,
        serde_json::Value::Null,
        "the old token is retired"
    );
    assert_ne!(me(fresh).await, serde_json::Value::Null);
}

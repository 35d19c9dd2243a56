//! Inviting people: what is set aside and why, the single-use expiring link, resend,
//! withdraw, delete and accept.

mod common;

use common::{email, smtp::SmtpSink, TestApp, PASSWORD};
use http::StatusCode;
use serde_json::{json, Value};

fn set_aside(outcome: &Value) -> Vec<(String, String)> {
    outcome["set_aside"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["address"].as_str().unwrap().to_string(),
                s["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

async fn invitation_id(app: &TestApp, to: &str) -> String {
    let id: i64 = sqlx::query_scalar("SELECT id FROM invitations WHERE email = $1")
        .bind(to)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    id.to_string()
}

async fn status_of(app: &TestApp, to: &str) -> String {
    sqlx::query_scalar("SELECT status FROM invitations WHERE email = $1")
        .bind(to)
        .fetch_one(&app.state.db)
        .await
        .unwrap()
}

async fn info(app: &TestApp, token: &str) -> common::Response {
    app.call("invitations/info", &[("token", token)], None).await
}

#[tokio::test]
async fn every_address_that_cannot_be_invited_is_set_aside_with_its_reason_and_the_rest_are_invited() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let elsewhere = email("elsewhere");
    app.sign_up("Other Co", "Ella Elsewhere", &elsewhere).await;
    let pending = email("pending");
    assert_eq!(
        app.invite(&c.owner, &[&pending], c.member_role).await.status,
        StatusCode::OK
    );
    let (good, named) = (email("good"), email("named"));
    let typed_again = good.to_uppercase();
    let r = app
        .invite(
            &c.owner,
            &[
                &format!("{good}, not-an-address; throwaway@mailinator.com"),
                &elsewhere,
                &pending,
                &typed_again,
                &format!("Nina Named <{named}>"),
            ],
            c.member_role,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let outcome = r.json();
    // Another company's user is "invited" like anyone: the outcome says nothing of accounts
    // elsewhere (they get a notice instead of a link).
    assert_eq!(outcome["invited"], json!([good, elsewhere, named]));
    assert_eq!(
        set_aside(&outcome),
        [
            ("not-an-address".to_string(), "Malformed".to_string()),
            ("throwaway@mailinator.com".to_string(), "Disposable".to_string()),
            (typed_again, "Repeated".to_string()),
            (pending.clone(), "AlreadyInvited".to_string()),
        ]
    );
    // One invitation each, with its email queued and its audit event, and the typed name kept.
    for to in [&good, &named, &pending] {
        assert_eq!(status_of(&app, to).await, "pending");
        let subject: String = sqlx::query_scalar("SELECT subject FROM outbox WHERE to_email = $1")
            .bind(to)
            .fetch_one(&app.state.db)
            .await
            .unwrap();
        assert_eq!(subject, "Invitation to join “Initech” on Roster");
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'invitation.created'")
            .await,
        4
    );
    let token = app.emailed_token(&named, "invite").await;
    let link = info(&app, &token).await.json();
    assert_eq!(link["name"], "Nina Named");
    assert_eq!(link["company_name"], "Initech");
    assert_eq!(link["email"], named.as_str());
}

#[tokio::test]
async fn more_than_500_addresses_invite_nobody() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let many: Vec<String> = (0..501).map(|i| format!("p{i}@example.com")).collect();
    let r = app.invite(&c.owner, &[&many.join("\n")], c.member_role).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["Invalid"]["field"], "addresses");
    assert!(r.body.contains("at most 500"), "{}", r.body);
    assert_eq!(app.count("SELECT COUNT(*) FROM invitations").await, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE kind = 'invitation'")
            .await,
        0
    );

    let five_hundred: Vec<String> = many[..500].to_vec();
    let r = app
        .invite(&c.owner, &[&five_hundred.join(", ")], c.member_role)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(app.count("SELECT COUNT(*) FROM invitations").await, 500);
}

#[tokio::test]
async fn an_unknown_role_or_team_invites_nobody() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let other = app.company("Initech").await;
    let r = app.invite(&c.owner, &[&email("x")], other.member_role).await;
    assert_eq!(r.json()["Invalid"]["field"], "role", "{}", r.body);
    let owner_role = app.role_id(&c.owner_email, "owner").await;
    let r = app.invite(&c.owner, &[&email("x")], owner_role).await;
    assert_eq!(r.json()["Invalid"]["field"], "role", "{}", r.body);
    assert_eq!(app.count("SELECT COUNT(*) FROM invitations").await, 0);
}

#[tokio::test]
async fn accepting_creates_an_active_user_with_the_invitations_role_and_team_and_signs_them_in() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let company_id: i64 = sqlx::query_scalar("SELECT company_id FROM users WHERE email = $1")
        .bind(&c.owner_email)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    app.sql(&format!(
        "INSERT INTO teams (company_id, name, created_at) VALUES ({company_id}, 'Support', 0)"
    ))
    .await;
    let team = app
        .count("SELECT id FROM teams WHERE name = 'Support'")
        .await
        .to_string();
    let bo = email("bo");
    let admin_role = c.admin_role.to_string();
    let r = app
        .call(
            "invitations/invite",
            &[
                ("invite[addresses][0]", bo.as_str()),
                ("invite[role]", &admin_role),
                ("invite[team]", &team),
            ],
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let listed = app.list(&c.owner, &[("tab", "invited")]).await;
    let row = &listed["invitations"][0];
    assert_eq!(row["email"], bo.as_str());
    assert_eq!(row["access"], json!([{ "role": "Admin", "account": "Initech" }]));
    assert_eq!(row["teams"], json!(["Support"]));
    assert_eq!(row["invited_by"], "Olivia Owner");
    assert_eq!(row["status"], "Pending");
    assert_eq!(listed["counts"]["invited"], 1);

    let token = app.emailed_token(&bo, "invite").await;
    let weak = app
        .call(
            "invitations/accept",
            &[("token", &token), ("name", "Bo"), ("password", "password")],
            None,
        )
        .await;
    assert_eq!(weak.json()["Invalid"]["field"], "password", "{}", weak.body);
    assert_eq!(
        status_of(&app, &bo).await,
        "pending",
        "a refused form keeps the link"
    );

    let r = app.accept_invitation(&token, "Bo Brown").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let cookie = r.session_cookie().expect("accepting signs them in");
    let me = app.call("auth/me", &[], Some(&cookie)).await.json();
    assert_eq!(me["email"], bo.as_str());
    let users = app.list(&c.owner, &[("search", "Bo Brown")]).await;
    assert_eq!(users["users"][0]["status"], "Active");
    assert_eq!(users["users"][0]["role"], "Admin");
    assert_eq!(users["users"][0]["teams"], json!(["Support"]));
    assert_eq!(status_of(&app, &bo).await, "accepted");
    assert_eq!(app.sign_in(&bo, PASSWORD).await.status, StatusCode::OK);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'invitation.accepted'")
            .await,
        1
    );

    // Single use: the same link again, or a forged one, gets one answer that reveals nothing.
    assert_eq!(info(&app, &token).await.status, StatusCode::GONE);
    assert_eq!(
        app.accept_invitation(&token, "Bo Again").await.status,
        StatusCode::GONE
    );
    assert_eq!(info(&app, "forged").await.status, StatusCode::GONE);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE name = 'Bo Again'")
            .await,
        0
    );
}

#[tokio::test]
async fn a_link_works_until_its_expiry_and_not_a_moment_after() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let cy = email("cy");
    app.invite(&c.owner, &[&cy], c.member_role).await;
    let token = app.emailed_token(&cy, "invite").await;
    // Seven days by default.
    let (sent, expires): (i64, i64) =
        sqlx::query_as("SELECT sent_at, expires_at FROM invitations WHERE email = $1")
            .bind(&cy)
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert_eq!(expires - sent, 7 * 86_400_000);

    let now = roster::server::db::now_ms();
    app.sql(&format!("UPDATE invitations SET expires_at = {}", now + 60_000))
        .await;
    assert_eq!(info(&app, &token).await.status, StatusCode::OK);
    app.sql(&format!("UPDATE invitations SET expires_at = {now}"))
        .await;
    assert_eq!(info(&app, &token).await.status, StatusCode::GONE);
    assert_eq!(app.accept_invitation(&token, "Cy").await.status, StatusCode::GONE);

    let listed = app.list(&c.owner, &[("tab", "invited")]).await;
    assert_eq!(listed["invitations"][0]["status"], "Expired");
    assert_eq!(
        listed["counts"]["invited"], 0,
        "the tab counts pending invitations only"
    );

    // An expired invitation is re-invited (once its last sending is an hour old), and a new
    // invite of the address also works.
    app.sql("UPDATE invitations SET sent_at = sent_at - 3600000")
        .await;
    let id = invitation_id(&app, &cy).await;
    let r = app
        .call("invitations/resend", &[("ids[0]", &id)], Some(&c.owner))
        .await;
    assert_eq!(r.json()["changed"], json!([cy]), "{}", r.body);
    let fresh = app.emailed_token(&cy, "invite").await;
    assert_eq!(info(&app, &fresh).await.status, StatusCode::OK);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'invitation.reinvited'")
            .await,
        1
    );
}

#[tokio::test]
async fn resending_gives_a_new_link_and_the_old_one_dies() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let di = email("di");
    app.invite(&c.owner, &[&di], c.member_role).await;
    let old = app.emailed_token(&di, "invite").await;
    app.sql("UPDATE invitations SET sent_at = 5, expires_at = expires_at - 1000")
        .await;
    let id = invitation_id(&app, &di).await;
    let r = app
        .call("invitations/resend", &[("ids[0]", &id)], Some(&c.owner))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["changed"], json!([di]));
    let new = app.emailed_token(&di, "invite").await;
    assert_ne!(new, old);
    assert_eq!(info(&app, &old).await.status, StatusCode::GONE);
    assert_eq!(info(&app, &new).await.status, StatusCode::OK);
    assert!(app.count("SELECT sent_at FROM invitations").await > 5);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE kind = 'invitation'")
            .await,
        2
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM invitations").await, 1);
}

#[tokio::test]
async fn a_withdrawn_invitation_stays_listed_as_withdrawn_and_its_link_dies() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let ed = email("ed");
    app.invite(&c.owner, &[&ed], c.member_role).await;
    let token = app.emailed_token(&ed, "invite").await;
    let id = invitation_id(&app, &ed).await;
    let r = app
        .call("invitations/withdraw", &[("ids[0]", &id)], Some(&c.owner))
        .await;
    assert_eq!(r.json()["changed"], json!([ed]), "{}", r.body);
    assert_eq!(info(&app, &token).await.status, StatusCode::GONE);
    assert_eq!(app.accept_invitation(&token, "Ed").await.status, StatusCode::GONE);
    let listed = app.list(&c.owner, &[("tab", "invited")]).await;
    assert_eq!(listed["invitations"][0]["status"], "Withdrawn");
    // Withdrawing twice changes nothing and says why.
    let again = app
        .call("invitations/withdraw", &[("ids[0]", &id)], Some(&c.owner))
        .await
        .json();
    assert_eq!(again["changed"], json!([]));
    assert_eq!(again["skipped"][0]["reason"], "already withdrawn");
}

#[tokio::test]
async fn a_deleted_invitation_leaves_the_list_and_its_link_dies() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let (fay, gus) = (email("fay"), email("gus"));
    app.invite(&c.owner, &[&fay, &gus], c.member_role).await;
    let token = app.emailed_token(&fay, "invite").await;
    let (fay_id, gus_id) = (invitation_id(&app, &fay).await, invitation_id(&app, &gus).await);
    let r = app
        .call(
            "invitations/delete",
            &[("ids[0]", &fay_id), ("ids[1]", &gus_id), ("ids[2]", "999999")],
            Some(&c.owner),
        )
        .await
        .json();
    assert_eq!(r["changed"], json!([fay, gus]));
    assert_eq!(r["skipped"][0]["reason"], "no longer exists");
    assert_eq!(info(&app, &token).await.status, StatusCode::GONE);
    assert_eq!(app.count("SELECT COUNT(*) FROM invitations").await, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'invitation.deleted'")
            .await,
        2
    );
}

#[tokio::test]
async fn a_deleted_users_email_can_be_invited_again() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let hal = email("hal");
    let id = app.add_user(&c.owner_email, "Hal", &hal, "member").await;
    let refused = app.invite(&c.owner, &[&hal], c.member_role).await.json();
    assert_eq!(refused["set_aside"][0]["reason"], "AlreadyUser");
    let r = app
        .call(
            "users/delete",
            &[("id", &id.to_string()), ("confirm_email", &hal)],
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let invited = app.invite(&c.owner, &[&hal], c.member_role).await.json();
    assert_eq!(invited["invited"], json!([hal]));
}

#[tokio::test]
async fn two_admins_inviting_the_same_address_at_once_make_one_invitation() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let admin = email("admin");
    app.add_user(&c.owner_email, "Ada Admin", &admin, "admin").await;
    let admin_cookie = app.session_of(&admin).await;
    for round in 0..5 {
        let ivy = email(&format!("ivy{round}"));
        let list = [ivy.as_str()];
        let (a, b) = tokio::join!(
            app.invite(&c.owner, &list, c.member_role),
            app.invite(&admin_cookie, &list, c.member_role)
        );
        let invited = [a.json(), b.json()]
            .iter()
            .filter(|o| o["invited"] == json!([ivy]))
            .count();
        assert_eq!(invited, 1, "{} / {}", a.body, b.body);
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM invitations WHERE email = $1")
            .bind(&ivy)
            .fetch_one(&app.state.db)
            .await
            .unwrap();
        assert_eq!(n, 1);
    }
}

#[tokio::test]
async fn an_address_that_got_an_account_meanwhile_cannot_accept_and_keeps_nothing_half_done() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let jo = email("jo");
    app.invite(&c.owner, &[&jo], c.member_role).await;
    let token = app.emailed_token(&jo, "invite").await;
    app.sign_up("Jo's Own Co", "Jo", &jo).await;
    let r = app.accept_invitation(&token, "Jo Invited").await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("already has a Roster account"));
    assert_eq!(status_of(&app, &jo).await, "pending");
    app.sql("UPDATE invitations SET sent_at = sent_at - 3600000")
        .await;
    let resend = app
        .call(
            "invitations/resend",
            &[("ids[0]", &invitation_id(&app, &jo).await)],
            Some(&c.owner),
        )
        .await
        .json();
    // The company is not told that the address has an account elsewhere: it is sent again
    // like any other, and Jo gets a notice without a link.
    assert_eq!(resend["changed"], json!([jo]));
    let notice: String =
        sqlx::query_scalar("SELECT text_body FROM outbox WHERE to_email = $1 ORDER BY id DESC LIMIT 1")
            .bind(&jo)
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert!(!notice.contains("/invite/"), "{notice}");
    assert!(notice.contains("already has a Roster account"), "{notice}");
}

#[tokio::test]
async fn another_companys_invitations_cannot_be_listed_or_changed() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let other = app.company("Initech").await;
    let kim = email("kim");
    app.invite(&c.owner, &[&kim], c.member_role).await;
    let token = app.emailed_token(&kim, "invite").await;
    let id = invitation_id(&app, &kim).await;
    let listed = app.list(&other.owner, &[("tab", "invited")]).await;
    assert_eq!(listed["invitations"], json!([]));
    for endpoint in ["invitations/resend", "invitations/withdraw", "invitations/delete"] {
        let r = app
            .call(endpoint, &[("ids[0]", &id)], Some(&other.owner))
            .await
            .json();
        assert_eq!(r["changed"], json!([]), "{endpoint}");
    }
    assert_eq!(status_of(&app, &kim).await, "pending");
    assert_eq!(info(&app, &token).await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_invited_tab_searches_and_filters_invitations_and_pages_through_them() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let (lee, max) = (email("lee"), email("max"));
    app.invite(&c.owner, &[&format!("Lee Lovelace <{lee}>")], c.admin_role)
        .await;
    app.invite(&c.owner, &[&max], c.member_role).await;
    let emails = |page: &Value| -> Vec<String> {
        page["invitations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["email"].as_str().unwrap().to_string())
            .collect()
    };
    let tab = ("tab", "invited");
    assert_eq!(
        emails(&app.list(&c.owner, &[tab]).await),
        [max.as_str(), lee.as_str()]
    );
    assert_eq!(
        emails(&app.list(&c.owner, &[tab, ("search", "LOVELACE")]).await),
        [lee.as_str()]
    );
    assert_eq!(
        emails(&app.list(&c.owner, &[tab, ("search", "max.")]).await),
        [max.as_str()]
    );
    let admin = c.admin_role.to_string();
    assert_eq!(
        emails(&app.list(&c.owner, &[tab, ("role", &admin)]).await),
        [lee.as_str()]
    );

    let first = app.list(&c.owner, &[tab, ("per_page", "25")]).await;
    assert!(first["next"].is_null());
    let many: Vec<String> = (0..30).map(|i| email(&format!("bulk{i}"))).collect();
    app.invite(&c.owner, &[&many.join(" ")], c.member_role).await;
    let page1 = app.list(&c.owner, &[tab, ("per_page", "25")]).await;
    let next = page1["next"].as_str().unwrap().to_string();
    let page2 = app
        .list(&c.owner, &[tab, ("per_page", "25"), ("after", &next)])
        .await;
    let mut seen = emails(&page1);
    seen.extend(emails(&page2));
    assert_eq!(seen.len(), 32);
    assert_eq!(seen.iter().collect::<std::collections::HashSet<_>>().len(), 32);
}

#[tokio::test]
async fn the_companys_invitation_validity_sets_how_long_new_links_work() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let save = |name: &'static str, days: &'static str| {
        let form = [
            ("settings[company_name]", name),
            ("settings[invitation_validity_days]", days),
        ];
        let cookie = c.owner.clone();
        let app = &app;
        async move { app.call("settings/save", &form, Some(&cookie)).await }
    };
    for days in ["0", "91"] {
        let r = save("Initech", days).await;
        assert_eq!(
            r.json()["Invalid"]["field"],
            "invitation_validity_days",
            "{}",
            r.body
        );
    }
    assert_eq!(save("  ", "14").await.json()["Invalid"]["field"], "company_name");
    assert_eq!(save("Initrode", "14").await.status, StatusCode::OK);
    let settings = app.call("settings/get", &[], Some(&c.owner)).await.json();
    assert_eq!(settings["company_name"], "Initrode");
    assert_eq!(settings["invitation_validity_days"], 14);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM accounts WHERE name = 'Initrode' AND parent_id IS NULL")
            .await,
        1,
        "the root account follows the company's name"
    );

    let lu = email("lu");
    app.invite(&c.owner, &[&lu], c.member_role).await;
    let (sent, expires): (i64, i64) =
        sqlx::query_as("SELECT sent_at, expires_at FROM invitations WHERE email = $1")
            .bind(&lu)
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert_eq!(expires - sent, 14 * 86_400_000);
    let token = app.emailed_token(&lu, "invite").await;
    assert_eq!(info(&app, &token).await.json()["company_name"], "Initrode");
}

#[tokio::test]
async fn an_invitation_is_delivered_by_smtp_and_its_link_is_accepted() {
    let sink = SmtpSink::start();
    let app = TestApp::spawn_with(&[
        ("ROSTER_SMTP_URL", &sink.url()),
        ("ROSTER_PUBLIC_URL", "https://roster.initech.example"),
    ])
    .await;
    let c = app.company("Initech").await;
    let nia = email("nia");
    let r = app.invite(&c.owner, &[&nia], c.admin_role).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // The server function woke the worker: no other nudge is needed.
    // After the owner's confirmation of their address.
    let received = sink.wait_for(2).await;
    let m = &received[1];
    assert_eq!(m.to, [nia.as_str()]);
    assert_eq!(
        m.subject.as_deref(),
        Some("Invitation to join “Initech” on Roster")
    );
    let text = m.text.as_deref().expect("a text part");
    for part in [
        "Company: “Initech”\nInvited by: “Olivia Owner”\nRole: “Admin”",
        "Accounts: “Initech”\n",
        &format!("sign in with this email address: {nia}"),
        "The link works once, until ",
    ] {
        assert!(text.contains(part), "{part} in {text}");
    }
    let prefix = "https://roster.initech.example/invite/";
    let start = text.find(prefix).expect("an invitation link") + prefix.len();
    let token = text[start..].split_whitespace().next().unwrap();
    assert!(m
        .html
        .as_deref()
        .unwrap()
        .contains(&format!("href=\"{prefix}{token}\"")));

    let r = app.accept_invitation(token, "Nia Nakamura").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let users = app.list(&c.owner, &[("search", "Nia Nakamura")]).await;
    assert_eq!(users["users"][0]["status"], "Active");
    assert_eq!(users["users"][0]["role"], "Admin");
}

#[tokio::test]
async fn a_deleted_admins_pending_invitations_are_withdrawn_and_their_links_refused() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let admin_email = email("admin");
    let admin = app
        .add_user(&c.owner_email, "Ada Admin", &admin_email, "admin")
        .await;
    let admin_cookie = app.session_of(&admin_email).await;
    let alt = email("ada-alt");
    let r = app.invite(&admin_cookie, &[&alt], c.admin_role).await;
    assert_eq!(r.json()["invited"], json!([alt]), "{}", r.body);
    let token = app.emailed_token(&alt, "invite").await;
    let r = app
        .call(
            "users/delete",
            &[("id", &admin.to_string()), ("confirm_email", &admin_email)],
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(status_of(&app, &alt).await, "withdrawn");
    let r = app.accept_invitation(&token, "Ada Again").await;
    assert_eq!(r.status, StatusCode::GONE, "{}", r.body);
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM users WHERE email = '{alt}'"))
            .await,
        0
    );
}

#[tokio::test]
async fn an_invitation_dies_when_its_sender_may_no_longer_give_what_it_gives() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let admin_email = email("admin");
    let admin = app
        .add_user(&c.owner_email, "Ada Admin", &admin_email, "admin")
        .await;
    let admin_cookie = app.session_of(&admin_email).await;
    let (as_admin, as_member) = (email("as-admin"), email("as-member"));
    app.invite(&admin_cookie, &[&as_admin], c.admin_role).await;
    app.invite(&admin_cookie, &[&as_member], c.member_role).await;
    let (admin_link, member_link) = (
        app.emailed_token(&as_admin, "invite").await,
        app.emailed_token(&as_member, "invite").await,
    );
    // The sender keeps inviting rights but can no longer give Admin.
    let inviter = app
        .custom_role(&c.owner_email, "Recruiter", "users.view invitations.manage")
        .await;
    let root = app.root_account(&c.owner_email).await;
    app.place(admin, &[(root, inviter)]).await;
    let r = app.accept_invitation(&admin_link, "Ivy Invited").await;
    assert_eq!(r.status, StatusCode::GONE, "{}", r.body);
    assert_eq!(status_of(&app, &as_admin).await, "withdrawn");
    // What they may still give still works.
    let r = app.accept_invitation(&member_link, "Mo Member").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn deactivating_an_inviter_says_beforehand_how_many_of_their_invitations_will_be_withdrawn() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let admin_email = email("admin");
    let admin = app
        .add_user(&c.owner_email, "Ada Admin", &admin_email, "admin")
        .await;
    let admin_cookie = app.session_of(&admin_email).await;
    let (one, two) = (email("one"), email("two"));
    app.invite(&admin_cookie, &[&one, &two], c.member_role).await;
    let form = [
        ("selection[ids][0]", admin.to_string()),
        ("action[kind]", "deactivate".to_string()),
    ];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let preview = app.call("users/bulk/preview", &form, Some(&c.owner)).await;
    assert_eq!(preview.json()["invitations_withdrawn"], 2, "{}", preview.body);
    assert_eq!(
        status_of(&app, &one).await,
        "pending",
        "a preview changes nothing"
    );
    let done = app.call("users/bulk/apply", &form, Some(&c.owner)).await;
    assert_eq!(done.json()["invitations_withdrawn"], 2, "{}", done.body);
    assert_eq!(status_of(&app, &one).await, "withdrawn");
    assert_eq!(status_of(&app, &two).await, "withdrawn");
}

#[tokio::test]
async fn accepting_an_invitation_in_a_browser_signed_in_as_someone_else_ends_that_session_on_the_server() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let other = app.company("Globex").await;
    let nia = email("nia");
    app.invite(&c.owner, &[&nia], c.member_role).await;
    let token = app.emailed_token(&nia, "invite").await;
    let r = app
        .call(
            "invitations/accept",
            &[("token", &token), ("name", "Nia"), ("password", PASSWORD)],
            Some(&other.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.session_cookie().is_some());
    let me = app.call("auth/me", &[], Some(&other.owner)).await;
    assert!(
        me.json().is_null() || me.status == StatusCode::UNAUTHORIZED,
        "the replaced session still works: {}",
        me.body
    );
}

/// A group of an invitation batch: its addresses, its (account, role) pairs, and its team.
type Group<'a> = (&'a [&'a str], &'a [(i64, i64)], Option<i64>);

/// The form of an invitation batch.
fn batch(groups: &[Group]) -> Vec<(String, String)> {
    let mut form = Vec::new();
    for (g, (addresses, grants, team)) in groups.iter().enumerate() {
        for (i, a) in addresses.iter().enumerate() {
            form.push((format!("invite[groups][{g}][addresses][{i}]"), a.to_string()));
        }
        for (i, (account, role)) in grants.iter().enumerate() {
            form.push((
                format!("invite[groups][{g}][accounts][{i}][account]"),
                account.to_string(),
            ));
            form.push((
                format!("invite[groups][{g}][accounts][{i}][role]"),
                role.to_string(),
            ));
        }
        if let Some(team) = team {
            form.push((format!("invite[groups][{g}][team]"), team.to_string()));
        }
    }
    form
}

async fn send_batch(app: &TestApp, cookie: &str, groups: &[Group<'_>]) -> common::Response {
    let form = batch(groups);
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    app.call("invitations/invite", &form, Some(cookie)).await
}

/// Nothing of an invitation batch was written: no invitation, email or audit event.
async fn nothing_invited(app: &TestApp) {
    assert_eq!(app.count("SELECT COUNT(*) FROM invitations").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM invitation_accounts").await, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE kind = 'invitation'")
            .await,
        0
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'invitation.created'")
            .await,
        0
    );
}

/// The Invited tab's row of `to`.
async fn invited_row(app: &TestApp, cookie: &str, to: &str) -> Value {
    let listed = app.list(cookie, &[("tab", "invited"), ("per_page", "100")]).await;
    listed["invitations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["email"] == to)
        .unwrap_or_else(|| panic!("{to} is not listed: {listed}"))
        .clone()
}

#[tokio::test]
async fn a_batch_of_two_groups_gives_each_invitation_its_groups_role_accounts_and_team() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let root = app.root_account(&c.owner_email).await;
    let europe = app.sub_account(root, "Acme Europe").await;
    let company = app.company_of(&c.owner_email).await;
    app.sql(&format!(
        "INSERT INTO teams (company_id, name, created_at, name_key) VALUES ({company}, 'Support', 0, 'support')"
    ))
    .await;
    let support = app.count("SELECT id FROM teams WHERE name = 'Support'").await;
    let (ana, bo, cy) = (email("ana"), email("bo"), email("cy"));
    let ana_typed = format!("Ana Ruiz <{ana}>");
    let r = send_batch(
        &app,
        &c.owner,
        &[
            (&[ana_typed.as_str(), "ana@typo"], &[(europe, c.admin_role)], None),
            (
                &[&format!("{bo} {cy}"), &ana],
                &[(root, c.member_role)],
                Some(support),
            ),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let outcome = r.json();
    assert_eq!(outcome["invited"], json!([ana, bo, cy]));
    // Each address set aside says which group it was typed in, so it goes back to its box.
    assert_eq!(
        outcome["set_aside"],
        json!([
            { "address": "ana@typo", "reason": "Malformed", "group": 0 },
            { "address": ana, "reason": "Repeated", "group": 1 },
        ])
    );
    let grants = |to: String| {
        let app = &app;
        async move {
            sqlx::query_as::<_, (i64, i64)>(
                "SELECT ia.account_id, ia.role_id FROM invitation_accounts ia
                 JOIN invitations i ON i.id = ia.invitation_id WHERE i.email = $1",
            )
            .bind(to)
            .fetch_all(&app.state.db)
            .await
            .unwrap()
        }
    };
    assert_eq!(grants(ana.clone()).await, [(europe, c.admin_role)]);
    assert_eq!(grants(bo.clone()).await, [(root, c.member_role)]);
    assert_eq!(grants(cy.clone()).await, [(root, c.member_role)]);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM invitation_teams").await,
        2,
        "the team is the second group's alone"
    );
    // Each email offers its own group's role and account.
    let text_to = |to: String| {
        let app = &app;
        async move {
            sqlx::query_scalar::<_, String>("SELECT text_body FROM outbox WHERE to_email = $1")
                .bind(to)
                .fetch_one(&app.state.db)
                .await
                .unwrap()
        }
    };
    let to_ana = text_to(ana.clone()).await;
    assert!(
        to_ana.contains("Role: “Admin”") && to_ana.contains("Accounts: “Acme Europe”"),
        "{to_ana}"
    );
    let to_bo = text_to(bo.clone()).await;
    assert!(
        to_bo.contains("Role: “Member”") && to_bo.contains("Accounts: “Initech”"),
        "{to_bo}"
    );

    // The Invited tab shows the typed name and every account with its role.
    let row = invited_row(&app, &c.owner, &ana).await;
    assert_eq!(row["name"], "Ana Ruiz");
    assert_eq!(
        row["access"],
        json!([{ "role": "Admin", "account": "Acme Europe" }])
    );
    let row = invited_row(&app, &c.owner, &bo).await;
    assert_eq!(row["name"], "");
    assert_eq!(row["access"], json!([{ "role": "Member", "account": "Initech" }]));
    assert_eq!(row["teams"], json!(["Support"]));

    // Accepted, each holds their group's access.
    let token = app.emailed_token(&ana, "invite").await;
    assert_eq!(
        app.accept_invitation(&token, "Ana Ruiz").await.status,
        StatusCode::OK
    );
    let held = app
        .count(&format!(
            "SELECT COUNT(*) FROM role_assignments ra JOIN users u ON u.id = ra.user_id
             WHERE u.email = '{ana}' AND ra.account_id = {europe} AND ra.role_id = {}",
            c.admin_role
        ))
        .await;
    assert_eq!(held, 1);
}

#[tokio::test]
async fn a_group_with_a_role_the_inviter_may_not_give_refuses_the_whole_batch_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let root = app.root_account(&c.owner_email).await;
    // A recruiter may invite, and give Member, but not Admin.
    let recruiter_email = email("recruiter");
    let recruiter = app
        .add_user(&c.owner_email, "Rita Recruiter", &recruiter_email, "member")
        .await;
    let role = app
        .custom_role(&c.owner_email, "Recruiter", "users.view invitations.manage")
        .await;
    app.place(recruiter, &[(root, role)]).await;
    let cookie = app.session_of(&recruiter_email).await;
    let (fine, too_much) = (email("fine"), email("too-much"));
    let r = send_batch(
        &app,
        &cookie,
        &[
            (&[&fine], &[(root, c.member_role)], None),
            (&[&too_much], &[(root, c.admin_role)], None),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["Invalid"]["field"], "role");
    assert_eq!(
        r.json()["Invalid"]["message"],
        "Group 2: You can't give the role Admin: it allows more than you may do there."
    );
    nothing_invited(&app).await;
    // The group they may send goes alone.
    let r = send_batch(&app, &cookie, &[(&[&fine], &[(root, c.member_role)], None)]).await;
    assert_eq!(r.json()["invited"], json!([fine]), "{}", r.body);
}

#[tokio::test]
async fn another_companys_role_account_or_team_in_any_group_refuses_the_batch() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let other = app.company("Globex").await;
    let root = app.root_account(&c.owner_email).await;
    let their_root = app.root_account(&other.owner_email).await;
    let their_company = app.company_of(&other.owner_email).await;
    app.sql(&format!(
        "INSERT INTO teams (company_id, name, created_at, name_key) VALUES ({their_company}, 'Theirs', 0, 'theirs')"
    ))
    .await;
    let their_team = app.count("SELECT id FROM teams WHERE name = 'Theirs'").await;
    let good: Group = (&["ok@example.com"], &[(root, c.member_role)], None);
    for (bad, field) in [
        ((root, other.member_role), None, "role"),
        ((their_root, c.member_role), None, "accounts"),
        ((their_root, other.member_role), None, "accounts"),
        ((root, c.member_role), Some(their_team), "team"),
    ]
    .map(|(grant, team, field)| ((grant, team), field))
    {
        let (grant, team) = bad;
        let grants = [grant];
        let r = send_batch(&app, &c.owner, &[good, (&["x@example.com"], &grants, team)]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert_eq!(r.json()["Invalid"]["field"], field, "{}", r.body);
        assert!(r.body.contains("Group 2: "), "{}", r.body);
        nothing_invited(&app).await;
    }
    // A group with neither accounts nor a role is refused too.
    let r = app
        .call(
            "invitations/invite",
            &[("invite[groups][0][addresses][0]", "x@example.com")],
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.json()["Invalid"]["field"], "accounts", "{}", r.body);
    nothing_invited(&app).await;
}

#[tokio::test]
async fn members_cannot_invite_in_a_batch_or_alone() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let root = app.root_account(&c.owner_email).await;
    let member_email = email("member");
    app.add_user(&c.owner_email, "Mo Member", &member_email, "member")
        .await;
    let cookie = app.session_of(&member_email).await;
    let r = send_batch(
        &app,
        &cookie,
        &[(&[&email("friend")], &[(root, c.member_role)], None)],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = app.invite(&cookie, &[&email("friend")], c.member_role).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    nothing_invited(&app).await;
}

#[tokio::test]
async fn each_invitation_row_carries_the_date_its_status_calls_for() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let (pending, expired, accepted, withdrawn) = (
        email("pending"),
        email("expired"),
        email("accepted"),
        email("withdrawn"),
    );
    let r = app
        .invite(
            &c.owner,
            &[
                &pending,
                &expired,
                &accepted,
                &format!("Wanda Withdrawn <{withdrawn}>"),
            ],
            c.admin_role,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let before = roster::server::db::now_ms();
    app.sql(&format!(
        "UPDATE invitations SET expires_at = {} WHERE email = '{expired}'",
        before - 1000
    ))
    .await;
    let token = app.emailed_token(&accepted, "invite").await;
    assert_eq!(
        app.accept_invitation(&token, "Ada Accepted").await.status,
        StatusCode::OK
    );
    let id = invitation_id(&app, &withdrawn).await;
    let r = app
        .call("invitations/withdraw", &[("ids[0]", &id)], Some(&c.owner))
        .await;
    assert_eq!(r.json()["changed"], json!([withdrawn]), "{}", r.body);
    let after = roster::server::db::now_ms();
    let within = |v: &Value| v.as_i64().is_some_and(|t| (before..=after).contains(&t));

    let row = invited_row(&app, &c.owner, &pending).await;
    assert_eq!(row["status"], "Pending");
    assert!(row["expires_at"].as_i64().unwrap() > after);
    assert!(
        row["accepted_at"].is_null() && row["withdrawn_at"].is_null(),
        "{row}"
    );
    let row = invited_row(&app, &c.owner, &expired).await;
    assert_eq!(row["status"], "Expired");
    assert_eq!(row["expires_at"], before - 1000);
    let row = invited_row(&app, &c.owner, &accepted).await;
    assert_eq!(row["status"], "Accepted");
    assert!(within(&row["accepted_at"]), "{row}");
    assert!(row["withdrawn_at"].is_null(), "{row}");
    let row = invited_row(&app, &c.owner, &withdrawn).await;
    assert_eq!(row["status"], "Withdrawn");
    assert!(within(&row["withdrawn_at"]), "{row}");
    assert!(row["accepted_at"].is_null(), "{row}");
    assert_eq!(row["name"], "Wanda Withdrawn");
    assert_eq!(row["access"], json!([{ "role": "Admin", "account": "Initech" }]));
    assert_eq!(row["invited_by"], "Olivia Owner");

    // Sent again, it is pending once more, with no withdrawal time.
    app.sql("UPDATE invitations SET sent_at = sent_at - 3600000")
        .await;
    let r = app
        .call("invitations/resend", &[("ids[0]", &id)], Some(&c.owner))
        .await;
    assert_eq!(r.json()["changed"], json!([withdrawn]), "{}", r.body);
    let row = invited_row(&app, &c.owner, &withdrawn).await;
    assert_eq!(row["status"], "Pending");
    assert!(row["withdrawn_at"].is_null(), "{row}");
}

#[tokio::test]
async fn invitations_withdrawn_with_their_sender_say_when() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let admin_email = email("admin");
    let admin = app
        .add_user(&c.owner_email, "Ada Admin", &admin_email, "admin")
        .await;
    let admin_cookie = app.session_of(&admin_email).await;
    let guest = email("guest");
    app.invite(&admin_cookie, &[&guest], c.member_role).await;
    let r = app
        .call(
            "users/delete",
            &[("id", &admin.to_string()), ("confirm_email", &admin_email)],
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let row = invited_row(&app, &c.owner, &guest).await;
    assert_eq!(row["status"], "Withdrawn");
    assert!(row["withdrawn_at"].as_i64().is_some(), "{row}");
}

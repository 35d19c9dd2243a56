//! The hierarchy of power and the holes it closes: nobody acts on someone who holds as much as
//! they do or more, an admin's change of someone's login email waits for the new address,
//! undo is a new change checked like one, and links sent to an old address die with it.

mod common;

use common::{email, Company, TestApp};
use http::StatusCode;
use serde_json::Value;

/// A company with an Admin and a "User manager" (view + manage users, on the root account).
struct Ladder {
    c: Company,
    owner_id: i64,
    admin_id: i64,
    admin_email: String,
    admin: String,
    manager: String,
    root: i64,
}

async fn ladder(app: &TestApp) -> Ladder {
    let c = app.company("Initech").await;
    let owner_id = app.user_id(&c.owner_email).await;
    let admin_email = email("admin");
    let admin_id = app
        .add_user(&c.owner_email, "Adam Admin", &admin_email, "admin")
        .await;
    let admin = app.session_of(&admin_email).await;
    let role = app
        .custom_role(&c.owner_email, "User manager", "users.view users.manage")
        .await;
    let manager_email = email("manager");
    let manager_id = app
        .add_user(&c.owner_email, "Uma Manager", &manager_email, "member")
        .await;
    let root = app.root_account(&c.owner_email).await;
    app.place(manager_id, &[(root, role)]).await;
    let manager = app.session_of(&manager_email).await;
    Ladder {
        c,
        owner_id,
        admin_id,
        admin_email,
        admin,
        manager,
        root,
    }
}

async fn version_of(app: &TestApp, id: i64) -> String {
    app.count(&format!("SELECT version FROM users WHERE id = {id}"))
        .await
        .to_string()
}

async fn edit_email(app: &TestApp, cookie: &str, id: i64, name: &str, new_email: &str) -> common::Response {
    let version = version_of(app, id).await;
    let id = id.to_string();
    app.call(
        "users/update",
        &[
            ("edit[id]", &id),
            ("edit[version]", &version),
            ("edit[name]", name),
            ("edit[email]", new_email),
        ],
        Some(cookie),
    )
    .await
}

#[tokio::test]
async fn the_owner_takeover_chain_fails_at_its_first_step() {
    let app = TestApp::spawn().await;
    let l = ladder(&app).await;
    for (who, cookie) in [("an admin", &l.admin), ("a user manager", &l.manager)] {
        let r = edit_email(&app, cookie, l.owner_id, "Olivia Owner", "attacker@evil.example").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}: {}", r.body);
        assert!(r.json()["Outranked"].is_string(), "{}", r.body);
    }
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM users WHERE id = {} AND email = '{}'",
            l.owner_id, l.c.owner_email
        ))
        .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE to_email = 'attacker@evil.example'")
            .await,
        0,
        "no link went to the attacker"
    );
    // The rest of the chain: a reset for the attacker's address sends nothing.
    app.call("reset/request", &[("email", "attacker@evil.example")], None)
        .await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE to_email = 'attacker@evil.example'")
            .await,
        0
    );
}

#[tokio::test]
async fn an_admins_change_of_a_login_email_waits_for_the_new_address_and_kills_the_old_links() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let old = email("new-hire");
    let created = app
        .create_user(&c.owner, "Nia Newhire", &old, c.member_role, "Active")
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let id = app.user_id(&old).await;
    let setup = app.emailed_token(&old, "welcome").await;

    let new = email("new-hire-fixed");
    let r = edit_email(&app, &c.owner, id, "Nia Newhire", &new).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.json(),
        Value::String(new.clone()),
        "says what waits for confirmation"
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM users WHERE id = {id} AND email = '{old}'"
        ))
        .await,
        1,
        "the login stays until the new address confirms"
    );
    let notice: String =
        sqlx::query_scalar("SELECT text_body FROM outbox WHERE to_email = $1 ORDER BY id DESC LIMIT 1")
            .bind(&old)
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert!(
        notice.contains(&new) && notice.contains("an admin of your company"),
        "{notice}"
    );

    // The set-up link sent to the old address is dead at once.
    let stale = app
        .call(
            "welcome/finish",
            &[("token", &setup), ("password", "Marmalade-Canyon-77-Heron")],
            None,
        )
        .await;
    assert_eq!(stale.status, StatusCode::GONE, "{}", stale.body);

    let token = app.emailed_token(&new, "verify-email").await;
    let r = app.call("profile/verify_email", &[("token", &token)], None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM users WHERE id = {id} AND email = '{new}'"
        ))
        .await,
        1
    );
    // They never set a password: a fresh set-up link goes to the new address.
    let fresh = app.emailed_token(&new, "welcome").await;
    let done = app
        .call(
            "welcome/finish",
            &[("token", &fresh), ("password", "Marmalade-Canyon-77-Heron")],
            None,
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
}

#[tokio::test]
async fn a_user_manager_cannot_demote_deactivate_delete_sign_out_or_read_the_devices_of_an_admin_or_the_owner(
) {
    let app = TestApp::spawn().await;
    let l = ladder(&app).await;
    let admin_sessions = app
        .count(&format!(
            "SELECT COUNT(*) FROM sessions WHERE user_id = {}",
            l.admin_id
        ))
        .await;
    for (target, target_email) in [
        (l.admin_id, l.admin_email.clone()),
        (l.owner_id, l.c.owner_email.clone()),
    ] {
        let id = target.to_string();
        let member = l.c.member_role.to_string();
        let calls: [(&str, Vec<(&str, &str)>); 6] = [
            ("users/change_role", vec![("id", &id), ("role", &member)]),
            ("users/deactivate", vec![("id", &id)]),
            (
                "users/delete",
                vec![("id", &id), ("confirm_email", &target_email)],
            ),
            ("profile/user_devices", vec![("user", &id)]),
            ("profile/end_user_sessions", vec![("user", &id)]),
            ("users/set_teams", vec![("id", &id)]),
        ];
        for (endpoint, form) in calls {
            let r = app.call(endpoint, &form, Some(&l.manager)).await;
            assert!(
                r.status == StatusCode::FORBIDDEN || r.status == StatusCode::CONFLICT,
                "{endpoint} on {target_email}: {} {}",
                r.status,
                r.body
            );
        }
    }
    // An Admin is not above another Admin either.
    let peer = email("peer");
    let peer_id = app.add_user(&l.c.owner_email, "Pia Peer", &peer, "admin").await;
    let r = app
        .call(
            "users/deactivate",
            &[("id", &peer_id.to_string())],
            Some(&l.admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    // Nothing changed.
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM users WHERE status = 'active' AND id IN ({}, {}, {peer_id})",
            l.admin_id, l.owner_id
        ))
        .await,
        3
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM sessions WHERE user_id = {}",
            l.admin_id
        ))
        .await,
        admin_sessions
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM role_assignments WHERE user_id = {} AND role_id = {}",
            l.admin_id, l.c.admin_role
        ))
        .await,
        1
    );
    // The owner acts on anyone, and the manager on a Member.
    let member = app
        .add_user(&l.c.owner_email, "Mel Member", &email("mel"), "member")
        .await;
    let r = app
        .call(
            "users/deactivate",
            &[("id", &member.to_string())],
            Some(&l.manager),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app
        .call(
            "users/deactivate",
            &[("id", &peer_id.to_string())],
            Some(&l.c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn a_bulk_change_skips_everyone_at_or_above_the_caller_and_names_them() {
    let app = TestApp::spawn().await;
    let l = ladder(&app).await;
    let member = app
        .add_user(&l.c.owner_email, "Mel Member", &email("mel"), "member")
        .await;
    let r = app
        .call(
            "users/bulk/apply",
            &[
                ("selection[ids][0]", &member.to_string()),
                ("selection[ids][1]", &l.admin_id.to_string()),
                ("action[kind]", "deactivate"),
            ],
            Some(&l.manager),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let outcome = r.json();
    assert_eq!(outcome["changed"], 1, "{outcome}");
    assert_eq!(outcome["skipped"][0]["name"], "Adam Admin", "{outcome}");
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM users WHERE id = {} AND status = 'active'",
            l.admin_id
        ))
        .await,
        1
    );
}

/// The owner demotes the Admin to Member in a bulk change; answers its undo handle.
async fn owner_demotes_the_admin(app: &TestApp, l: &Ladder) -> String {
    let r = app
        .call(
            "users/bulk/apply",
            &[
                ("selection[ids][0]", &l.admin_id.to_string()),
                ("action[kind]", "change_role"),
                ("action[role]", &l.c.member_role.to_string()),
            ],
            Some(&l.c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()["undo"].as_i64().expect("an undo handle").to_string()
}

async fn admin_role_count(app: &TestApp, l: &Ladder) -> i64 {
    app.count(&format!(
        "SELECT COUNT(*) FROM role_assignments WHERE user_id = {} AND role_id = {}",
        l.admin_id, l.c.admin_role
    ))
    .await
}

#[tokio::test]
async fn undo_by_a_user_manager_cannot_restore_a_role_they_may_not_give() {
    let app = TestApp::spawn().await;
    let l = ladder(&app).await;
    let change = owner_demotes_the_admin(&app, &l).await;
    let r = app
        .call("users/bulk/undo", &[("change", &change)], Some(&l.manager))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let outcome = r.json();
    assert_eq!(outcome["restored"], 0, "{outcome}");
    assert_eq!(outcome["not_restored"][0]["name"], "Adam Admin", "{outcome}");
    assert!(
        outcome["not_restored"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("role you can't give"),
        "{outcome}"
    );
    assert_eq!(admin_role_count(&app, &l).await, 0, "still a Member");
}

#[tokio::test]
async fn undo_by_a_sub_account_admin_restores_no_one_outside_their_accounts() {
    let app = TestApp::spawn().await;
    let l = ladder(&app).await;
    let branch = app.sub_account(l.root, "Branch").await;
    let scoped_email = email("scoped");
    let scoped = app
        .add_user(&l.c.owner_email, "Sid Scoped", &scoped_email, "member")
        .await;
    app.place(scoped, &[(branch, l.c.admin_role)]).await;
    let cookie = app.session_of(&scoped_email).await;
    let change = owner_demotes_the_admin(&app, &l).await;
    let r = app
        .call("users/bulk/undo", &[("change", &change)], Some(&cookie))
        .await;
    // A change touching nobody inside the caller's accounts is not theirs to
    // see, so it is not found rather than counted.
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    assert!(
        !r.body.contains("Adam Admin"),
        "names nobody outside the caller's accounts: {}",
        r.body
    );
    assert_eq!(admin_role_count(&app, &l).await, 0);
    // The owner may still undo their own change.
    let r = app
        .call("users/bulk/undo", &[("change", &change)], Some(&l.c.owner))
        .await;
    assert_eq!(r.json()["restored"], 1, "{}", r.body);
    assert_eq!(admin_role_count(&app, &l).await, 1);
}

#[tokio::test]
async fn team_membership_of_peers_may_change_but_not_of_those_above() {
    let app = TestApp::spawn().await;
    let l = ladder(&app).await;
    let team = app
        .call("teams/create", &[("name", "Leads")], Some(&l.c.owner))
        .await
        .json()
        .as_i64()
        .unwrap()
        .to_string();
    let peer = app
        .add_user(&l.c.owner_email, "Pia Peer", &email("peer"), "admin")
        .await;
    let add = |who: i64, cookie: String| {
        let app = &app;
        let team = team.clone();
        async move {
            app.call(
                "teams/add_members",
                &[("id", &team), ("users[0]", &who.to_string())],
                Some(&cookie),
            )
            .await
        }
    };
    assert_eq!(add(peer, l.admin.clone()).await.status, StatusCode::OK);
    let r = add(l.owner_id, l.admin.clone()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(r.json()["Outranked"].as_str().unwrap().contains("Olivia Owner"));
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM team_members WHERE user_id = {}",
            l.owner_id
        ))
        .await,
        0
    );
}

async fn signed_in(app: &TestApp, cookie: &str) -> bool {
    app.call("auth/me", &[], Some(cookie)).await.json() != Value::Null
}

#[tokio::test]
async fn a_confirmed_change_of_login_email_ends_every_session_made_before() {
    let app = TestApp::spawn().await;
    let l = ladder(&app).await;
    let phone = app.session_of(&l.admin_email).await;
    let new = email("admin-new");
    let r = edit_email(&app, &l.c.owner, l.admin_id, "Adam Admin", &new).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        signed_in(&app, &phone).await,
        "nothing ends before the link is used"
    );
    let token = app.emailed_token(&new, "verify-email").await;
    app.call("profile/verify_email", &[("token", &token)], None).await;
    assert!(!signed_in(&app, &phone).await);
    assert!(!signed_in(&app, &l.admin).await);
    assert_eq!(app.sign_in(&new, common::PASSWORD).await.status, StatusCode::OK);
}

/// Writes a session for `user` as a sign-in does once their password was checked against
/// `stamp`: whether it was written, and the cookie it would give.
async fn start_session(app: &TestApp, user: i64, stamp: Option<i64>) -> (bool, String) {
    use roster::server::db::sessions::{self, NewSession};
    let token = roster::server::token::generate();
    let now = roster::server::db::now_ms();
    let written = sessions::create(
        &app.state.db,
        NewSession {
            user_id: roster::model::UserId(user),
            token_hash: &roster::server::token::hash(&token),
            now,
            expires_at: now + 3_600_000,
            ip: "",
            user_agent: "",
            stamp,
        },
    )
    .await
    .unwrap();
    (written.is_some(), format!("roster_session={token}"))
}

#[tokio::test]
async fn a_session_started_on_credentials_checked_before_a_password_change_is_dead() {
    let app = TestApp::spawn().await;
    let l = ladder(&app).await;
    // The password is checked against this stamp ...
    let checked: i64 = app
        .count(&format!(
            "SELECT security_stamp FROM users WHERE id = {}",
            l.admin_id
        ))
        .await;
    // ... then a reset moves it on before the session is written.
    app.sql(&format!(
        "UPDATE users SET security_stamp = security_stamp + 1 WHERE id = {}",
        l.admin_id
    ))
    .await;
    let (_, cookie) = start_session(&app, l.admin_id, Some(checked)).await;
    assert!(!signed_in(&app, &cookie).await);
    // The sessions made before the change are gone too.
    assert!(!signed_in(&app, &l.admin).await);
}

#[tokio::test]
async fn someone_deactivated_while_signing_in_gets_no_session_and_none_comes_back_with_reactivation() {
    let app = TestApp::spawn().await;
    let l = ladder(&app).await;
    let owner = app.session_of(&l.c.owner_email).await;
    let id = l.admin_id.to_string();
    // The password was checked; the deactivation lands before the session is written.
    let r = app.call("users/deactivate", &[("id", &id)], Some(&owner)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let (written, cookie) = start_session(&app, l.admin_id, None).await;
    assert!(!written, "a session was written for someone deactivated");
    let sessions = format!("SELECT COUNT(*) FROM sessions WHERE user_id = {id}");
    assert_eq!(app.count(&sessions).await, 0);
    let r = app.call("users/reactivate", &[("id", &id)], Some(&owner)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(!signed_in(&app, &cookie).await);
}

#[tokio::test]
async fn an_email_change_asked_by_a_user_manager_dies_when_the_person_is_promoted() {
    let app = TestApp::spawn().await;
    let l = ladder(&app).await;
    let prom_email = email("prom");
    let prom = app
        .add_user(&l.c.owner_email, "Pat Prom", &prom_email, "member")
        .await;
    let r = edit_email(&app, &l.manager, prom, "Pat Prom", "um-controlled@evil.example").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let token = app
        .emailed_token("um-controlled@evil.example", "verify-email")
        .await;
    let r = app
        .call(
            "users/change_role",
            &[("id", &prom.to_string()), ("role", &l.c.admin_role.to_string())],
            Some(&l.c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app.call("profile/verify_email", &[("token", &token)], None).await;
    assert_eq!(r.status, StatusCode::GONE, "{}", r.body);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM users WHERE id = {prom} AND email = '{prom_email}'"
        ))
        .await,
        1
    );
}

#[tokio::test]
async fn an_admin_cannot_lower_or_delete_a_custom_role_held_by_their_equal() {
    let app = TestApp::spawn().await;
    let l = ladder(&app).await;
    let everything = "users.view users.manage invitations.manage roles.manage teams.manage accounts.manage \
                      audit.view settings.manage module.pricing module.payments module.reports module.orders";
    let peer_role = app.custom_role(&l.c.owner_email, "Super", everything).await;
    let peer = app
        .add_user(&l.c.owner_email, "Sue Super", &email("sue"), "member")
        .await;
    app.place(peer, &[(l.root, peer_role)]).await;
    let r = app
        .call(
            "roles/update",
            &[
                ("id", &peer_role.to_string()),
                ("name", "Super"),
                ("permissions[0]", "ViewUsers"),
            ],
            Some(&l.admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(r.body.contains("Sue Super"), "{}", r.body);
    let r = app
        .call(
            "roles/delete",
            &[
                ("id", &peer_role.to_string()),
                ("move_to", &l.c.member_role.to_string()),
            ],
            Some(&l.admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM role_assignments WHERE user_id = {peer} AND role_id = {peer_role}"
        ))
        .await,
        1
    );
}

#[tokio::test]
async fn a_session_ended_by_a_new_stamp_stays_ended_when_the_password_changes_later() {
    let app = TestApp::spawn().await;
    let l = ladder(&app).await;
    let old_session = app.session_of(&l.admin_email).await;
    let new = email("admin-moved");
    edit_email(&app, &l.c.owner, l.admin_id, "Adam Admin", &new).await;
    let token = app.emailed_token(&new, "verify-email").await;
    app.call("profile/verify_email", &[("token", &token)], None).await;
    assert!(!signed_in(&app, &old_session).await);
    let fresh = app.session_of(&new).await;
    let r = app
        .call(
            "profile/change_password",
            &[
                ("current_password", common::PASSWORD),
                ("new_password", "Marmalade-Canyon-77-Heron"),
                ("sign_out_others", "false"),
            ],
            Some(&fresh),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let rotated = r.session_cookie().expect("a new token for this device");
    assert!(
        signed_in(&app, &rotated).await,
        "the caller's own session is kept"
    );
    assert!(!signed_in(&app, &fresh).await, "under a new token");
    assert!(
        !signed_in(&app, &old_session).await,
        "an ended session does not come back"
    );
}

#[tokio::test]
async fn what_a_scoped_admin_cannot_undo_stays_undoable_by_the_owner() {
    let app = TestApp::spawn().await;
    let l = ladder(&app).await;
    let branch = app.sub_account(l.root, "Branch").await;
    let scoped_email = email("scoped");
    let scoped = app
        .add_user(&l.c.owner_email, "Sid Scoped", &scoped_email, "member")
        .await;
    app.place(scoped, &[(branch, l.c.admin_role)]).await;
    let cookie = app.session_of(&scoped_email).await;
    let inside = app
        .add_user(&l.c.owner_email, "Ina Inside", &email("ina"), "member")
        .await;
    app.place(inside, &[(branch, l.c.member_role)]).await;
    let outside = app
        .add_user(&l.c.owner_email, "Otto Outside", &email("otto"), "member")
        .await;
    let r = app
        .call(
            "users/bulk/apply",
            &[
                ("selection[ids][0]", &inside.to_string()),
                ("selection[ids][1]", &outside.to_string()),
                ("action[kind]", "deactivate"),
            ],
            Some(&l.c.owner),
        )
        .await;
    let change = r.json()["undo"].as_i64().expect("undo handle").to_string();
    let r = app
        .call("users/bulk/undo", &[("change", &change)], Some(&cookie))
        .await;
    assert_eq!(r.json()["restored"], 1, "{}", r.body);
    let r = app
        .call("users/bulk/undo", &[("change", &change)], Some(&l.c.owner))
        .await;
    assert_eq!(r.json()["restored"], 1, "{}", r.body);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM users WHERE status = 'active' AND id IN ({inside}, {outside})"
        ))
        .await,
        2
    );
    let again = app
        .call("users/bulk/undo", &[("change", &change)], Some(&l.c.owner))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
}

#[tokio::test]
async fn a_team_holding_someone_above_the_caller_cannot_be_deleted_by_them() {
    let app = TestApp::spawn().await;
    let l = ladder(&app).await;
    let lead_role = app
        .custom_role(&l.c.owner_email, "Team lead", "users.view teams.manage")
        .await;
    let lead_email = email("lead");
    let lead = app
        .add_user(&l.c.owner_email, "Tom Lead", &lead_email, "member")
        .await;
    app.place(lead, &[(l.root, lead_role)]).await;
    let cookie = app.session_of(&lead_email).await;
    let team = app
        .call("teams/create", &[("name", "Leads")], Some(&l.c.owner))
        .await
        .json()
        .as_i64()
        .unwrap()
        .to_string();
    app.call(
        "teams/add_members",
        &[("id", &team), ("users[0]", &l.admin_id.to_string())],
        Some(&l.c.owner),
    )
    .await;
    let r = app.call("teams/delete", &[("id", &team)], Some(&cookie)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM team_members WHERE team_id = {team}"
        ))
        .await,
        1
    );
}

#[tokio::test]
async fn an_admin_cannot_change_their_own_role_from_the_row_menu_either() {
    let app = TestApp::spawn().await;
    let l = ladder(&app).await;
    let id = l.admin_id.to_string();
    let member = l.c.member_role.to_string();
    let r = app
        .call(
            "users/change_role",
            &[("id", &id), ("role", &member)],
            Some(&l.admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("ask another admin"), "{}", r.body);
    let held: String = sqlx::query_scalar(
        "SELECT r.builtin FROM role_assignments ra JOIN roles r ON r.id = ra.role_id WHERE ra.user_id = $1",
    )
    .bind(l.admin_id)
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    assert_eq!(held, "admin", "their role is unchanged");
}

/// An admin lowered to Member on a sub-account may not make anyone Admin on the root account:
/// that role would apply on the sub-account too, where they hold less (found by an attack).
#[tokio::test]
async fn an_admin_lowered_on_a_sub_account_cannot_invite_or_add_an_admin_of_the_whole_company() {
    let app = TestApp::spawn().await;
    let l = ladder(&app).await;
    let branch = app.sub_account(l.root, "Branch").await;
    app.place(l.admin_id, &[(l.root, l.c.admin_role), (branch, l.c.member_role)])
        .await;
    let admin = app.session_of(&l.admin_email).await;
    let admin_role = l.c.admin_role.to_string();

    let invited = email("hire");
    let r = app
        .call(
            "invitations/invite",
            &[
                ("invite[addresses][0]", invited.as_str()),
                ("invite[role]", admin_role.as_str()),
            ],
            Some(&admin),
        )
        .await;
    assert_ne!(r.status, StatusCode::OK, "{}", r.body);
    let added = email("added");
    let r = app
        .call(
            "users/create",
            &[
                ("user[name]", "Ada Added"),
                ("user[email]", added.as_str()),
                ("user[role]", admin_role.as_str()),
                ("user[status]", "Active"),
            ],
            Some(&admin),
        )
        .await;
    assert_ne!(r.status, StatusCode::OK, "{}", r.body);
    let written = app
        .count(&format!(
            "SELECT (SELECT COUNT(*) FROM invitations WHERE email = '{invited}')
                  + (SELECT COUNT(*) FROM users WHERE email = '{added}')"
        ))
        .await;
    assert_eq!(written, 0, "nothing was invited or added");

    // Where they hold Admin all the way down, they still may.
    app.place(l.admin_id, &[(l.root, l.c.admin_role)]).await;
    let r = app
        .call(
            "invitations/invite",
            &[
                ("invite[addresses][0]", invited.as_str()),
                ("invite[role]", admin_role.as_str()),
            ],
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["invited"][0], invited.as_str(), "{}", r.body);
}

#[tokio::test]
async fn an_admin_lowered_on_a_sub_account_cannot_send_again_an_admin_invitation_of_the_whole_company() {
    let app = TestApp::spawn().await;
    let l = ladder(&app).await;
    let hire = email("hire");
    let r = app.invite(&l.c.owner, &[&hire], l.c.admin_role).await;
    assert_eq!(r.json()["invited"][0], hire.as_str(), "{}", r.body);
    app.sql("UPDATE invitations SET sent_at = sent_at - 3600000")
        .await;
    let before: (String, i64) =
        sqlx::query_as("SELECT token_hash, invited_by FROM invitations WHERE email = $1")
            .bind(&hire)
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    let branch = app.sub_account(l.root, "Branch").await;
    app.place(l.admin_id, &[(l.root, l.c.admin_role), (branch, l.c.member_role)])
        .await;
    let id = app
        .count(&format!("SELECT id FROM invitations WHERE email = '{hire}'"))
        .await
        .to_string();

    let r = app
        .call("invitations/resend", &[("ids[0]", &id)], Some(&l.admin))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["changed"], serde_json::json!([]), "{}", r.body);
    assert_eq!(r.json()["skipped"][0]["what"], hire.as_str(), "{}", r.body);
    assert!(
        r.json()["skipped"][0]["reason"]
            .as_str()
            .is_some_and(|reason| reason.contains("Admin")),
        "{}",
        r.body
    );
    let after: (String, i64) =
        sqlx::query_as("SELECT token_hash, invited_by FROM invitations WHERE email = $1")
            .bind(&hire)
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert_eq!(after, before, "the invitation and its sender stay as they were");
    assert_eq!(after.1, l.owner_id);

    // The owner may send it again.
    let r = app
        .call("invitations/resend", &[("ids[0]", &id)], Some(&l.c.owner))
        .await;
    assert_eq!(r.json()["changed"][0], hire.as_str(), "{}", r.body);
}

/// An Admin of the whole company who only views users on a sub-account (above its Members,
/// without the power to give Admin there), and a Member of the root account: making them an
/// Admin there makes them one on the sub-account too.
async fn lowered(app: &TestApp, l: &Ladder) -> i64 {
    let branch = app.sub_account(l.root, "Branch").await;
    let viewer = app.custom_role(&l.c.owner_email, "Team lead", "users.view").await;
    app.place(l.admin_id, &[(l.root, l.c.admin_role), (branch, viewer)])
        .await;
    app.add_user(&l.c.owner_email, "Mo Member", &email("mo"), "member")
        .await
}

#[tokio::test]
async fn an_admin_lowered_on_a_sub_account_cannot_make_anyone_an_admin_of_the_whole_company_by_a_role_change()
{
    let app = TestApp::spawn().await;
    let l = ladder(&app).await;
    let mo = lowered(&app, &l).await;
    let (mo_id, admin_role) = (mo.to_string(), l.c.admin_role.to_string());
    let is_admin = format!(
        "SELECT COUNT(*) FROM role_assignments WHERE user_id = {mo} AND role_id = {}",
        l.c.admin_role
    );

    let r = app
        .call(
            "users/change_role",
            &[("id", mo_id.as_str()), ("role", admin_role.as_str())],
            Some(&l.admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains("Admin on Initech"),
        "the refusal says where: {}",
        r.body
    );
    for verb in ["preview", "apply"] {
        let r = app
            .call(
                &format!("users/bulk/{verb}"),
                &[
                    ("selection[ids][0]", mo_id.as_str()),
                    ("action[kind]", "change_role"),
                    ("action[role]", admin_role.as_str()),
                ],
                Some(&l.admin),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{verb}: {}", r.body);
    }
    assert_eq!(app.count(&is_admin).await, 0, "Mo is still a Member");

    // Undo is a change like any other: the owner demotes an Admin, and the lowered admin
    // may not undo it.
    let ann = app
        .add_user(&l.c.owner_email, "Ann Admin", &email("ann"), "admin")
        .await;
    let ann_id = ann.to_string();
    let member_role = l.c.member_role.to_string();
    let demoted = app
        .call(
            "users/bulk/apply",
            &[
                ("selection[ids][0]", ann_id.as_str()),
                ("action[kind]", "change_role"),
                ("action[role]", member_role.as_str()),
            ],
            Some(&l.c.owner),
        )
        .await;
    assert_eq!(demoted.status, StatusCode::OK, "{}", demoted.body);
    let change = demoted.json()["undo"].as_i64().unwrap().to_string();
    let r = app
        .call("users/bulk/undo", &[("change", change.as_str())], Some(&l.admin))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["restored"], 0, "{}", r.body);
    assert_eq!(
        r.json()["not_restored"][0]["reason"],
        "would get back a role you can't give",
        "{}",
        r.body
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM role_assignments WHERE user_id = {ann} AND role_id = {}",
            l.c.admin_role
        ))
        .await,
        0
    );

    // The owner may.
    let r = app
        .call(
            "users/change_role",
            &[("id", mo_id.as_str()), ("role", admin_role.as_str())],
            Some(&l.c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(app.count(&is_admin).await, 1);
}

#[tokio::test]
async fn an_admin_lowered_on_a_sub_account_cannot_raise_a_role_that_a_pending_invitation_offers() {
    let app = TestApp::spawn().await;
    let l = ladder(&app).await;
    lowered(&app, &l).await;
    let helper = app.custom_role(&l.c.owner_email, "Helper", "users.view").await;
    let hire = email("hire");
    let r = app.invite(&l.c.owner, &[&hire], helper).await;
    assert_eq!(r.json()["invited"][0], hire.as_str(), "{}", r.body);
    let helper_id = helper.to_string();

    let r = app
        .call(
            "roles/update",
            &[
                ("id", helper_id.as_str()),
                ("name", "Helper"),
                ("permissions[0]", "ViewUsers"),
                ("permissions[1]", "ManageUsers"),
            ],
            Some(&l.admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = app
        .call(
            "roles/delete",
            &[
                ("id", helper_id.as_str()),
                ("move_to", &l.c.admin_role.to_string()),
            ],
            Some(&l.admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let offered: (i64, String) = sqlx::query_as(
        "SELECT ia.role_id, r.permissions FROM invitation_accounts ia JOIN roles r ON r.id = ia.role_id",
    )
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    assert_eq!(
        offered,
        (helper, "users.view".to_string()),
        "the invitation offers what it did"
    );

    // The owner, who may give it everywhere, still edits it.
    let r = app
        .call(
            "roles/update",
            &[
                ("id", helper_id.as_str()),
                ("name", "Helpers"),
                ("permissions[0]", "ViewUsers"),
            ],
            Some(&l.c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

//! Who may call what. The refusal harness calls every server function as a signed-out
//! visitor, as a user of another company and as the least privileged role, and expects a
//! refusal (or nothing of the other company's data). A server function missing from the
//! harness fails `every_server_function_is_covered_by_the_harness`, so later work must add
//! its functions here.

mod common;

use common::{email, TestApp};
use http::StatusCode;
use roster::model::Permission;

/// Server functions anyone may call: they create or end a session, or say who is signed in.
/// (The welcome functions are authorised by the single-use token in the emailed link.)
const PUBLIC: &[&str] = &[
    "/api/auth/me",
    "/api/auth/signup",
    "/api/auth/signin",
    "/api/auth/signout",
    "/api/welcome/info",
    "/api/welcome/finish",
    "/api/invitations/info",
    "/api/invitations/accept",
    // Password reset and join requests: anonymous by nature; the reset and join answers are
    // the same for every address, and the links are authorised by their emailed token.
    "/api/reset/request",
    "/api/reset/info",
    "/api/reset/finish",
    "/api/join/info",
    "/api/join/request",
    "/api/join/verify",
    // Authorised by the token of the emailed link.
    "/api/profile/verify_email",
];

/// Server functions every signed-in user may call about themselves (their own profile): they
/// take no user id, and `tests/profile.rs` proves they change only the caller. Signed out,
/// they refuse.
const SELF_SERVICE: &[&str] = &[
    "profile/get",
    "profile/save_details",
    "profile/save_theme",
    "profile/change_email",
    "profile/change_password",
    "profile/save_notifications",
    "profile/devices",
    "profile/sign_out_device",
    "profile/sign_out_other_devices",
    // Home: the caller's own roles, teams and what they may do (tests/home.rs).
    "profile/home",
    "access/check",
];

/// Each protected server function with arguments that aim at company A's data.
struct Protected {
    endpoint: &'static str,
    /// The permission it requires; `None` for what only the owner may do.
    needs: Option<Permission>,
    args: fn(&Fixture) -> Vec<(&'static str, String)>,
}

impl Protected {
    async fn call(&self, app: &TestApp, f: &Fixture, cookie: Option<&str>) -> common::Response {
        let args = (self.args)(f);
        let form: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
        app.call(self.endpoint, &form, cookie).await
    }
}

const PROTECTED: &[Protected] = &[
    Protected {
        endpoint: "audit/list",
        needs: Some(Permission::ViewAuditLog),
        args: |f| vec![("query[target]", f.a_member_id.to_string())],
    },
    Protected {
        endpoint: "audit/new",
        needs: Some(Permission::ViewAuditLog),
        args: |f| vec![("query[target]", f.a_member_id.to_string())],
    },
    Protected {
        endpoint: "users/list",
        needs: Some(Permission::ViewUsers),
        args: |_| vec![("query[tab]", "all".into())],
    },
    Protected {
        endpoint: "users/suggest",
        needs: Some(Permission::ViewUsers),
        args: |_| vec![("search", "a".into())],
    },
    Protected {
        endpoint: "users/filters",
        needs: Some(Permission::ViewUsers),
        args: |_| vec![],
    },
    Protected {
        endpoint: "users/get",
        needs: Some(Permission::ViewUsers),
        args: |f| vec![("id", f.a_member_id.to_string())],
    },
    Protected {
        endpoint: "users/create",
        needs: Some(Permission::ManageUsers),
        args: |f| {
            vec![
                ("user[name]", "Intruder".into()),
                ("user[email]", "intruder@example.com".into()),
                ("user[role]", f.a_member_role.to_string()),
                ("user[status]", "Active".into()),
            ]
        },
    },
    Protected {
        endpoint: "users/update",
        needs: Some(Permission::ManageUsers),
        args: |f| {
            vec![
                ("edit[id]", f.a_member_id.to_string()),
                ("edit[version]", "1".into()),
                ("edit[name]", "Hacked".into()),
                ("edit[email]", "hacked@example.com".into()),
            ]
        },
    },
    Protected {
        endpoint: "users/change_role",
        needs: Some(Permission::ManageUsers),
        args: |f| {
            vec![
                ("id", f.a_member_id.to_string()),
                ("role", f.a_admin_role.to_string()),
            ]
        },
    },
    Protected {
        endpoint: "users/set_teams",
        needs: Some(Permission::ManageUsers),
        args: |f| vec![("id", f.a_member_id.to_string())],
    },
    Protected {
        endpoint: "users/deactivate",
        needs: Some(Permission::ManageUsers),
        args: |f| vec![("id", f.a_member_id.to_string())],
    },
    Protected {
        endpoint: "users/reactivate",
        needs: Some(Permission::ManageUsers),
        args: |f| vec![("id", f.a_member_id.to_string())],
    },
    Protected {
        endpoint: "users/resend_setup",
        needs: Some(Permission::ManageUsers),
        args: |f| vec![("id", f.a_member_id.to_string())],
    },
    Protected {
        endpoint: "users/delete",
        needs: Some(Permission::ManageUsers),
        args: |f| {
            vec![
                ("id", f.a_member_id.to_string()),
                ("confirm_email", f.a_member_email.clone()),
            ]
        },
    },
    Protected {
        endpoint: "users/transfer_ownership",
        needs: None,
        args: |f| {
            vec![
                ("to", f.a_member_id.to_string()),
                ("password", common::PASSWORD.into()),
            ]
        },
    },
    Protected {
        endpoint: "invitations/invite",
        needs: Some(Permission::ManageInvitations),
        args: |f| {
            vec![
                ("invite[addresses][0]", "intruder@example.com".into()),
                ("invite[role]", f.a_member_role.to_string()),
            ]
        },
    },
    Protected {
        endpoint: "invitations/resend",
        needs: Some(Permission::ManageInvitations),
        args: |f| vec![("ids[0]", f.a_invitation_id.to_string())],
    },
    Protected {
        endpoint: "invitations/withdraw",
        needs: Some(Permission::ManageInvitations),
        args: |f| vec![("ids[0]", f.a_invitation_id.to_string())],
    },
    Protected {
        endpoint: "invitations/delete",
        needs: Some(Permission::ManageInvitations),
        args: |f| vec![("ids[0]", f.a_invitation_id.to_string())],
    },
    Protected {
        endpoint: "users/count",
        needs: Some(Permission::ViewUsers),
        args: |_| vec![("query[tab]", "all".into())],
    },
    Protected {
        endpoint: "users/bulk/preview",
        needs: Some(Permission::ManageUsers),
        args: |f| {
            vec![
                ("selection[ids][0]", f.a_member_id.to_string()),
                ("action[kind]", "change_role".into()),
                ("action[role]", f.a_admin_role.to_string()),
            ]
        },
    },
    Protected {
        endpoint: "users/bulk/apply",
        needs: Some(Permission::ManageUsers),
        args: |f| {
            vec![
                ("selection[ids][0]", f.a_member_id.to_string()),
                ("action[kind]", "deactivate".into()),
            ]
        },
    },
    Protected {
        endpoint: "users/bulk/undo",
        needs: Some(Permission::ManageUsers),
        args: |_| vec![("change", "1".into())],
    },
    Protected {
        endpoint: "users/changes",
        needs: Some(Permission::ManageUsers),
        args: |_| vec![],
    },
    Protected {
        endpoint: "settings/get",
        needs: Some(Permission::ManageSettings),
        args: |_| vec![],
    },
    Protected {
        endpoint: "settings/mail",
        needs: Some(Permission::ManageSettings),
        args: |_| vec![],
    },
    Protected {
        endpoint: "settings/resend_confirmation",
        needs: None,
        args: |_| vec![],
    },
    Protected {
        endpoint: "settings/save",
        needs: Some(Permission::ManageSettings),
        args: |_| {
            vec![
                ("settings[company_name]", "Hacked Co".into()),
                ("settings[invitation_validity_days]", "90".into()),
            ]
        },
    },
    Protected {
        endpoint: "profile/user_devices",
        needs: Some(Permission::ManageUsers),
        args: |f| vec![("user", f.a_member_id.to_string())],
    },
    Protected {
        endpoint: "profile/end_user_sessions",
        needs: Some(Permission::ManageUsers),
        args: |f| vec![("user", f.a_member_id.to_string())],
    },
    Protected {
        endpoint: "approvals/count",
        needs: Some(Permission::ManageUsers),
        args: |_| vec![],
    },
    Protected {
        endpoint: "approvals/approve",
        needs: Some(Permission::ManageUsers),
        args: |f| {
            vec![
                ("approval[selection][ids][0]", f.a_member_id.to_string()),
                ("approval[role]", f.a_admin_role.to_string()),
            ]
        },
    },
    Protected {
        endpoint: "approvals/reject",
        needs: Some(Permission::ManageUsers),
        args: |f| vec![("selection[ids][0]", f.a_member_id.to_string())],
    },
    Protected {
        endpoint: "teams/list",
        needs: Some(Permission::ViewUsers),
        args: |_| vec![],
    },
    Protected {
        endpoint: "teams/get",
        needs: Some(Permission::ViewUsers),
        args: |f| vec![("id", f.a_team_id.to_string())],
    },
    Protected {
        endpoint: "teams/create",
        needs: Some(Permission::ManageTeams),
        args: |_| vec![("name", "Intruders".into())],
    },
    Protected {
        endpoint: "teams/rename",
        needs: Some(Permission::ManageTeams),
        args: |f| vec![("id", f.a_team_id.to_string()), ("name", "Hacked".into())],
    },
    Protected {
        endpoint: "teams/delete",
        needs: Some(Permission::ManageTeams),
        args: |f| vec![("id", f.a_team_id.to_string())],
    },
    Protected {
        endpoint: "teams/add_members",
        needs: Some(Permission::ManageTeams),
        args: |f| {
            vec![
                ("id", f.a_team_id.to_string()),
                ("users[0]", f.a_member_id.to_string()),
            ]
        },
    },
    Protected {
        endpoint: "accounts/tree",
        needs: Some(Permission::ManageAccounts),
        args: |_| vec![],
    },
    Protected {
        endpoint: "accounts/create",
        needs: Some(Permission::ManageAccounts),
        args: |f| {
            vec![
                ("parent", f.a_root_account.to_string()),
                ("name", "Intruders".into()),
            ]
        },
    },
    Protected {
        endpoint: "accounts/rename",
        needs: Some(Permission::ManageAccounts),
        args: |f| vec![("id", f.a_sub_account.to_string()), ("name", "Hacked".into())],
    },
    Protected {
        endpoint: "accounts/move",
        needs: Some(Permission::ManageAccounts),
        args: |f| {
            vec![
                ("id", f.a_sub_account.to_string()),
                ("parent", f.a_sub_account.to_string()),
            ]
        },
    },
    Protected {
        endpoint: "accounts/delete",
        needs: Some(Permission::ManageAccounts),
        args: |f| vec![("id", f.a_sub_account.to_string())],
    },
    Protected {
        endpoint: "teams/remove_members",
        needs: Some(Permission::ManageTeams),
        args: |f| {
            vec![
                ("id", f.a_team_id.to_string()),
                ("users[0]", f.a_member_id.to_string()),
            ]
        },
    },
    Protected {
        endpoint: "users/access/preview",
        needs: Some(Permission::ManageUsers),
        args: |f| {
            vec![
                ("id", f.a_member_id.to_string()),
                ("role", f.a_member_role.to_string()),
                ("accounts[0]", f.a_root_account.to_string()),
            ]
        },
    },
    Protected {
        endpoint: "users/access/grant",
        needs: Some(Permission::ManageUsers),
        args: |f| {
            vec![
                ("id", f.a_member_id.to_string()),
                ("role", f.a_member_role.to_string()),
                ("accounts[0]", f.a_root_account.to_string()),
            ]
        },
    },
    Protected {
        endpoint: "roles/list",
        needs: Some(Permission::ManageRoles),
        args: |_| vec![],
    },
    Protected {
        endpoint: "roles/create",
        needs: Some(Permission::ManageRoles),
        args: |_| {
            vec![
                ("name", "Intruders".into()),
                ("permissions[0]", "ManageSettings".into()),
            ]
        },
    },
    Protected {
        endpoint: "users/access/remove",
        needs: Some(Permission::ManageUsers),
        args: |f| {
            vec![
                ("id", f.a_member_id.to_string()),
                ("account", f.a_root_account.to_string()),
            ]
        },
    },
    Protected {
        endpoint: "roles/update",
        needs: Some(Permission::ManageRoles),
        args: |f| {
            vec![
                ("id", f.a_member_role.to_string()),
                ("name", "Hacked".into()),
                ("permissions[0]", "ManageSettings".into()),
            ]
        },
    },
    Protected {
        endpoint: "roles/delete",
        needs: Some(Permission::ManageRoles),
        args: |f| {
            vec![
                ("id", f.a_member_role.to_string()),
                ("move_to", f.a_admin_role.to_string()),
            ]
        },
    },
];

/// Company A (with an owner, a member and a pending invitation) and company B (with its owner).
struct Fixture {
    a_owner_email: String,
    a_member_id: i64,
    a_member_email: String,
    a_member_role: i64,
    a_admin_role: i64,
    a_member_cookie: String,
    a_invitation_id: i64,
    b_owner_cookie: String,
    a_owner_id: i64,
    /// Company A's team "A Team", whose one member is the member.
    a_team_id: i64,
    /// Company A's root account, and its sub-account "A Branch" (empty).
    a_root_account: i64,
    a_sub_account: i64,
}

async fn fixture(app: &TestApp) -> Fixture {
    let a_owner_email = email("a-owner");
    app.sign_up("Company A", "Alice A", &a_owner_email).await;
    let member = email("a-member");
    let a_member_id = app
        .add_user(&a_owner_email, "Mel Member", &member, "member")
        .await;
    let a_member_cookie = app.session_of(&member).await;
    let b_owner_cookie = app.sign_up("Company B", "Bob B", &email("b-owner")).await;
    let a_member_role = app.role_id(&a_owner_email, "member").await;
    let a_owner_cookie = app.session_of(&a_owner_email).await;
    let invited = app
        .invite(&a_owner_cookie, &["a-invitee@example.com"], a_member_role)
        .await;
    assert_eq!(
        invited.json()["invited"],
        serde_json::json!(["a-invitee@example.com"])
    );
    let team = app
        .call("teams/create", &[("name", "A Team")], Some(&a_owner_cookie))
        .await;
    let a_team_id = team.json().as_i64().expect("company A's team");
    let member_id = a_member_id.to_string();
    let added = app
        .call(
            "teams/add_members",
            &[("id", &a_team_id.to_string()), ("users[0]", &member_id)],
            Some(&a_owner_cookie),
        )
        .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    let a_root_account = app.root_account(&a_owner_email).await;
    let branch = app
        .call(
            "accounts/create",
            &[("parent", &a_root_account.to_string()), ("name", "A Branch")],
            Some(&a_owner_cookie),
        )
        .await;
    let a_sub_account = branch.json().as_i64().expect("company A's sub-account");
    Fixture {
        a_root_account,
        a_sub_account,
        a_owner_id: app.user_id(&a_owner_email).await,
        a_team_id,
        a_member_role,
        a_invitation_id: app
            .count("SELECT id FROM invitations WHERE email = 'a-invitee@example.com'")
            .await,
        a_admin_role: app.role_id(&a_owner_email, "admin").await,
        a_owner_email,
        a_member_id,
        a_member_email: member,
        a_member_cookie,
        b_owner_cookie,
    }
}

#[tokio::test]
async fn every_server_function_is_covered_by_the_harness() {
    let _app = TestApp::spawn().await; // builds the router, which registers the functions
    let mut missing = Vec::new();
    for (path, _) in server_fn::axum::server_fn_paths() {
        let covered = PUBLIC.contains(&path)
            || PROTECTED.iter().any(|p| path == format!("/api/{}", p.endpoint))
            || SELF_SERVICE.iter().any(|e| path == format!("/api/{e}"));
        if !covered {
            missing.push(path);
        }
    }
    assert!(
        missing.is_empty(),
        "add these server functions to the refusal harness: {missing:?}"
    );
}

#[tokio::test]
async fn protected_server_functions_refuse_signed_out_callers() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    for p in PROTECTED {
        let r = p.call(&app, &f, None).await;
        assert_eq!(
            r.status,
            StatusCode::UNAUTHORIZED,
            "{} answered {}",
            p.endpoint,
            r.body
        );
        assert_eq!(r.json(), serde_json::json!("Unauthenticated"));
    }
}

#[tokio::test]
async fn self_service_server_functions_refuse_signed_out_callers() {
    let app = TestApp::spawn().await;
    for endpoint in SELF_SERVICE {
        let r = app.call(endpoint, &self_service_args(), None).await;
        assert_eq!(
            r.status,
            StatusCode::UNAUTHORIZED,
            "{endpoint} answered {}",
            r.body
        );
        assert_eq!(r.json(), serde_json::json!("Unauthenticated"));
    }
}

/// Arguments that satisfy every self-service function (each ignores those it does not take).
fn self_service_args() -> Vec<(&'static str, &'static str)> {
    vec![
        ("details[name]", "Intruder"),
        ("details[locale]", "en"),
        ("details[time_zone]", "UTC"),
        ("new_email", "intruder@example.com"),
        ("current_password", common::PASSWORD),
        ("new_password", "Marmalade-Canyon-77-Heron"),
        ("session", "1"),
        ("prefs[desktop]", "false"),
        ("module", "module.payments"),
        ("theme", "dark"),
    ]
}

#[tokio::test]
async fn protected_server_functions_refuse_the_least_privileged_role() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    for p in PROTECTED {
        let r = p.call(&app, &f, Some(&f.a_member_cookie)).await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "{} answered {}",
            p.endpoint,
            r.body
        );
        assert_eq!(r.json(), serde_json::json!("Forbidden"));
    }
}

/// Signs in a new user of company A holding, on the root account, a custom role granting
/// exactly `permissions`.
async fn holder_of(app: &TestApp, f: &Fixture, name: &str, permissions: &[Permission]) -> String {
    let keys = permissions.iter().map(|p| p.key()).collect::<Vec<_>>().join(" ");
    let role = app.custom_role(&f.a_owner_email, name, &keys).await;
    let address = email("holder");
    let user = app.add_user(&f.a_owner_email, name, &address, "member").await;
    app.place(user, &[(f.a_root_account, role)]).await;
    app.session_of(&address).await
}

#[tokio::test]
async fn each_protected_server_function_admits_exactly_the_roles_holding_its_permission() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    let admin_email = email("a-admin");
    app.add_user(&f.a_owner_email, "Adam Admin", &admin_email, "admin")
        .await;
    let admin = app.session_of(&admin_email).await;
    let mut only = std::collections::HashMap::new();
    let mut all_but = std::collections::HashMap::new();
    for p in Permission::ALL {
        only.insert(p, holder_of(&app, &f, &format!("Only {}", p.label()), &[p]).await);
        let rest: Vec<Permission> = Permission::ALL.into_iter().filter(|&q| q != p).collect();
        all_but.insert(
            p,
            holder_of(&app, &f, &format!("All but {}", p.label()), &rest).await,
        );
    }
    let refused =
        |r: &common::Response| r.status == StatusCode::FORBIDDEN || r.status == StatusCode::UNAUTHORIZED;
    for p in PROTECTED {
        // An earlier call may have made the member an Admin, whom only the owner may change.
        app.sql(&format!(
            "UPDATE role_assignments SET role_id = {} WHERE user_id = {}",
            f.a_member_role, f.a_member_id
        ))
        .await;
        let by_admin = p.call(&app, &f, Some(&admin)).await;
        let Some(needs) = p.needs else {
            assert_eq!(
                by_admin.status,
                StatusCode::FORBIDDEN,
                "{} is the owner's alone",
                p.endpoint
            );
            continue;
        };
        assert!(
            !refused(&by_admin),
            "{} refused an admin: {}",
            p.endpoint,
            by_admin.body
        );
        app.sql(&format!(
            "UPDATE role_assignments SET role_id = {} WHERE user_id = {}",
            f.a_member_role, f.a_member_id
        ))
        .await;
        let holder = p.call(&app, &f, Some(&only[&needs])).await;
        assert!(
            !refused(&holder),
            "{} refused a custom role holding {needs:?}: {}",
            p.endpoint,
            holder.body
        );
        let lacking = p.call(&app, &f, Some(&all_but[&needs])).await;
        assert_eq!(
            lacking.status,
            StatusCode::FORBIDDEN,
            "{} admitted a custom role with everything but {needs:?}: {}",
            p.endpoint,
            lacking.body
        );
    }
}

#[tokio::test]
async fn protected_server_functions_never_reach_another_companys_data() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    for p in PROTECTED {
        let r = p.call(&app, &f, Some(&f.b_owner_cookie)).await;
        assert!(
            !r.body.contains(&f.a_owner_email)
                && !r.body.contains(&f.a_member_email)
                && !r.body.contains("Company A"),
            "{} leaked company A's data to company B: {}",
            p.endpoint,
            r.body
        );
    }
    // ... and changed nothing of company A.
    let member: (String, String) = sqlx::query_as("SELECT name, status FROM users WHERE id = $1")
        .bind(f.a_member_id)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(member, ("Mel Member".to_string(), "active".to_string()));
    let a_role: i64 = sqlx::query_scalar("SELECT role_id FROM role_assignments WHERE user_id = $1")
        .bind(f.a_member_id)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(a_role, f.a_member_role);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE email = 'intruder@example.com'")
            .await,
        0
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM invitations WHERE email = 'intruder@example.com'")
            .await,
        0
    );
    let invitation: (String, i64) = sqlx::query_as("SELECT status, sent_at FROM invitations WHERE id = $1")
        .bind(f.a_invitation_id)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(invitation.0, "pending", "company B withdrew nothing of A");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM companies WHERE name = 'Company A' AND invitation_validity_days = 7")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE to_email = 'a-invitee@example.com'")
            .await,
        1,
        "company B resent nothing of A"
    );
    let team: (String, i64) = sqlx::query_as(
        "SELECT t.name, (SELECT COUNT(*) FROM team_members tm WHERE tm.team_id = t.id) FROM teams t WHERE t.id = $1",
    )
    .bind(f.a_team_id)
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    assert_eq!(
        team,
        ("A Team".to_string(), 1),
        "company B renamed, deleted, joined or emptied no team of A"
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM roles WHERE company_id = (SELECT company_id FROM roles WHERE id = {}) AND name IN ('Owner', 'Admin', 'Member')",
            f.a_member_role
        ))
        .await,
        3,
        "company B renamed or deleted no role of A"
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM roles WHERE name = 'Intruders' AND company_id = (SELECT company_id FROM roles WHERE id = {})",
            f.a_member_role
        ))
        .await,
        0,
        "company B made no role in A"
    );
    let accounts: Vec<(String, Option<i64>)> = sqlx::query_as(
        "SELECT a.name, a.parent_id FROM accounts a JOIN companies c ON c.id = a.company_id
         WHERE c.name = 'Company A' ORDER BY a.id",
    )
    .fetch_all(&app.state.db)
    .await
    .unwrap();
    assert_eq!(
        accounts,
        [
            ("Company A".to_string(), None),
            ("A Branch".to_string(), Some(f.a_root_account))
        ],
        "company B created, renamed, moved or deleted no account of A"
    );
}

#[tokio::test]
async fn the_owner_sees_themselves_as_owner_in_the_users_list() {
    let app = TestApp::spawn().await;
    let owner = email("owner");
    let cookie = app.sign_up("Initech", "Peter Gibbons", &owner).await;
    let page = app.list(&cookie, &[]).await;
    let users = page["users"].as_array().unwrap();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0]["email"], owner.as_str());
    assert_eq!(users[0]["role"], "Owner");
    assert_eq!(users[0]["status"], "Active");
    assert!(
        users[0]["last_seen_at"].as_i64().is_some(),
        "signing up counts as being seen"
    );
}

#[tokio::test]
async fn the_users_list_of_one_company_is_invisible_to_another() {
    let app = TestApp::spawn().await;
    let a_owner = email("a");
    let a = app.sign_up("Company A", "Alice", &a_owner).await;
    app.add_user(&a_owner, "Mel", &email("mel"), "member").await;
    let b_owner = email("b");
    let b = app.sign_up("Company B", "Bob", &b_owner).await;

    let a_page = app.list(&a, &[]).await;
    let b_page = app.list(&b, &[]).await;
    let emails = TestApp::listed_emails;
    assert_eq!(emails(&a_page).len(), 2);
    assert_eq!(emails(&b_page), vec![b_owner]);
}

#[tokio::test]
async fn a_signed_out_visitor_is_sent_to_sign_in_with_a_way_back() {
    let app = TestApp::spawn().await;
    let r = app.request("GET", "/users", &[], None, None).await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    assert_eq!(r.headers["location"], "/login?next=/users");
}

#[tokio::test]
async fn the_users_page_is_rendered_on_the_server_for_the_owner() {
    let app = TestApp::spawn().await;
    let cookie = app.sign_up("Initech", "Peter Gibbons", &email("owner")).await;
    let r = app.request("GET", "/users", &[], Some(&cookie), None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("<table"), "a real table");
    assert!(r.body.contains("Peter Gibbons"));
    assert!(r.body.contains("Initech"));
}

#[tokio::test]
async fn an_unknown_page_is_a_404() {
    let app = TestApp::spawn().await;
    let r = app.request("GET", "/no-such-page", &[], None, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("Page not found"));
}

#[tokio::test]
async fn a_malformed_server_function_call_is_a_400_not_a_500() {
    let app = TestApp::spawn().await;
    let cookie = app.sign_up("Initech", "Peter", &email("owner")).await;
    let r = app
        .call("users/list", &[("query[per_page]", "lots")], Some(&cookie))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.json()["BadRequest"].is_string());
}

/// Server functions that act on one person, with arguments aimed at `target`. Each must refuse
/// a caller who is not above the target (the hierarchy rule) and change nothing.
type OnAUser = (&'static str, fn(&Fixture, i64) -> Vec<(&'static str, String)>);

const ON_A_USER: &[OnAUser] = &[
    ("users/update", |_, t| {
        vec![
            ("edit[id]", t.to_string()),
            ("edit[version]", "0".into()),
            ("edit[name]", "Hacked".into()),
            ("edit[email]", "hacked@example.com".into()),
        ]
    }),
    ("users/change_role", |f, t| {
        vec![("id", t.to_string()), ("role", f.a_member_role.to_string())]
    }),
    ("users/set_teams", |_, t| vec![("id", t.to_string())]),
    ("users/deactivate", |_, t| vec![("id", t.to_string())]),
    ("users/reactivate", |_, t| vec![("id", t.to_string())]),
    ("users/resend_setup", |_, t| vec![("id", t.to_string())]),
    ("users/delete", |_, t| {
        vec![("id", t.to_string()), ("confirm_email", "whoever".into())]
    }),
    ("users/access/preview", |f, t| {
        vec![
            ("id", t.to_string()),
            ("role", f.a_member_role.to_string()),
            ("accounts[0]", f.a_sub_account.to_string()),
        ]
    }),
    ("users/access/grant", |f, t| {
        vec![
            ("id", t.to_string()),
            ("role", f.a_member_role.to_string()),
            ("accounts[0]", f.a_sub_account.to_string()),
        ]
    }),
    ("users/access/remove", |f, t| {
        vec![("id", t.to_string()), ("account", f.a_root_account.to_string())]
    }),
    ("profile/user_devices", |_, t| vec![("user", t.to_string())]),
    ("profile/end_user_sessions", |_, t| vec![("user", t.to_string())]),
    ("teams/add_members", |f, t| {
        vec![("id", f.a_team_id.to_string()), ("users[0]", t.to_string())]
    }),
    ("teams/remove_members", |f, t| {
        vec![("id", f.a_team_id.to_string()), ("users[0]", t.to_string())]
    }),
    ("users/bulk/apply", |_, t| {
        vec![
            ("selection[ids][0]", t.to_string()),
            ("action[kind]", "deactivate".into()),
        ]
    }),
    ("users/bulk/preview", |f, t| {
        vec![
            ("selection[ids][0]", t.to_string()),
            ("action[kind]", "change_role".into()),
            ("action[role]", f.a_member_role.to_string()),
        ]
    }),
];

/// Functions that take a user id but only read what the caller may already see, or act only
/// on people who hold nothing yet (join requests awaiting approval), or are the owner's alone.
const USER_ID_EXEMPT: &[&str] = &[
    "users/get",
    "users/transfer_ownership",
    "approvals/approve",
    "approvals/reject",
];

/// Everything about a person a refused call must leave as it was.
async fn fingerprint(app: &TestApp, user: i64) -> String {
    let row: (String, String, String, i64) =
        sqlx::query_as("SELECT name, email, status, version FROM users WHERE id = $1")
            .bind(user)
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    let counts = [
        format!("SELECT COUNT(*) FROM sessions WHERE user_id = {user}"),
        format!("SELECT COUNT(*) FROM team_members WHERE user_id = {user}"),
        format!("SELECT COUNT(*) FROM role_assignments WHERE user_id = {user}"),
        format!("SELECT CAST(COALESCE(SUM(role_id * account_id), 0) AS BIGINT) FROM role_assignments WHERE user_id = {user}"),
        format!("SELECT COUNT(*) FROM account_tokens WHERE user_id = {user}"),
    ];
    let mut out = format!("{row:?}");
    for sql in counts {
        out += &format!(" {}", app.count(&sql).await);
    }
    out
}

#[tokio::test]
async fn every_server_function_taking_a_user_id_is_on_the_hierarchy_axis() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    let ids = [f.a_member_id.to_string(), f.a_owner_id.to_string()];
    // The argument names that carry a user id ("id" only under users/).
    let user_keys = [
        "user",
        "to",
        "edit[id]",
        "users[0]",
        "selection[ids][0]",
        "approval[selection][ids][0]",
    ];
    for p in PROTECTED {
        let takes_a_user = (p.args)(&f).iter().any(|(key, value)| {
            ids.contains(value)
                && (user_keys.contains(key) || (*key == "id" && p.endpoint.starts_with("users/")))
        });
        if takes_a_user {
            assert!(
                ON_A_USER.iter().any(|(e, _)| *e == p.endpoint) || USER_ID_EXEMPT.contains(&p.endpoint),
                "{} takes a user id: add it to ON_A_USER (or say why it is exempt)",
                p.endpoint
            );
        }
    }
}

#[tokio::test]
async fn server_functions_acting_on_a_user_refuse_a_lower_role_against_a_higher_one_and_change_nothing() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    let admin_email = email("a-admin");
    let admin = app
        .add_user(&f.a_owner_email, "Adam Admin", &admin_email, "admin")
        .await;
    app.session_of(&admin_email).await;
    let owner_cookie = app.session_of(&f.a_owner_email).await;
    for target in [admin, f.a_owner_id] {
        let added = app
            .call(
                "teams/add_members",
                &[
                    ("id", &f.a_team_id.to_string()),
                    ("users[0]", &target.to_string()),
                ],
                Some(&owner_cookie),
            )
            .await;
        assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    }
    // Everything but the settings: manage users, teams, accounts ... yet less than an Admin.
    let rest: Vec<Permission> = Permission::ALL
        .into_iter()
        .filter(|&p| p != Permission::ManageSettings)
        .collect();
    let lower = holder_of(&app, &f, "Almost admin", &rest).await;
    let admin_cookie = app.session_of(&admin_email).await;
    for (caller, target, who) in [
        (&lower, admin, "a lower role on an Admin"),
        (&lower, f.a_owner_id, "a lower role on the owner"),
        (&admin_cookie, f.a_owner_id, "an Admin on the owner"),
    ] {
        for (endpoint, args) in ON_A_USER {
            let before = fingerprint(&app, target).await;
            let args = args(&f, target);
            let form: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let r = app.call(endpoint, &form, Some(caller)).await;
            let refused = matches!(r.status, StatusCode::FORBIDDEN | StatusCode::CONFLICT)
                || (r.status == StatusCode::OK && r.json()["changed"] == 0);
            assert!(refused, "{endpoint}: {who} answered {} {}", r.status, r.body);
            assert_eq!(
                fingerprint(&app, target).await,
                before,
                "{endpoint}: {who} changed something"
            );
        }
    }
}

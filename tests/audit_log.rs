//! The audit log (`audit/list`): filters alone and combined, keyset pages that stay put while
//! events arrive, scoped viewers, refusals, and free text whose wildcards are literal.

mod common;

use common::{email, TestApp};
use http::StatusCode;

/// A company with its owner, the admin "Ada Admin" and the members "Bob Member" and "Cy
/// Member", and no audit events yet (sign-up's are cleared so each test counts its own).
struct Setup {
    owner_email: String,
    owner: String,
    company: i64,
    owner_id: i64,
    ada: i64,
    bob: i64,
    cy: i64,
    ada_email: String,
}

async fn setup(app: &TestApp) -> Setup {
    let c = app.company("Initech").await;
    let ada_email = email("ada");
    let ada = app
        .add_user(&c.owner_email, "Ada Admin", &ada_email, "admin")
        .await;
    let bob = app
        .add_user(&c.owner_email, "Bob Member", &email("bob"), "member")
        .await;
    let cy = app
        .add_user(&c.owner_email, "Cy Member", &email("cy"), "member")
        .await;
    let company = app
        .count(&format!("SELECT company_id FROM users WHERE id = {ada}"))
        .await;
    app.sql("DELETE FROM audit_events").await;
    Setup {
        owner_id: app.user_id(&c.owner_email).await,
        owner_email: c.owner_email,
        owner: c.owner,
        company,
        ada,
        bob,
        cy,
        ada_email,
    }
}

/// Writes an event behind the server's back, at time `at`; answers its id.
async fn event(
    app: &TestApp,
    company: i64,
    actor: (i64, &str),
    action: &str,
    target: (Option<i64>, &str),
    at: i64,
) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO audit_events (company_id, actor_id, actor_name, action, target_user_id, target_label, created_at, ip, search_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, '192.0.2.1', $8) RETURNING id",
    )
    .bind(company)
    .bind(actor.0)
    .bind(actor.1)
    .bind(action)
    .bind(target.0)
    .bind(target.1)
    .bind(at)
    .bind(roster::server::db::search::event_key(actor.1, target.1, ""))
    .fetch_one(&app.state.db)
    .await
    .unwrap()
}

/// The owner makes `user` an Admin through the app.
async fn make_admin(app: &TestApp, s: &Setup, user: i64) {
    let admin_role = app.role_id(&s.owner_email, "admin").await;
    let r = app
        .call(
            "users/change_role",
            &[("id", &user.to_string()), ("role", &admin_role.to_string())],
            Some(&s.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

/// The page for a view given as `(field, value)` pairs of `AuditQuery`.
async fn list(app: &TestApp, cookie: &str, view: &[(&str, &str)]) -> serde_json::Value {
    let r = list_raw(app, cookie, view).await;
    assert_eq!(r.status, StatusCode::OK, "audit/list {view:?}: {}", r.body);
    r.json()
}

async fn list_raw(app: &TestApp, cookie: &str, view: &[(&str, &str)]) -> common::Response {
    // `("actions[0]", …)` is `query[actions][0]`; an empty view still names the query.
    let mut form: Vec<(String, &str)> = view
        .iter()
        .map(|(k, v)| match k.split_once('[') {
            Some((field, index)) => (format!("query[{field}][{index}"), *v),
            None => (format!("query[{k}]"), *v),
        })
        .collect();
    if view.is_empty() {
        form.push(("query[limit]".into(), "0"));
    }
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    app.call("audit/list", &form, Some(cookie)).await
}

fn ids(page: &serde_json::Value) -> Vec<i64> {
    page["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn each_filter_alone_and_combined_keeps_exactly_the_matching_events_newest_first() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    let root = app.root_account(&s.owner_email).await;
    let branch = app.sub_account(root, "Branch").await;
    let member_role = app.role_id(&s.owner_email, "member").await;
    app.place(s.cy, &[(branch, member_role)]).await;
    let ada = (s.ada, "Ada Admin");
    let owner = (s.owner_id, "Olivia Owner");
    let e1 = event(
        &app,
        s.company,
        ada,
        "user.role_changed",
        (Some(s.bob), "bob@x"),
        1000,
    )
    .await;
    let e2 = event(
        &app,
        s.company,
        ada,
        "user.deactivated",
        (Some(s.cy), "cy@x"),
        2000,
    )
    .await;
    let e3 = event(
        &app,
        s.company,
        owner,
        "user.role_changed",
        (Some(s.cy), "cy@x"),
        3000,
    )
    .await;
    let e4 = event(&app, s.company, owner, "team.created", (None, "Sales"), 4000).await;
    let (ada_id, bob_id, cy_id) = (s.ada.to_string(), s.bob.to_string(), s.cy.to_string());
    let (root_id, branch_id) = (root.to_string(), branch.to_string());
    let o = &s.owner;

    assert_eq!(ids(&list(&app, o, &[]).await), [e4, e3, e2, e1]);
    // Alone.
    assert_eq!(ids(&list(&app, o, &[("actor", &ada_id)]).await), [e2, e1]);
    assert_eq!(
        ids(&list(&app, o, &[("actions[0]", "user.role_changed")]).await),
        [e3, e1]
    );
    assert_eq!(
        ids(&list(
            &app,
            o,
            &[
                ("actions[0]", "user.role_changed"),
                ("actions[1]", "user.deactivated")
            ]
        )
        .await),
        [e3, e2, e1]
    );
    assert_eq!(
        ids(&list(&app, o, &[("actions[0]", "user.role_changed"), ("not", "true")]).await),
        [e4, e2]
    );
    assert_eq!(ids(&list(&app, o, &[("target", &cy_id)]).await), [e3, e2]);
    assert_eq!(ids(&list(&app, o, &[("target", &bob_id)]).await), [e1]);
    assert_eq!(ids(&list(&app, o, &[("account", &branch_id)]).await), [e3, e2]);
    assert_eq!(ids(&list(&app, o, &[("account", &root_id)]).await), [e3, e2, e1]);
    assert_eq!(
        ids(&list(&app, o, &[("from", "2000"), ("until", "4000")]).await),
        [e3, e2]
    );
    assert_eq!(ids(&list(&app, o, &[("search", "sales")]).await), [e4]);
    assert_eq!(ids(&list(&app, o, &[("search", "ADA ADMIN")]).await), [e2, e1]);
    assert_eq!(ids(&list(&app, o, &[("search", "Cy Member")]).await), [e3, e2]);
    assert_eq!(ids(&list(&app, o, &[("search", "deactivated")]).await), [e2]);
    // Combined: the intersection.
    assert_eq!(
        ids(&list(
            &app,
            o,
            &[("actor", &ada_id), ("actions[0]", "user.role_changed")]
        )
        .await),
        [e1]
    );
    assert_eq!(
        ids(&list(&app, o, &[("target", &cy_id), ("from", "3000")]).await),
        [e3]
    );
    assert_eq!(
        ids(&list(
            &app,
            o,
            &[
                ("target", &cy_id),
                ("actions[0]", "user.role_changed"),
                ("not", "true")
            ]
        )
        .await),
        [e2]
    );
    assert_eq!(
        ids(&list(&app, o, &[("account", &branch_id), ("search", "olivia")]).await),
        [e3]
    );
    assert!(ids(&list(
        &app,
        o,
        &[("actor", &ada_id), ("target", &cy_id), ("until", "2000")]
    )
    .await)
    .is_empty());
}

#[tokio::test]
async fn keyset_pages_stay_put_while_new_events_arrive_and_visit_each_event_once() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    let ada = (s.ada, "Ada Admin");
    let mut all = Vec::new();
    // Ties on the time on purpose: the cursor must break them by id.
    for i in 0..12 {
        all.push(
            event(
                &app,
                s.company,
                ada,
                "user.updated",
                (Some(s.bob), "bob@x"),
                (i / 2) * 10,
            )
            .await,
        );
    }
    all.reverse(); // newest first
    let first = list(&app, &s.owner, &[("limit", "5")]).await;
    assert_eq!(ids(&first), all[0..5]);
    assert!(first["prev"].is_null());
    // Newer events arrive while the first page is read.
    for _ in 0..3 {
        event(
            &app,
            s.company,
            ada,
            "user.updated",
            (Some(s.bob), "bob@x"),
            1_000,
        )
        .await;
    }
    let next = first["next"].as_str().unwrap();
    let second = list(&app, &s.owner, &[("limit", "5"), ("after", next)]).await;
    assert_eq!(ids(&second), all[5..10]);
    let third = list(
        &app,
        &s.owner,
        &[("limit", "5"), ("after", second["next"].as_str().unwrap())],
    )
    .await;
    assert_eq!(ids(&third), all[10..12]);
    assert!(third["next"].is_null());
    // Back from the second page: the same first page, which now has newer events before it.
    let back = list(
        &app,
        &s.owner,
        &[("limit", "5"), ("before", second["prev"].as_str().unwrap())],
    )
    .await;
    assert_eq!(ids(&back), all[0..5]);
    assert!(back["prev"].is_string(), "the new events are a page before");
    // A forged cursor is a clear error, not a 500.
    let r = list_raw(&app, &s.owner, &[("after", "nonsense")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
}

#[tokio::test]
async fn a_scoped_admin_sees_no_event_about_an_outside_user_nor_company_wide_events() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    let root = app.root_account(&s.owner_email).await;
    let branch = app.sub_account(root, "Branch").await;
    let admin_role = app.role_id(&s.owner_email, "admin").await;
    let member_role = app.role_id(&s.owner_email, "member").await;
    // Ada is Admin of the branch only; Cy is inside it, Bob (root) outside.
    app.place(s.ada, &[(root, member_role), (branch, admin_role)])
        .await;
    app.place(s.cy, &[(branch, member_role)]).await;
    let owner = (s.owner_id, "Olivia Owner");
    let inside = event(&app, s.company, owner, "user.updated", (Some(s.cy), "cy@x"), 1000).await;
    event(
        &app,
        s.company,
        owner,
        "user.updated",
        (Some(s.bob), "bob@x"),
        2000,
    )
    .await;
    event(&app, s.company, owner, "team.created", (None, "Sales"), 3000).await;
    event(
        &app,
        s.company,
        owner,
        "user.deleted",
        (None, "Gone (gone@x)"),
        4000,
    )
    .await;
    let ada = app.session_of(&s.ada_email).await;

    assert_eq!(ids(&list(&app, &ada, &[]).await), [inside]);
    let bob_id = s.bob.to_string();
    assert!(ids(&list(&app, &ada, &[("target", &bob_id)]).await).is_empty());
    assert!(ids(&list(&app, &ada, &[("search", "bob")]).await).is_empty());
    // The owner acts from outside her accounts: Ada finds the event by the name it shows, but
    // the owner's email is no search term for her (it would spell it out a letter at a time).
    let owner_mailbox = &s.owner_email[..=s.owner_email.find('@').unwrap()];
    assert_eq!(
        ids(&list(&app, &ada, &[("search", "Olivia Owner")]).await),
        [inside]
    );
    assert!(ids(&list(&app, &ada, &[("search", owner_mailbox)]).await).is_empty());
    assert!(ids(&list(&app, &s.owner, &[("search", owner_mailbox)]).await).contains(&inside));
    // An account outside the scope is refused, not shown empty.
    let r = list_raw(&app, &ada, &[("account", &root.to_string())]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(
        ids(&list(&app, &ada, &[("account", &branch.to_string())]).await),
        [inside]
    );
    // The owner sees them all.
    assert_eq!(ids(&list(&app, &s.owner, &[]).await).len(), 4);
}

#[tokio::test]
async fn a_member_and_a_signed_out_visitor_are_refused() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    event(
        &app,
        s.company,
        (s.ada, "Ada Admin"),
        "user.updated",
        (Some(s.bob), "bob@x"),
        1,
    )
    .await;
    let bob_email: String = sqlx::query_scalar("SELECT email FROM users WHERE id = $1")
        .bind(s.bob)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    let bob = app.session_of(&bob_email).await;
    let r = list_raw(&app, &bob, &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(!r.body.contains("Ada Admin"));
    let r = app.call("audit/list", &[("query[limit]", "0")], None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
}

#[tokio::test]
async fn free_text_takes_percent_and_underscore_literally() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    let owner = (s.owner_id, "Olivia Owner");
    let percent = event(&app, s.company, owner, "team.created", (None, "50% off"), 1).await;
    event(&app, s.company, owner, "team.created", (None, "500 off"), 2).await;
    let underscore = event(&app, s.company, owner, "team.created", (None, "x_y"), 3).await;
    event(&app, s.company, owner, "team.created", (None, "xzy"), 4).await;
    assert_eq!(ids(&list(&app, &s.owner, &[("search", "50%")]).await), [percent]);
    assert_eq!(
        ids(&list(&app, &s.owner, &[("search", "x_y")]).await),
        [underscore]
    );
    assert!(ids(&list(&app, &s.owner, &[("search", "%")]).await) == [percent]);
}

#[tokio::test]
async fn a_role_change_made_in_the_app_is_listed_with_its_actor_words_and_before_and_after() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    make_admin(&app, &s, s.bob).await;
    let page = list(
        &app,
        &s.owner,
        &[
            ("target", &s.bob.to_string()),
            ("actions[0]", "user.role_changed"),
        ],
    )
    .await;
    let events = page["events"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{page}");
    let e = &events[0];
    assert_eq!(e["actor_name"], "Olivia Owner");
    assert_eq!(e["actor_kind"], "Person");
    assert_eq!(e["action"], "user.role_changed");
    assert_eq!(e["target_name"], "Bob Member");
    assert_eq!(e["target_id"], s.bob);
    assert_eq!(e["before"], r#"{"role":"Member"}"#);
    assert_eq!(e["after"], r#"{"role":"Admin"}"#);
    // Once Bob is deleted, the event keeps his name and no longer links to him.
    let bob_email: String = sqlx::query_scalar("SELECT email FROM users WHERE id = $1")
        .bind(s.bob)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    let r = app
        .call(
            "users/delete",
            &[("id", &s.bob.to_string()), ("confirm_email", &bob_email)],
            Some(&s.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let page = list(
        &app,
        &s.owner,
        &[("search", "bob member"), ("actions[0]", "user.role_changed")],
    )
    .await;
    let e = &page["events"][0];
    assert!(e["target_id"].is_null(), "{e}");
    assert_eq!(e["target_label"], format!("Bob Member ({bob_email})"));
}

#[tokio::test]
async fn an_event_names_the_account_its_change_applied_to_and_is_found_by_it_even_once_it_is_gone() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    let root = app.root_account(&s.owner_email).await;
    let r = app
        .call(
            "accounts/create",
            &[("parent", &root.to_string()), ("name", "Acme Éurope")],
            Some(&s.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let europe = r.json().as_i64().unwrap();
    let admin_role = app.role_id(&s.owner_email, "admin").await;
    let r = app
        .call(
            "users/access/grant",
            &[
                ("id", &s.bob.to_string()),
                ("role", &admin_role.to_string()),
                ("accounts[0]", &europe.to_string()),
            ],
            Some(&s.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let granted = [("actions[0]", "user.access_granted")];
    let page = list(&app, &s.owner, &granted).await;
    let e = &page["events"][0];
    assert_eq!(
        (e["account_id"].as_i64(), e["account_name"].as_str()),
        (Some(europe), Some("Acme Éurope")),
        "{e}"
    );
    // The account filter finds it by the event's account (Bob also holds the root account,
    // so the root's filter finds it through him, the new account's only through the event).
    let on_europe = list(&app, &s.owner, &[("account", &europe.to_string()), granted[0]]).await;
    assert_eq!(ids(&on_europe), ids(&page), "{on_europe}");
    // A single role change names the one account the role applies on.
    make_admin(&app, &s, s.cy).await;
    let page = list(
        &app,
        &s.owner,
        &[("target", &s.cy.to_string()), ("actions[0]", "user.role_changed")],
    )
    .await;
    assert_eq!(page["events"][0]["account_id"].as_i64(), Some(root), "{page}");
    // Taken away, then deleted: the events keep the name it had, without a link, and the
    // search finds that name typed without its accent.
    let r = app
        .call(
            "users/access/remove",
            &[("id", &s.bob.to_string()), ("account", &europe.to_string())],
            Some(&s.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app
        .call("accounts/delete", &[("id", &europe.to_string())], Some(&s.owner))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let page = list(&app, &s.owner, &[("search", "ACME EUROPE")]).await;
    let actions: Vec<&str> = page["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert!(e["account_id"].is_null(), "{e}");
            assert_eq!(e["account_name"], "Acme Éurope", "{e}");
            e["action"].as_str().unwrap()
        })
        .collect();
    assert_eq!(
        actions,
        [
            "account.deleted",
            "user.access_removed",
            "user.access_granted",
            "account.created"
        ],
        "{page}"
    );
}

#[tokio::test]
async fn a_deleted_persons_events_are_found_by_their_name_typed_without_accents() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    let zoe_email = email("zoe");
    let zoe = app
        .add_user(&s.owner_email, "Zoë Ångström", &zoe_email, "member")
        .await;
    let r = app
        .call(
            "users/delete",
            &[("id", &zoe.to_string()), ("confirm_email", &zoe_email)],
            Some(&s.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let page = list(&app, &s.owner, &[("search", "zoe angstrom")]).await;
    let labels: Vec<&str> = page["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["target_label"].as_str().unwrap())
        .collect();
    assert!(!labels.is_empty(), "{page}");
    assert!(
        labels.iter().all(|l| *l == format!("Zoë Ångström ({zoe_email})")),
        "{labels:?}"
    );
}

/// The body of a `GET` (the whole stream).
async fn download(app: &TestApp, path: &str, cookie: Option<&str>) -> (StatusCode, String) {
    use http_body_util::BodyExt;
    let headers: Vec<(&str, &str)> = cookie.map(|c| ("cookie", c)).into_iter().collect();
    let r = app.open(path, &headers).await;
    let status = r.status();
    let bytes = r.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

#[tokio::test]
async fn the_export_streams_every_matching_event_with_formula_cells_made_inert_and_is_audited() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    let owner = (s.owner_id, "Olivia Owner");
    // More than one page of the stream (500), and a label a spreadsheet would run.
    for i in 0..1_203 {
        event(
            &app,
            s.company,
            owner,
            "team.created",
            (None, &format!("Team {i}")),
            i,
        )
        .await;
    }
    event(
        &app,
        s.company,
        owner,
        "team.created",
        (None, "=HYPERLINK(\"http://evil\")"),
        5_000,
    )
    .await;
    event(&app, s.company, owner, "team.deleted", (None, "-2+3"), 5_001).await;

    let (status, csv) = download(
        &app,
        "/api/audit/export?format=csv&action=team.created",
        Some(&s.owner),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{csv}");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "id,time,actor_kind,actor,action,action_words,target,account,ip,before,after"
    );
    assert_eq!(
        lines.len(),
        1 + 1_204,
        "the header and every team.created event, once"
    );
    assert!(
        lines[1].contains(r#""'=HYPERLINK(""http://evil"")""#),
        "{}",
        lines[1]
    );
    assert!(lines.last().unwrap().contains(",Team 0,"));
    assert!(!csv.contains("-2+3"), "the filter holds");
    let ids: std::collections::HashSet<&str> =
        lines[1..].iter().map(|l| l.split(',').next().unwrap()).collect();
    assert_eq!(ids.len(), 1_204);

    let (status, jsonl) = download(&app, "/api/audit/export?format=jsonl&q=-2%2B3", Some(&s.owner)).await;
    assert_eq!(status, StatusCode::OK, "{jsonl}");
    let events: Vec<serde_json::Value> = jsonl.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["target_label"], "-2+3");

    // Each export is an event of its own, naming the view it exported.
    let exported = list(&app, &s.owner, &[("actions[0]", "audit_log.exported")]).await;
    let exported = exported["events"].as_array().unwrap();
    assert_eq!(exported.len(), 2);
    assert_eq!(exported[0]["target_label"], "JSON Lines");
    assert_eq!(exported[1]["after"], r#"{"view":"action=team.created"}"#);
}

#[tokio::test]
async fn the_export_refuses_whom_the_page_refuses_and_keeps_a_scoped_viewer_to_their_accounts() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    let root = app.root_account(&s.owner_email).await;
    let branch = app.sub_account(root, "Branch").await;
    let admin_role = app.role_id(&s.owner_email, "admin").await;
    let member_role = app.role_id(&s.owner_email, "member").await;
    app.place(s.ada, &[(root, member_role), (branch, admin_role)])
        .await;
    app.place(s.cy, &[(branch, member_role)]).await;
    let owner = (s.owner_id, "Olivia Owner");
    event(
        &app,
        s.company,
        owner,
        "user.updated",
        (Some(s.cy), "inside@x"),
        1,
    )
    .await;
    event(
        &app,
        s.company,
        owner,
        "user.updated",
        (Some(s.bob), "outside@x"),
        2,
    )
    .await;

    let (status, _) = download(&app, "/api/audit/export", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let bob_email: String = sqlx::query_scalar("SELECT email FROM users WHERE id = $1")
        .bind(s.bob)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    let bob = app.session_of(&bob_email).await;
    let (status, body) = download(&app, "/api/audit/export", Some(&bob)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(!body.contains("inside@x"));

    let ada = app.session_of(&s.ada_email).await;
    // A link on another site, followed by Ada's browser with her cookie: refused, unrecorded.
    let r = app
        .open(
            "/api/audit/export",
            &[("cookie", ada.as_str()), ("sec-fetch-site", "cross-site")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let (status, csv) = download(&app, "/api/audit/export", Some(&ada)).await;
    assert_eq!(status, StatusCode::OK, "{csv}");
    assert!(csv.contains("inside@x") && !csv.contains("outside@x"), "{csv}");
    let (status, _) = download(&app, &format!("/api/audit/export?account={root}"), Some(&ada)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // A refused export records nothing; the two refused callers neither.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'audit_log.exported'")
            .await,
        1
    );
}

/// `audit/new`: how many events of a view are newer than `since` (the cursor of the newest
/// event a page shows), for the "N new events" banner.
async fn count_new_raw(
    app: &TestApp,
    cookie: Option<&str>,
    view: &[(&str, &str)],
    since: Option<&str>,
) -> common::Response {
    let mut form: Vec<(String, &str)> = view
        .iter()
        .map(|(k, v)| match k.split_once('[') {
            Some((field, index)) => (format!("query[{field}][{index}"), *v),
            None => (format!("query[{k}]"), *v),
        })
        .collect();
    form.push(("query[limit]".into(), "0"));
    if let Some(since) = since {
        form.push(("since".into(), since));
    }
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    app.call("audit/new", &form, cookie).await
}

async fn count_new(app: &TestApp, cookie: &str, view: &[(&str, &str)], since: Option<&str>) -> u64 {
    let r = count_new_raw(app, Some(cookie), view, since).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "audit/new {view:?} since {since:?}: {}",
        r.body
    );
    r.json().as_u64().expect("a count")
}

#[tokio::test]
async fn the_new_events_count_counts_the_views_events_newer_than_the_newest_shown() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    let owner = (s.owner_id, "Olivia Owner");
    let ada = (s.ada, "Ada Admin");
    event(
        &app,
        s.company,
        owner,
        "user.updated",
        (Some(s.bob), "bob@x"),
        1000,
    )
    .await;
    event(&app, s.company, ada, "team.created", (None, "Sales"), 2000).await;
    let first = list(&app, &s.owner, &[]).await;
    let top = &first["events"][0];
    let since = format!("{}.{}", top["created_at"], top["id"]);
    assert_eq!(count_new(&app, &s.owner, &[], Some(&since)).await, 0);

    // Two arrive: one of them is a user change; one more at the same millisecond as the
    // newest counts too (the order is by time, then id).
    event(&app, s.company, owner, "user.updated", (Some(s.cy), "cy@x"), 3000).await;
    let e4 = event(&app, s.company, ada, "team.created", (None, "Support"), 4000).await;
    assert_eq!(count_new(&app, &s.owner, &[], Some(&since)).await, 2);
    assert_eq!(
        count_new(&app, &s.owner, &[("actions[0]", "user.updated")], Some(&since)).await,
        1
    );
    assert_eq!(
        count_new(&app, &s.owner, &[("actor", &s.ada.to_string())], Some(&since)).await,
        1
    );
    event(
        &app,
        s.company,
        owner,
        "user.updated",
        (Some(s.bob), "bob@x"),
        4000,
    )
    .await;
    assert_eq!(
        count_new(&app, &s.owner, &[], Some(&format!("4000.{e4}"))).await,
        1
    );
    // An empty page counts every event of the view; page cursors in the view are ignored.
    assert_eq!(count_new(&app, &s.owner, &[], None).await, 5);
    assert_eq!(count_new(&app, &s.owner, &[("after", &since)], None).await, 5);

    // However busy the company, the count stops just past the banner's "more than".
    let many = roster::model::AUDIT_NEW_MAX + 20;
    for i in 0..many {
        event(
            &app,
            s.company,
            ada,
            "team.created",
            (None, "Bulk"),
            5000 + i64::from(i),
        )
        .await;
    }
    assert_eq!(
        count_new(&app, &s.owner, &[], Some(&since)).await,
        u64::from(roster::model::AUDIT_NEW_MAX) + 1
    );
    // A forged cursor is a clear error.
    let r = count_new_raw(&app, Some(&s.owner), &[], Some("nonsense")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
}

#[tokio::test]
async fn the_new_events_count_refuses_a_member_and_keeps_a_scoped_viewer_to_their_accounts() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    let root = app.root_account(&s.owner_email).await;
    let branch = app.sub_account(root, "Branch").await;
    let admin_role = app.role_id(&s.owner_email, "admin").await;
    let member_role = app.role_id(&s.owner_email, "member").await;
    // Ada is Admin of the branch only; Cy is inside it, Bob (root) outside.
    app.place(s.ada, &[(root, member_role), (branch, admin_role)])
        .await;
    app.place(s.cy, &[(branch, member_role)]).await;
    let owner = (s.owner_id, "Olivia Owner");
    event(&app, s.company, owner, "user.updated", (Some(s.cy), "cy@x"), 1000).await;
    event(
        &app,
        s.company,
        owner,
        "user.updated",
        (Some(s.bob), "bob@x"),
        2000,
    )
    .await;
    event(&app, s.company, owner, "team.created", (None, "Sales"), 3000).await;
    let ada = app.session_of(&s.ada_email).await;

    // Ada counts only the event about Cy, however the view is asked; the owner all three.
    assert_eq!(count_new(&app, &ada, &[], None).await, 1);
    assert_eq!(count_new(&app, &ada, &[], Some("0.0")).await, 1);
    assert_eq!(
        count_new(&app, &ada, &[("target", &s.bob.to_string())], None).await,
        0
    );
    assert_eq!(count_new(&app, &ada, &[("search", "Sales")], None).await, 0);
    assert_eq!(count_new(&app, &s.owner, &[], None).await, 3);
    // An account outside her scope is refused, as the list refuses it.
    let r = count_new_raw(&app, Some(&ada), &[("account", &root.to_string())], None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);

    // A Member may not count, nor may a signed-out visitor.
    let bob_email: String = sqlx::query_scalar("SELECT email FROM users WHERE id = $1")
        .bind(s.bob)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    let bob = app.session_of(&bob_email).await;
    let r = count_new_raw(&app, Some(&bob), &[], None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = count_new_raw(&app, None, &[], None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
}

#[tokio::test]
async fn a_change_made_in_the_app_is_counted_as_new_for_the_page_that_showed_the_log_before_it() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    event(
        &app,
        s.company,
        (s.ada, "Ada Admin"),
        "team.created",
        (None, "Sales"),
        1000,
    )
    .await;
    let first = list(&app, &s.owner, &[]).await;
    let top = &first["events"][0];
    let since = format!("{}.{}", top["created_at"], top["id"]);
    let r = app
        .call("users/deactivate", &[("id", &s.bob.to_string())], Some(&s.owner))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(count_new(&app, &s.owner, &[], Some(&since)).await, 1);
    assert_eq!(
        count_new(&app, &s.owner, &[("target", &s.cy.to_string())], Some(&since)).await,
        0
    );
}

/// `users/suggest`: the names a person picker offers for `search`.
async fn suggest(app: &TestApp, cookie: &str, search: &str) -> Vec<String> {
    let r = app
        .call("users/suggest", &[("search", search)], Some(cookie))
        .await;
    assert_eq!(r.status, StatusCode::OK, "users/suggest {search:?}: {}", r.body);
    r.json()
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn the_person_picker_suggests_people_by_part_of_a_name_or_email_within_the_callers_scope() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    let root = app.root_account(&s.owner_email).await;
    let branch = app.sub_account(root, "Branch").await;
    let admin_role = app.role_id(&s.owner_email, "admin").await;
    let member_role = app.role_id(&s.owner_email, "member").await;
    assert_eq!(
        suggest(&app, &s.owner, "membe").await,
        ["Bob Member", "Cy Member"]
    );
    let mailbox = &s.ada_email[..s.ada_email.find('@').unwrap()];
    assert_eq!(suggest(&app, &s.owner, mailbox).await, ["Ada Admin"]);
    assert!(suggest(&app, &s.owner, "  ").await.is_empty());
    // Ada, Admin of the branch only, is offered only the people inside it.
    app.place(s.ada, &[(root, member_role), (branch, admin_role)])
        .await;
    app.place(s.cy, &[(branch, member_role)]).await;
    let ada = app.session_of(&s.ada_email).await;
    assert_eq!(suggest(&app, &ada, "membe").await, ["Cy Member"]);
    // A Member is refused.
    let bob_email: String = sqlx::query_scalar("SELECT email FROM users WHERE id = $1")
        .bind(s.bob)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    let bob = app.session_of(&bob_email).await;
    let r = app
        .call("users/suggest", &[("search", "membe")], Some(&bob))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
}

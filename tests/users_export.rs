//! The users table's export (`/api/users/export`): exactly the view on screen across every
//! page, only what the caller may see, formula cells made inert, refusals, a selection by id,
//! the Invited tab's invitations, and an audit event for each export.

mod common;

use common::{email, TestApp};
use http::StatusCode;
use roster::server::db::{self, search, sql::Value};

/// Adds people to `company` behind the server's back: for each `(name, email, status)`, with
/// a phone, a job title and a last-seen time; answers their ids in order.
async fn people(app: &TestApp, company: i64, who: &[(String, String, &str)]) -> Vec<i64> {
    let (_, mut tx) = db::begin_write(&app.state.db).await.unwrap();
    let mut ids = Vec::new();
    for chunk in who.chunks(300) {
        let mut sql = db::sql::Sql::new(
            "INSERT INTO users (company_id, email, name, phone, job_title, status, last_seen_at, created_at, updated_at, search_key) VALUES ",
        );
        for (k, (name, email, status)) in chunk.iter().enumerate() {
            let n = (ids.len() + k) as i64;
            let row: [Value; 10] = [
                company.into(),
                email.as_str().into(),
                name.as_str().into(),
                format!("555 01{n:04}").into(),
                "Engineer".into(),
                (*status).into(),
                (1_700_000_000_000 + n * 60_000).into(),
                (1_600_000_000_000 + (n * 7_919) % 100_000 * 1_000).into(),
                0i64.into(),
                search::person_key(name, email).into(),
            ];
            sql.push(if k == 0 { "(" } else { ", (" }).list(row).push(")");
        }
        sql.push(" RETURNING id");
        ids.extend(sql.scalars::<i64>(&mut *tx).await.unwrap());
    }
    tx.commit().await.unwrap();
    app.state.live.catch_up();
    ids
}

/// A `GET` of the export (`query` after `?`) as `cookie`.
async fn export(app: &TestApp, query: &str, cookie: Option<&str>) -> common::Response {
    app.request("GET", &format!("/api/users/export?{query}"), &[], cookie, None)
        .await
}

/// The selection's export: the view in the query string, the ids posted.
async fn export_selected(app: &TestApp, query: &str, ids: &[i64], cookie: &str) -> common::Response {
    let ids = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let origin = app.public_origin();
    app.request(
        "POST",
        &format!("/api/users/export?{query}"),
        &[("ids", &ids)],
        Some(cookie),
        Some(&origin),
    )
    .await
}

/// The CSV's records, the header first.
fn records(csv: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(csv.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// Column `n` of every record but the header.
fn column(csv: &str, n: usize) -> Vec<String> {
    records(csv).into_iter().skip(1).map(|r| r[n].clone()).collect()
}

/// Every email the users table lists for a view (`users/list` fields), page after page.
async fn listed(app: &TestApp, cookie: &str, view: &[(&str, &str)]) -> Vec<String> {
    let mut emails = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let mut fields: Vec<(&str, &str)> = view.to_vec();
        fields.push(("per_page", "100"));
        if let Some(cursor) = &after {
            fields.push(("after", cursor));
        }
        let page = app.list(cookie, &fields).await;
        emails.extend(TestApp::listed_emails(&page));
        match page["next"].as_str() {
            Some(next) => after = Some(next.to_string()),
            None => return emails,
        }
    }
}

async fn exports_recorded(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'users.exported'")
        .await
}

#[tokio::test]
async fn the_export_is_exactly_the_view_on_every_page_with_its_tab_search_filter_and_sort_and_is_audited() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let company = app.company_of(&c.owner_email).await;
    // 1,300 people called Quill (every tenth deactivated) and 200 others: more than two of
    // the export's pages (500) match, in an order other than the table's default.
    let mut who: Vec<(String, String, &str)> = (0..1_300)
        .map(|n| {
            (
                format!("Quill Person {n:04}"),
                format!("quill{:04}.{n}@initech.example", (n * 37) % 1_300),
                if n % 10 == 0 { "deactivated" } else { "active" },
            )
        })
        .collect();
    who.extend((0..200).map(|n| {
        (
            format!("Other Person {n:03}"),
            format!("other{n:03}@initech.example"),
            "active",
        )
    }));
    let ids = people(&app, company, &who).await;
    // The team "Blue" holds all but every seventh Quill, and some others.
    app.sql(&format!(
        "INSERT INTO teams (company_id, name, created_at, name_key) VALUES ({company}, 'Blue', 0, 'blue')"
    ))
    .await;
    let team = app
        .count(&format!(
            "SELECT id FROM teams WHERE company_id = {company} AND name = 'Blue'"
        ))
        .await;
    let members: Vec<String> = ids
        .iter()
        .enumerate()
        .filter(|(n, _)| n % 7 != 0)
        .map(|(_, id)| format!("({team}, {id})"))
        .collect();
    for chunk in members.chunks(500) {
        app.sql(&format!(
            "INSERT INTO team_members (team_id, user_id) VALUES {}",
            chunk.join(", ")
        ))
        .await;
    }

    let team = team.to_string();
    let view = [
        ("tab", "active"),
        ("search", "quill"),
        ("team", team.as_str()),
        ("sort", "email"),
        ("desc", "true"),
    ];
    let expected = listed(&app, &c.owner, &view).await;
    assert!(expected.len() > 1_000, "{}", expected.len());

    let query = format!("tab=active&q=quill&team={team}&sort=email&dir=desc&per=25&after=ignored");
    let r = export(&app, &query, Some(&c.owner)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.headers["content-type"], "text/csv; charset=utf-8");
    assert_eq!(r.headers["cache-control"], "no-store");
    let today = &roster::model::format::rfc3339(db::now_ms())[..10];
    assert_eq!(
        r.headers["content-disposition"],
        format!("attachment; filename=\"users-{today}.csv\"").as_str()
    );
    let all = records(&r.body);
    assert_eq!(
        all[0],
        [
            "Name",
            "Email",
            "Phone",
            "Job title",
            "Status",
            "Roles",
            "Teams",
            "Created",
            "Last seen"
        ]
    );
    assert_eq!(column(&r.body, 1), expected, "the same rows in the same order");
    let first = &all[1];
    assert_eq!(first[4], "Active");
    assert_eq!(first[6], "Blue");
    assert_eq!(first[3], "Engineer");
    assert!(
        first[7].starts_with("2020-") && first[7].ends_with('Z'),
        "{first:?}"
    );
    assert!(first[8].starts_with("2023-11-"), "{first:?}");

    // Recorded once, with the view (as the table's link has it, from its first page) and the
    // rows written.
    assert_eq!(exports_recorded(&app).await, 1);
    let after: String =
        sqlx::query_scalar("SELECT after_json FROM audit_events WHERE action = 'users.exported'")
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    let after: serde_json::Value = serde_json::from_str(&after).unwrap();
    assert_eq!(
        after["view"],
        format!("tab=active&q=quill&team={team}&sort=email&dir=desc&per=25")
    );
    assert_eq!(after["rows"], expected.len());
    let label: String =
        sqlx::query_scalar("SELECT target_label FROM audit_events WHERE action = 'users.exported'")
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert_eq!(label, format!("{} users", expected.len()));

    // A selection by id: those chosen (and still the owner's to see), in the view's order.
    let chosen = [ids[3], ids[1], ids[1_400], ids[2]];
    let r = export_selected(&app, "tab=active&q=quill&sort=name", &chosen, &c.owner).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        column(&r.body, 0),
        [
            "Other Person 100",
            "Quill Person 0001",
            "Quill Person 0002",
            "Quill Person 0003"
        ]
    );
    assert_eq!(exports_recorded(&app).await, 2);
}

#[tokio::test]
async fn cells_a_spreadsheet_would_run_are_made_inert() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let company = app.company_of(&c.owner_email).await;
    let names = [
        "=cmd|' /C calc'!A0",
        "+1",
        "-2",
        "@x",
        "\tTab",
        "\rReturn",
        "Plain, \"quoted\"",
    ];
    let who: Vec<(String, String, &str)> = names
        .iter()
        .enumerate()
        .map(|(n, name)| (name.to_string(), format!("inert{n}@initech.example"), "active"))
        .collect();
    people(&app, company, &who).await;
    app.sql(
        "UPDATE users SET job_title = '=HYPERLINK(\"http://evil\")' WHERE email = 'inert0@initech.example'",
    )
    .await;

    let r = export(&app, "q=inert&sort=email", Some(&c.owner)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let rows = records(&r.body);
    let name: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(
        name,
        [
            "'=cmd|' /C calc'!A0",
            "'+1",
            "'-2",
            "'@x",
            "'\tTab",
            "'\rReturn",
            "Plain, \"quoted\""
        ]
    );
    assert_eq!(rows[1][3], "'=HYPERLINK(\"http://evil\")");
    // Phones starting with + are numbers to people and formulas to spreadsheets: inert too.
    assert!(rows[1..].iter().all(|r| !r[2].starts_with(['=', '+', '-', '@'])));
    // No cell anywhere starts a formula.
    for row in &rows {
        for cell in row {
            assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "{cell:?}");
        }
    }
}

#[tokio::test]
async fn a_scoped_admin_exports_only_their_people_and_ids_of_others_are_ignored() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let root = app.root_account(&c.owner_email).await;
    let branch = app.sub_account(root, "Branch").await;
    let ada_email = email("ada");
    let ada = app
        .add_user(&c.owner_email, "Ada Admin", &ada_email, "admin")
        .await;
    app.place(ada, &[(branch, c.admin_role)]).await;
    let cy = app
        .add_user(&c.owner_email, "Cy Inside", &email("cy"), "member")
        .await;
    app.place(cy, &[(branch, c.member_role)]).await;
    let bob = app
        .add_user(&c.owner_email, "Bob Outside", &email("bob"), "member")
        .await;
    // Another company, with a person of its own.
    let other = app.company("Globex").await;
    let zed = app
        .add_user(&other.owner_email, "Zed Elsewhere", &email("zed"), "member")
        .await;

    let ada_cookie = app.session_of(&ada_email).await;
    let r = export(&app, "", Some(&ada_cookie)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let names = column(&r.body, 0);
    assert_eq!(names, ["Ada Admin", "Cy Inside"], "{}", r.body);
    assert_eq!(column(&r.body, 5), ["Admin (Branch)", "Member (Branch)"]);

    // "Export selected" with every row of the view selected posts no ids: the view.
    let origin = app.public_origin();
    let r = app
        .request("POST", "/api/users/export", &[], Some(&ada_cookie), Some(&origin))
        .await;
    assert_eq!(column(&r.body, 0), ["Ada Admin", "Cy Inside"], "{}", r.body);

    // Ids outside her scope or company are left out, as if never sent.
    let owner = app.user_id(&c.owner_email).await;
    let r = export_selected(&app, "", &[cy, bob, zed, owner], &ada_cookie).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(column(&r.body, 0), ["Cy Inside"]);
    // Another company's owner, naming this company's people: an empty file.
    let r = export_selected(&app, "", &[cy, bob, ada, owner], &other.owner).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(records(&r.body).len(), 1, "the header alone: {}", r.body);
    assert!(!r.body.contains("Inside") && !r.body.contains("Outside"));
    // And the whole view of the other company's owner holds none of them.
    let r = export(&app, "", Some(&other.owner)).await;
    assert_eq!(column(&r.body, 0), ["Olivia Owner", "Zed Elsewhere"]);
    let recorded: Vec<String> =
        sqlx::query_scalar("SELECT after_json FROM audit_events WHERE action = 'users.exported' ORDER BY id")
            .fetch_all(&app.state.db)
            .await
            .unwrap();
    assert_eq!(recorded.len(), 5);
    assert!(
        recorded[2].contains("\"rows\":1") && recorded[2].contains("\"selected\":4"),
        "{}",
        recorded[2]
    );
    assert!(recorded[3].contains("\"rows\":0"), "{}", recorded[3]);
}

#[tokio::test]
async fn whoever_may_not_see_the_users_table_cannot_export_it_and_nothing_is_recorded() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let bob_email = email("bob");
    let bob = app
        .add_user(&c.owner_email, "Bob Member", &bob_email, "member")
        .await;
    let bob_cookie = app.session_of(&bob_email).await;

    let r = export(&app, "", Some(&bob_cookie)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(!r.body.contains("Olivia"));
    let r = export_selected(&app, "", &[bob], &bob_cookie).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = export(&app, "tab=invited", None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    // A link on another site followed by the owner's browser with her cookie.
    let r = app
        .open(
            "/api/users/export",
            &[("cookie", c.owner.as_str()), ("sec-fetch-site", "cross-site")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // A form posted from another site.
    let r = app
        .request(
            "POST",
            "/api/users/export",
            &[("ids", &bob.to_string())],
            Some(&c.owner),
            Some("http://evil.example"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Malformed or missing ids are refused, not read as "everyone".
    for ids in ["", "1,x"] {
        let origin = app.public_origin();
        let r = app
            .request(
                "POST",
                "/api/users/export",
                &[("ids", ids)],
                Some(&c.owner),
                Some(&origin),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{ids}: {}", r.body);
    }
    assert_eq!(exports_recorded(&app).await, 0);
}

#[tokio::test]
async fn the_invited_tab_exports_its_invitations_with_the_dates_their_status_has() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let (pending, withdrawn, other) = (email("pending"), email("withdrawn"), email("other"));
    let r = app
        .invite(&c.owner, &[&pending, &withdrawn, &other], c.member_role)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    app.sql(&format!(
        "UPDATE invitations SET status = 'withdrawn' WHERE email = '{withdrawn}'"
    ))
    .await;
    app.sql(&format!(
        "UPDATE invitations SET name = '@Pat', invited_by_name = '=Olivia' WHERE email = '{pending}'"
    ))
    .await;

    let r = export(&app, "tab=invited", Some(&c.owner)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let today = &roster::model::format::rfc3339(db::now_ms())[..10];
    assert_eq!(
        r.headers["content-disposition"],
        format!("attachment; filename=\"invitations-{today}.csv\"").as_str()
    );
    let rows = records(&r.body);
    assert_eq!(
        rows[0],
        [
            "Email",
            "Name",
            "Roles",
            "Teams",
            "Invited by",
            "Status",
            "Sent",
            "Expires",
            "Accepted"
        ]
    );
    assert_eq!(rows.len(), 4, "{}", r.body);
    let row = |address: &str| rows.iter().find(|r| r[0] == address).unwrap().clone();
    let p = row(&pending);
    assert_eq!(p[1], "'@Pat");
    assert_eq!(p[2], "Member");
    assert_eq!(p[4], "'=Olivia");
    assert_eq!(p[5], "Pending");
    assert!(
        p[6].starts_with(today) && !p[7].is_empty() && p[8].is_empty(),
        "{p:?}"
    );
    let w = row(&withdrawn);
    assert_eq!(w[5], "Withdrawn");
    assert!(w[7].is_empty(), "a withdrawn invitation no longer expires: {w:?}");

    // A search narrows it, and a selection by id takes only those chosen.
    let r = export(&app, &format!("tab=invited&q={}", &other[..10]), Some(&c.owner)).await;
    assert_eq!(column(&r.body, 0), vec![other.clone()]);
    let id = app
        .count(&format!("SELECT id FROM invitations WHERE email = '{pending}'"))
        .await;
    let r = export_selected(&app, "tab=invited", &[id], &c.owner).await;
    assert_eq!(column(&r.body, 0), vec![pending.clone()]);
    let label: String = sqlx::query_scalar(
        "SELECT target_label FROM audit_events WHERE action = 'users.exported' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    assert_eq!(label, "1 invitation");
}

/// The Awaiting approval tab's "Export selected": the chosen requests, with their status, and
/// no one who was not chosen.
#[tokio::test]
async fn the_awaiting_approval_tab_exports_the_selected_requests_only() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let company = app.company_of(&c.owner_email).await;
    let who: Vec<(String, String, &str)> = vec![
        ("Ada Waiting".into(), email("ada"), "pending_approval"),
        ("Bo Waiting".into(), email("bo"), "pending_approval"),
        ("Cy Active".into(), email("cy"), "active"),
    ];
    let ids = people(&app, company, &who).await;
    let r = export_selected(&app, "tab=awaiting", &[ids[0], ids[1]], &c.owner).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(column(&r.body, 1), vec![who[0].1.clone(), who[1].1.clone()]);
    assert_eq!(column(&r.body, 4), vec!["Pending approval".to_string(); 2]);
    let one = export_selected(&app, "tab=awaiting", &[ids[1]], &c.owner).await;
    assert_eq!(column(&one.body, 1), vec![who[1].1.clone()]);
}

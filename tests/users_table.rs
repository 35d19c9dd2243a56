//! The users table: tabs, search, filters, sorting and keyset pagination.

mod common;

use common::{email, TestApp};
use http::StatusCode;
use std::collections::HashSet;

const SORTS: [&str; 5] = ["name", "email", "status", "last_seen", "created"];

/// A company whose owner is "Aaron Owner", plus `n` users with repeating names, statuses,
/// last-seen and created times (ties on purpose: the cursor must break them by id).
async fn company_with_users(app: &TestApp, n: usize) -> (String, i64) {
    let owner = email("owner");
    let cookie = app.sign_up("Initech", "Aaron Owner", &owner).await;
    let company: i64 = sqlx::query_scalar("SELECT company_id FROM users WHERE email = $1")
        .bind(&owner)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    let statuses = ["active", "deactivated", "pending_approval", "pending_email"];
    for i in 0..n {
        let last_seen = if i % 5 == 0 {
            "NULL".to_string()
        } else {
            ((i % 17) * 1000).to_string()
        };
        app.sql(&format!(
            "INSERT INTO users (company_id, email, name, status, last_seen_at, created_at, updated_at)
             VALUES ({company}, 'user{i:03}@example.com', 'Person {}', '{}', {last_seen}, {}, 0)",
            i % 40,
            statuses[i % 4],
            (i % 23) * 1000
        ))
        .await;
    }
    // Rows written behind the server's back get their search keys as at its start.
    roster::server::db::search::fill_missing(&app.state.db)
        .await
        .unwrap();
    (cookie, company)
}

fn ids(page: &serde_json::Value) -> Vec<i64> {
    page["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn every_sort_and_direction_visits_each_user_exactly_once_forwards_and_backwards() {
    let app = TestApp::spawn().await;
    let (cookie, _) = company_with_users(&app, 236).await; // + the owner = 237
    for sort in SORTS {
        for dir in ["false", "true"] {
            let view = [("sort", sort), ("desc", dir), ("per_page", "25")];
            // Forwards with "next" ...
            let mut pages = Vec::new();
            let mut after: Option<String> = None;
            let mut before: Option<String>;
            loop {
                let mut v = view.to_vec();
                if let Some(a) = &after {
                    v.push(("after", a));
                }
                let page = app.list(&cookie, &v).await;
                pages.push(ids(&page));
                before = page["prev"].as_str().map(str::to_string);
                match page["next"].as_str() {
                    Some(next) => after = Some(next.to_string()),
                    None => break,
                }
            }
            let forwards: Vec<i64> = pages.concat();
            assert_eq!(forwards.len(), 237, "sort {sort} desc {dir}");
            assert_eq!(
                forwards.iter().collect::<HashSet<_>>().len(),
                237,
                "sort {sort} desc {dir}: repeats"
            );
            // ... and backwards with "prev" from the last page gives the same pages.
            let mut backwards = vec![pages.last().unwrap().clone()];
            while let Some(b) = before {
                let mut v = view.to_vec();
                v.push(("before", &b));
                let page = app.list(&cookie, &v).await;
                backwards.push(ids(&page));
                before = page["prev"].as_str().map(str::to_string);
            }
            backwards.reverse();
            assert_eq!(backwards, pages, "sort {sort} desc {dir}: backwards differs");
        }
    }
}

#[tokio::test]
async fn pages_follow_the_sort_order() {
    let app = TestApp::spawn().await;
    let (cookie, _) = company_with_users(&app, 60).await;
    let page = app
        .list(
            &cookie,
            &[("sort", "last_seen"), ("desc", "true"), ("per_page", "100")],
        )
        .await;
    let seen: Vec<i64> = page["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["last_seen_at"].as_i64().unwrap_or(0))
        .collect();
    assert!(seen.windows(2).all(|w| w[0] >= w[1]), "{seen:?}");
    let page = app.list(&cookie, &[("sort", "email"), ("per_page", "100")]).await;
    let emails: Vec<&str> = page["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap())
        .collect();
    assert!(emails.windows(2).all(|w| w[0] <= w[1]), "{emails:?}");
}

#[tokio::test]
async fn tabs_filter_by_status_and_count_the_whole_company() {
    let app = TestApp::spawn().await;
    let (cookie, _) = company_with_users(&app, 40).await;
    let page = app
        .list(&cookie, &[("tab", "deactivated"), ("per_page", "100")])
        .await;
    let users = page["users"].as_array().unwrap();
    assert_eq!(users.len(), 10);
    assert!(users.iter().all(|u| u["status"] == "Deactivated"));
    assert_eq!(page["counts"]["all"], 41);
    assert_eq!(page["counts"]["active"], 11);
    assert_eq!(page["counts"]["deactivated"], 10);
    assert_eq!(page["counts"]["awaiting_approval"], 10);
    let awaiting = app
        .list(&cookie, &[("tab", "awaiting_approval"), ("per_page", "100")])
        .await;
    assert!(awaiting["users"]
        .as_array()
        .unwrap()
        .iter()
        .all(|u| u["status"] == "PendingApproval"));
}

#[tokio::test]
async fn search_matches_part_of_a_name_or_email_in_any_case() {
    let app = TestApp::spawn().await;
    let (cookie, _) = company_with_users(&app, 40).await;
    let by_name = app.list(&cookie, &[("search", "aARON ow")]).await;
    assert_eq!(by_name["users"][0]["name"], "Aaron Owner");
    assert_eq!(by_name["users"].as_array().unwrap().len(), 1);
    let by_email = app
        .list(&cookie, &[("search", "USER01"), ("per_page", "100")])
        .await;
    assert_eq!(by_email["users"].as_array().unwrap().len(), 10); // user010 .. user019
}

#[tokio::test]
async fn search_wildcards_are_taken_literally() {
    let app = TestApp::spawn().await;
    let (cookie, _) = company_with_users(&app, 5).await;
    assert_eq!(
        app.list(&cookie, &[("search", "%")]).await["users"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        app.list(&cookie, &[("search", "_")]).await["users"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
}

#[tokio::test]
async fn filters_by_role_team_and_account_combine() {
    let app = TestApp::spawn().await;
    let owner = email("owner");
    let cookie = app.sign_up("Initech", "Aaron Owner", &owner).await;
    let member = app.add_user(&owner, "Mel Member", &email("mel"), "member").await;
    let admin = app.add_user(&owner, "Ada Admin", &email("ada"), "admin").await;
    let choices = app.call("users/filters", &[], Some(&cookie)).await.json();
    let role_id = |name: &str| {
        choices["roles"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    let company: i64 = sqlx::query_scalar("SELECT id FROM companies")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    app.sql(&format!(
        "INSERT INTO teams (company_id, name, created_at) VALUES ({company}, 'Ops', 0)"
    ))
    .await;
    let team: i64 = sqlx::query_scalar("SELECT id FROM teams")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    app.sql(&format!(
        "INSERT INTO team_members (team_id, user_id) VALUES ({team}, {member}), ({team}, {admin})"
    ))
    .await;

    let member_role = role_id("Member").to_string();
    let by_role = app.list(&cookie, &[("role", &member_role)]).await;
    assert_eq!(ids(&by_role), vec![member]);
    let team_s = team.to_string();
    let by_team = app.list(&cookie, &[("team", &team_s)]).await;
    assert_eq!(ids(&by_team), vec![admin, member], "Ada before Mel");
    let both = app
        .list(
            &cookie,
            &[("team", &team_s), ("role", &role_id("Admin").to_string())],
        )
        .await;
    assert_eq!(ids(&both), vec![admin]);
    let root = choices["accounts"][0]["id"].as_i64().unwrap().to_string();
    assert_eq!(ids(&app.list(&cookie, &[("account", &root)]).await).len(), 3);
}

#[tokio::test]
async fn the_invited_tab_lists_every_invitation_with_its_status_and_counts_pending_ones() {
    let app = TestApp::spawn().await;
    let owner = email("owner");
    let cookie = app.sign_up("Initech", "Aaron Owner", &owner).await;
    let company: i64 = sqlx::query_scalar("SELECT id FROM companies")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    let now = roster::server::db::now_ms();
    for (i, (status, expires)) in [
        ("pending", now + 86_400_000),
        ("pending", now - 1),
        ("withdrawn", now + 86_400_000),
    ]
    .iter()
    .enumerate()
    {
        app.sql(&format!(
            "INSERT INTO invitations (company_id, email, invited_by_name, token_hash, status, created_at, sent_at, expires_at)
             VALUES ({company}, 'guest{i}@example.com', 'Aaron Owner', 'hash{i}', '{status}', {now}, {now}, {expires})"
        ))
        .await;
    }
    let page = app.list(&cookie, &[("tab", "invited")]).await;
    let listed: Vec<(&str, &str)> = page["invitations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["email"].as_str().unwrap(), i["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        listed,
        [
            ("guest2@example.com", "Withdrawn"),
            ("guest1@example.com", "Expired"),
            ("guest0@example.com", "Pending"),
        ]
    );
    assert_eq!(page["counts"]["invited"], 1);
}

#[tokio::test]
async fn a_page_size_other_than_25_50_or_100_is_refused() {
    let app = TestApp::spawn().await;
    let cookie = app.sign_up("Initech", "Peter", &email("owner")).await;
    for size in ["0", "24", "101", "100000"] {
        let r = app.list_raw(&cookie, &[("per_page", size)]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{size}: {}", r.body);
    }
    for garbage in ["-25", "ten", "25.0"] {
        let r = app.list_raw(&cookie, &[("per_page", garbage)]).await;
        assert!(r.status.is_client_error(), "{garbage:?}: {} {}", r.status, r.body);
    }
    for size in ["25", "50", "100"] {
        let r = app.list_raw(&cookie, &[("per_page", size)]).await;
        assert_eq!(r.status, StatusCode::OK, "{size}: {}", r.body);
    }
}

#[tokio::test]
async fn a_forged_or_foreign_cursor_is_a_clear_error() {
    let app = TestApp::spawn().await;
    let (cookie, _) = company_with_users(&app, 30).await;
    let r = app.list_raw(&cookie, &[("after", "not-a-cursor")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("out of date"), "{}", r.body);
    // A cursor made for one sort does not work for another.
    let by_name = app.list(&cookie, &[("per_page", "25")]).await;
    let next = by_name["next"].as_str().unwrap();
    let r = app.list_raw(&cookie, &[("sort", "email"), ("after", next)]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

/// Every user's stored search key is their name and email folded, as the server writes it.
async fn assert_search_keys_current(app: &TestApp) {
    let rows: Vec<(String, String, String)> = sqlx::query_as("SELECT name, email, search_key FROM users")
        .fetch_all(&app.state.db)
        .await
        .unwrap();
    for (name, email, key) in rows {
        assert_eq!(
            key,
            roster::server::db::search::person_key(&name, &email),
            "{name} <{email}>"
        );
    }
}

fn names(page: &serde_json::Value) -> Vec<String> {
    page["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn search_ignores_case_and_accents_in_every_script() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let people = [
        "Émile Zola",
        "Zoë Saldaña",
        "Hans Müller",
        "Jürgen Groß",
        "Σωκράτης Παππάς",
        "İsmail Işık",
    ];
    for (i, name) in people.iter().enumerate() {
        let r = app
            .create_user(&c.owner, name, &email(&format!("p{i}")), c.member_role, "Active")
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    let found = |term: &'static str| {
        let (app, owner) = (&app, &c.owner);
        async move { names(&app.list(owner, &[("search", term)]).await) }
    };
    for term in ["emile", "EMILE", "Émile", "éMILE zo"] {
        assert_eq!(found(term).await, ["Émile Zola"], "{term}");
    }
    assert_eq!(found("zoe").await, ["Zoë Saldaña"]);
    assert_eq!(found("saldana").await, ["Zoë Saldaña"]);
    for term in ["muller", "MÜLLER", "Mueller"] {
        let expected: &[&str] = if term == "Mueller" { &[] } else { &["Hans Müller"] };
        assert_eq!(found(term).await, expected, "{term}");
    }
    assert_eq!(found("gross").await, ["Jürgen Groß"]);
    assert_eq!(found("GROSS").await, ["Jürgen Groß"]);
    assert_eq!(found("σωκρ").await, ["Σωκράτης Παππάς"]);
    assert_eq!(found("sokr").await, ["Σωκράτης Παππάς"]);
    assert_eq!(found("ismail isik").await, ["İsmail Işık"]);
    assert_eq!(found("IŞIK").await, ["İsmail Işık"]);
    // A match never spans the end of a name and the start of an email.
    assert!(found("zola p0").await.is_empty());
    assert_search_keys_current(&app).await;
}

#[tokio::test]
async fn every_path_that_writes_a_name_or_email_keeps_the_search_key_right() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    // Added, then renamed by an admin.
    let ana = email("ana");
    let r = app
        .create_user(&c.owner, "Ana Ruiz", &ana, c.member_role, "Active")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let id = app.user_id(&ana).await.to_string();
    let version = app
        .count(&format!("SELECT version FROM users WHERE id = {id}"))
        .await
        .to_string();
    let edit = [
        ("edit[id]", id.as_str()),
        ("edit[version]", version.as_str()),
        ("edit[name]", "Ána Ruíz-Peña"),
        ("edit[email]", ana.as_str()),
        ("edit[job_title]", ""),
    ];
    let r = app.call("users/update", &edit, Some(&c.owner)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        names(&app.list(&c.owner, &[("search", "pena")]).await),
        ["Ána Ruíz-Peña"]
    );
    // Renamed on one's own profile.
    let details = [
        ("details[name]", "Olivia Ødegård"),
        ("details[phone]", ""),
        ("details[country]", ""),
        ("details[locale]", "en"),
        ("details[time_zone]", "UTC"),
    ];
    let r = app.call("profile/save_details", &details, Some(&c.owner)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        names(&app.list(&c.owner, &[("search", "odegard")]).await),
        ["Olivia Ødegård"]
    );
    // Invited, then joined by accepting.
    let bo = email("bo");
    let r = app.invite(&c.owner, &[&bo], c.member_role).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let token = app.emailed_token(&bo, "invite").await;
    let r = app
        .call(
            "invitations/accept",
            &[
                ("token", &token),
                ("name", "Bø Brøwn"),
                ("password", common::PASSWORD),
            ],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        names(&app.list(&c.owner, &[("search", "bo brown")]).await),
        ["Bø Brøwn"]
    );
    assert_search_keys_current(&app).await;
}

#[tokio::test]
async fn two_admins_creating_sales_and_sales_at_once_leave_one_team() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let create = |name: &'static str| {
        let (app, owner) = (&app, &c.owner);
        async move { app.call("teams/create", &[("name", name)], Some(owner)).await }
    };
    let (a, b) = tokio::join!(create("Sales"), create("sálES"));
    let statuses = [a.status, b.status];
    assert!(statuses.contains(&StatusCode::OK), "{} / {}", a.body, b.body);
    assert!(
        statuses.iter().any(|s| *s != StatusCode::OK),
        "{} / {}",
        a.body,
        b.body
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM teams").await, 1);
    // And the index itself refuses a second "sales", whatever the check before it.
    let company = sqlx::query_scalar::<_, i64>("SELECT company_id FROM teams")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    let raced = sqlx::query(
        "INSERT INTO teams (company_id, name, created_at, name_key) VALUES ($1, 'SALES', 0, 'sales')",
    )
    .bind(company)
    .execute(&app.state.db)
    .await;
    assert!(raced.is_err(), "the unique index on the folded name refuses it");
}

#[tokio::test]
async fn the_name_sort_puts_accented_and_lower_case_names_beside_their_plain_spellings() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    for (i, name) in ["Zed Zane", "émile Blanc", "Emile Arnaud", "Édouard Manet"]
        .iter()
        .enumerate()
    {
        let r = app
            .create_user(&c.owner, name, &email(&format!("s{i}")), c.member_role, "Active")
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    let expected = [
        "Édouard Manet",
        "Emile Arnaud",
        "émile Blanc",
        "Olivia Owner",
        "Zed Zane",
    ];
    assert_eq!(names(&app.list(&c.owner, &[("sort", "name")]).await), expected);
    let mut backwards = expected;
    backwards.reverse();
    assert_eq!(
        names(&app.list(&c.owner, &[("sort", "name"), ("desc", "true")]).await),
        backwards
    );
    // Page by page, the folded order holds across the cursor.
    let first = app.list(&c.owner, &[("sort", "name"), ("per_page", "25")]).await;
    assert_eq!(names(&first)[..2], expected[..2]);
}

#[tokio::test]
async fn a_search_of_more_than_200_characters_is_refused_wherever_a_view_is_taken() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let long = "a".repeat(60_000);
    let calls: [(&str, Vec<(&str, &str)>); 4] = [
        (
            "users/list",
            vec![("query[per_page]", "25"), ("query[search]", &long)],
        ),
        (
            "users/count",
            vec![("query[per_page]", "25"), ("query[search]", &long)],
        ),
        (
            "users/bulk/preview",
            vec![
                ("selection[matching][per_page]", "25"),
                ("selection[matching][search]", &long),
                ("action[kind]", "deactivate"),
            ],
        ),
        (
            "approvals/reject",
            vec![
                ("selection[matching][tab]", "awaiting_approval"),
                ("selection[matching][per_page]", "25"),
                ("selection[matching][search]", &long),
            ],
        ),
    ];
    for (endpoint, form) in calls {
        let r = app.call(endpoint, &form, Some(&c.owner)).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{endpoint}: {}",
            r.body
        );
        assert_eq!(r.json()["Invalid"]["field"], "search", "{endpoint}: {}", r.body);
    }
    // The invited tab's search too.
    let r = app
        .call(
            "users/list",
            &[
                ("query[tab]", "invited"),
                ("query[per_page]", "25"),
                ("query[search]", &long[..201]),
            ],
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
}

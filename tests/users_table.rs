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

/// Renames the user `id` through the "Edit user" form (`users/update`) as `cookie`.
async fn rename(app: &TestApp, cookie: &str, id: i64, name: &str) {
    let (address, version): (String, i64) = sqlx::query_as("SELECT email, version FROM users WHERE id = $1")
        .bind(id)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    let (id, version) = (id.to_string(), version.to_string());
    let edit = [
        ("edit[id]", id.as_str()),
        ("edit[version]", version.as_str()),
        ("edit[name]", name),
        ("edit[email]", address.as_str()),
        ("edit[job_title]", ""),
    ];
    let r = app.call("users/update", &edit, Some(cookie)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
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
    rename(&app, &c.owner, app.user_id(&ana).await, "Ána Ruíz-Peña").await;
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
    let r = app.accept_invitation(&token, "Bø Brøwn").await;
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

/// Adds each of `people` through the "Add user" form, as members, and answers the ids in order.
async fn add_people(app: &TestApp, c: &common::Company, people: &[&str]) -> Vec<i64> {
    let mut ids = Vec::new();
    for (i, name) in people.iter().enumerate() {
        let address = email(&format!("p{i}"));
        let r = app
            .create_user(&c.owner, name, &address, c.member_role, "Active")
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        ids.push(app.user_id(&address).await);
    }
    ids
}

#[tokio::test]
async fn wildcards_quotes_and_query_syntax_in_a_search_are_literal_whatever_its_length() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    add_people(
        &app,
        &c,
        &[
            "Ann 100% Sure",
            "Bob Under_Score",
            "Cat \"Kit\" Kat",
            "Dan O'Neil",
            "Eve Plain",
        ],
    )
    .await;
    let found = |term: &'static str| {
        let (app, owner) = (&app, &c.owner);
        async move { names(&app.list(owner, &[("search", term)]).await) }
    };
    let none: [&str; 0] = [];
    // On SQLite every term here is asked of the trigram index (a page's walk finds too few to
    // fill it): one or two characters as the trigrams that start with them, read from the
    // index's vocabulary and quoted one by one, longer ones as one phrase.
    for (term, expected) in [
        ("%", &["Ann 100% Sure"][..]),
        ("%%", &none),
        ("0%", &["Ann 100% Sure"]),
        ("100% s", &["Ann 100% Sure"]),
        ("0%%", &none),
        ("_", &["Bob Under_Score"]),
        ("r_", &["Bob Under_Score"]),
        ("r_s", &["Bob Under_Score"]),
        ("e_s", &none),
        ("under_s", &["Bob Under_Score"]),
        ("r%s", &none),
        ("\"", &["Cat \"Kit\" Kat"]),
        ("\"kit\"", &["Cat \"Kit\" Kat"]),
        ("t \"kit\" k", &["Cat \"Kit\" Kat"]),
        ("'", &["Dan O'Neil"]),
        ("o'neil", &["Dan O'Neil"]),
        ("O'NE", &["Dan O'Neil"]),
        ("\\", &none),
        ("eve plain", &["Eve Plain"]),
        ("eve OR kit", &none),
        ("kit\" OR \"eve", &none),
        ("plain\"", &none),
        ("pla*", &none),
        ("NEAR(eve plain)", &none),
        ("^eve", &none),
        ("search_key:eve", &none),
        ("(eve)", &none),
    ] {
        assert_eq!(found(term).await, expected, "{term}");
    }
}

#[tokio::test]
async fn a_search_of_one_or_two_letters_still_finds_part_of_a_name() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    add_people(&app, &c, &["Zoë Saldaña", "Bo Li", "Hans Müller"]).await;
    let found = |term: &'static str| {
        let (app, owner) = (&app, &c.owner);
        async move { names(&app.list(owner, &[("search", term)]).await) }
    };
    assert_eq!(found("zo").await, ["Zoë Saldaña"]);
    assert_eq!(found("ÑA").await, ["Zoë Saldaña"]);
    assert_eq!(found("ü").await, ["Hans Müller"]);
    assert_eq!(found("li").await, ["Bo Li", "Olivia Owner"]);
}

#[tokio::test]
async fn a_renamed_person_is_found_by_their_new_name_and_not_their_old_one() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let id = add_people(&app, &c, &["Wanda Oldname"]).await[0];
    assert_eq!(
        names(&app.list(&c.owner, &[("search", "oldname")]).await),
        ["Wanda Oldname"]
    );
    rename(&app, &c.owner, id, "Wanda Névèrsön").await;
    for term in ["neverson", "NÉVÈR", "wanda n"] {
        assert_eq!(
            names(&app.list(&c.owner, &[("search", term)]).await),
            ["Wanda Névèrsön"],
            "{term}"
        );
    }
    for term in ["oldname", "oldn", "wanda o"] {
        assert!(
            names(&app.list(&c.owner, &[("search", term)]).await).is_empty(),
            "{term}"
        );
    }
}

#[tokio::test]
async fn a_deleted_person_disappears_from_search() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let id = add_people(&app, &c, &["Dora Gone", "Dora Stays"]).await[0];
    assert_eq!(
        names(&app.list(&c.owner, &[("search", "dora")]).await),
        ["Dora Gone", "Dora Stays"]
    );
    let address: String = sqlx::query_scalar("SELECT email FROM users WHERE id = $1")
        .bind(id)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    let r = app
        .call(
            "users/delete",
            &[("id", &id.to_string()), ("confirm_email", &address)],
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        names(&app.list(&c.owner, &[("search", "dora")]).await),
        ["Dora Stays"]
    );
    assert!(names(&app.list(&c.owner, &[("search", "gone")]).await).is_empty());
    assert!(names(&app.list(&c.owner, &[("search", "go")]).await).is_empty());
}

#[tokio::test]
async fn the_invited_tab_finds_an_invitation_by_part_of_its_address_until_it_is_deleted() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let (zeta, yolanda) = (email("zeta"), email("yolanda"));
    let r = app.invite(&c.owner, &[&zeta, &yolanda], c.member_role).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let invited = |term: &'static str| {
        let (app, owner) = (&app, &c.owner);
        async move {
            let page = app.list(owner, &[("tab", "invited"), ("search", term)]).await;
            page["invitations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["email"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(invited("ZETA.").await, [zeta.as_str()]);
    assert_eq!(invited("ze").await, [zeta.as_str()]);
    assert_eq!(invited("yolan").await, [yolanda.as_str()]);
    assert!(invited("zeta%").await.is_empty());
    let id: i64 = sqlx::query_scalar("SELECT id FROM invitations WHERE email = $1")
        .bind(&zeta)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    let r = app
        .call(
            "invitations/delete",
            &[("ids[0]", &id.to_string())],
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(invited("zeta").await.is_empty());
    assert!(invited("ze").await.is_empty());
    assert_eq!(invited("yolanda").await, [yolanda]);
}

#[tokio::test]
async fn a_term_in_thousands_of_names_is_found_exactly_with_its_wildcards_literal() {
    let app = TestApp::spawn().await;
    let (cookie, company) = company_with_users(&app, 0).await;
    // More than 2,000 keys hold "0%_c": on SQLite such a common term is tested on the walk
    // in name order instead of being fetched from the trigram index; the result is the same.
    let people: Vec<(String, String)> = (0..2_050)
        .map(|i| (format!("Kim 100%_Common {i}"), format!("k{i}@example.com")))
        .chain((0..10).map(|i| (format!("Kim 100xyCommon {i}"), format!("d{i}@example.com"))))
        .collect();
    app.add_active(company, &people).await;
    let count = |term: &'static str| {
        let (app, cookie) = (&app, &cookie);
        async move {
            let r = app
                .call(
                    "users/count",
                    &[("query[per_page]", "50"), ("query[search]", term)],
                    Some(cookie),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            r.json().as_i64().unwrap()
        }
    };
    assert_eq!(count("0%_c").await, 2_050);
    assert_eq!(count("100%_COMMON").await, 2_050);
    assert_eq!(count("kim 100").await, 2_060);
    assert_eq!(count("xycommon").await, 10);
    let page = app.list(&cookie, &[("search", "0%_c"), ("per_page", "50")]).await;
    let names = names(&page);
    assert_eq!(names.len(), 50);
    assert!(names.iter().all(|n| n.contains("100%_Common")), "{names:?}");
}

#[tokio::test]
async fn a_team_of_thousands_is_listed_in_name_order_page_after_page() {
    let app = TestApp::spawn().await;
    let (cookie, company) = company_with_users(&app, 2_400).await;
    // A team of more than 2,000: on SQLite a page walks the users in name order and tests
    // each for membership instead of fetching and sorting every member; the rows are the same.
    app.sql(&format!(
        "INSERT INTO teams (company_id, name, created_at, name_key) VALUES ({company}, 'Big', 0, 'big')"
    ))
    .await;
    app.sql(
        "INSERT INTO team_members (team_id, user_id)
         SELECT t.id, u.id FROM teams t JOIN users u ON u.company_id = t.company_id
         WHERE t.name = 'Big' AND u.email LIKE 'user%' AND u.email NOT LIKE 'user%7@%'",
    )
    .await;
    let team = app
        .count("SELECT id FROM teams WHERE name = 'Big'")
        .await
        .to_string();
    let members = app
        .count("SELECT COUNT(*) FROM team_members tm JOIN teams t ON t.id = tm.team_id WHERE t.name = 'Big'")
        .await;
    assert!(members > 2_000, "{members}");
    let r = app
        .call(
            "users/count",
            &[("query[per_page]", "50"), ("query[team]", &team)],
            Some(&cookie),
        )
        .await;
    assert_eq!(r.json().as_i64(), Some(members));
    let mut seen = HashSet::new();
    let mut view = vec![("team", team.clone()), ("per_page", "100".to_string())];
    let mut previous: Option<String> = None;
    loop {
        let pairs: Vec<(&str, &str)> = view.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let page = app.list(&cookie, &pairs).await;
        for user in page["users"].as_array().unwrap() {
            let email = user["email"].as_str().unwrap().to_string();
            assert!(!email.ends_with("7@example.com"), "{email} is not a member");
            assert!(seen.insert(email));
            let key = roster::server::db::search::person_key(
                user["name"].as_str().unwrap(),
                user["email"].as_str().unwrap(),
            );
            assert!(previous.as_ref().is_none_or(|p| *p < key), "name order");
            previous = Some(key);
        }
        match page["next"].as_str() {
            Some(next) => {
                view.retain(|(k, _)| *k != "after");
                view.push(("after", next.to_string()));
            }
            None => break,
        }
    }
    assert_eq!(seen.len() as i64, members);
}

/// Every page of `view` from the first to the last with "next", then back to the first with
/// "prev": the ids in order, which both ways must agree on.
async fn every_page(app: &TestApp, cookie: &str, view: &[(&str, &str)]) -> Vec<i64> {
    let mut forwards = Vec::new();
    let mut pages = Vec::new();
    let mut page = app.list(cookie, view).await;
    loop {
        forwards.extend(ids(&page));
        pages.push(ids(&page));
        let Some(next) = page["next"].as_str().map(str::to_string) else {
            break;
        };
        let mut next_view = view.to_vec();
        next_view.push(("after", &next));
        page = app.list(cookie, &next_view).await;
    }
    let mut backwards = vec![pages.pop().unwrap_or_default()];
    while let Some(prev) = page["prev"].as_str().map(str::to_string) {
        let mut prev_view = view.to_vec();
        prev_view.push(("before", &prev));
        page = app.list(cookie, &prev_view).await;
        backwards.push(ids(&page));
    }
    backwards.reverse();
    assert_eq!(backwards.concat(), forwards, "back through the pages: {view:?}");
    forwards
}

#[tokio::test]
async fn a_search_whose_matches_sit_together_in_name_order_pages_through_every_match_in_order() {
    let app = TestApp::spawn().await;
    let (cookie, company) = company_with_users(&app, 0).await;
    // 2,100 people before the Zoës in name order, none of whom holds "z": on SQLite a page of
    // "zo" or "z" walks them only as far as a bounded stretch, then reads the keys that start
    // with the term as a range of the name order and fetches the others from the trigram
    // index ("zoe" does so at once: few keys hold it further in). Those others hold it in the
    // middle of a name, or as the very last letters of an address.
    let people: Vec<(String, String)> = (0..2_100)
        .map(|i| (format!("Ann Filler {i:04}"), format!("f{i}@example.com")))
        .chain((0..60).map(|i| (format!("Zoë Last {i:02}"), format!("l{i}@example.com"))))
        .chain((0..3).map(|i| (format!("Ann End {i}"), format!("end{i}@mail.zo"))))
        .chain([
            ("Bo Azov".to_string(), "bo@example.com".to_string()),
            ("Ida Zoeller".to_string(), "ida@example.com".to_string()),
        ])
        .collect();
    app.add_active(company, &people).await;
    // What each search must answer: every key that holds the term, in name order.
    let all: Vec<(String, i64)> =
        sqlx::query_as::<_, (i64, String, String)>("SELECT id, name, email FROM users WHERE company_id = $1")
            .bind(company)
            .fetch_all(&app.state.db)
            .await
            .unwrap()
            .into_iter()
            .map(|(id, name, email)| (roster::server::db::search::person_key(&name, &email), id))
            .collect();
    // The owner's address is random: they are left out of the counts of the people above.
    let owner = app
        .count(&format!("SELECT owner_id FROM companies WHERE id = {company}"))
        .await;
    for (term, ours) in [
        ("zo", 65),
        ("ZÖ", 65),
        ("z", 65),
        ("zoe", 61),
        ("zoë l", 60),
        ("zoe last 5", 10),
        ("nn end", 3),
        ("o", 2_165),
        ("ann e", 3),
    ] {
        let folded = roster::server::db::search::fold(term);
        let mut matching: Vec<&(String, i64)> = all.iter().filter(|(key, _)| key.contains(&folded)).collect();
        matching.sort();
        let expected: Vec<i64> = matching.iter().map(|(_, id)| *id).collect();
        assert_eq!(expected.iter().filter(|id| **id != owner).count(), ours, "{term}");
        for desc in ["false", "true"] {
            let view = [("search", term), ("per_page", "50"), ("desc", desc)];
            let mut found = every_page(&app, &cookie, &view).await;
            if desc == "true" {
                found.reverse();
            }
            assert_eq!(found, expected, "{term}, descending: {desc}");
        }
        let r = app
            .call(
                "users/count",
                &[("query[per_page]", "50"), ("query[search]", term)],
                Some(&cookie),
            )
            .await;
        assert_eq!(r.json().as_i64(), Some(expected.len() as i64), "{term}");
    }
    // With a team filter both parts of the search keep to the team.
    app.sql(&format!(
        "INSERT INTO teams (company_id, name, created_at, name_key) VALUES ({company}, 'Zed', 0, 'zed')"
    ))
    .await;
    app.sql(
        "INSERT INTO team_members (team_id, user_id)
         SELECT t.id, u.id FROM teams t JOIN users u ON u.company_id = t.company_id
         WHERE t.name = 'Zed' AND (u.name LIKE 'Zo% Last _0' OR u.name LIKE 'Zo% Last _2'
                                   OR u.name IN ('Ann End 1', 'Ida Zoeller', 'Ann Filler 0007'))",
    )
    .await;
    let team = app
        .count("SELECT id FROM teams WHERE name = 'Zed'")
        .await
        .to_string();
    let members: HashSet<i64> = sqlx::query_scalar::<_, i64>(
        "SELECT user_id FROM team_members tm JOIN teams t ON t.id = tm.team_id WHERE t.name = 'Zed'",
    )
    .fetch_all(&app.state.db)
    .await
    .unwrap()
    .into_iter()
    .collect();
    assert_eq!(members.len(), 15);
    for (term, ours) in [("zo", 14), ("z", 14), ("zoe", 13), ("e", 15)] {
        let folded = roster::server::db::search::fold(term);
        let mut matching: Vec<&(String, i64)> = all
            .iter()
            .filter(|(key, id)| key.contains(&folded) && members.contains(id))
            .collect();
        matching.sort();
        let expected: Vec<i64> = matching.iter().map(|(_, id)| *id).collect();
        assert_eq!(expected.len(), ours, "{term}");
        let view = [("search", term), ("team", &team), ("per_page", "25")];
        assert_eq!(
            every_page(&app, &cookie, &view).await,
            expected,
            "{term} in the team"
        );
    }
}

/// The condition on `users u` of `company`'s users whose name holds `name` (any case) and,
/// with `team`, in that team: a view of the table, written apart from the server's.
fn picked_by(company: i64, name: &str, team: Option<i64>) -> String {
    let mut sql = format!(
        "u.company_id = {company} AND LOWER(u.name) LIKE '%{}%'",
        name.to_lowercase()
    );
    if let Some(team) = team {
        sql.push_str(&format!(
            " AND u.id IN (SELECT user_id FROM team_members WHERE team_id = {team})"
        ));
    }
    sql
}

#[tokio::test]
async fn tab_counts_follow_the_search_and_filters_equal_a_fresh_count_and_add_up_to_all() {
    let app = TestApp::spawn().await;
    let (cookie, company) = company_with_users(&app, 120).await;
    let r = app
        .call("teams/create", &[("name", "Night shift")], Some(&cookie))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let team = app
        .count(&format!(
            "SELECT id FROM teams WHERE company_id = {company} AND name = 'Night shift'"
        ))
        .await;
    app.sql(&format!(
        "INSERT INTO team_members (team_id, user_id)
         SELECT {team}, id FROM users WHERE company_id = {company} AND email LIKE 'user%' AND id % 3 = 0"
    ))
    .await;
    let team_text = team.to_string();
    let views: [(&str, Option<i64>); 4] = [
        ("Person 1", Some(team)),
        ("Person 1", None),
        ("", Some(team)),
        ("", None),
    ];
    // Twice, the second time after a change: kept counts never answer another view, and a
    // change is counted at once.
    for round in 0..2 {
        for (search, team) in views {
            let mut view = vec![("search", search), ("per_page", "25")];
            if team.is_some() {
                view.push(("team", &team_text));
            }
            let page = app.list(&cookie, &view).await;
            let fresh = app.fresh_counts(&picked_by(company, search, team)).await;
            assert_eq!(
                common::counts_by_status(&page),
                fresh,
                "round {round}, search {search:?}, team {team:?}"
            );
            let counts = &page["counts"];
            let of = |tab: &str| counts[tab].as_i64().unwrap();
            assert_eq!(of("all"), fresh.iter().map(|(_, n)| n).sum::<i64>());
            assert!(
                of("unconfirmed") > 0,
                "pending-email users are counted in their tab"
            );
            assert_eq!(page["matching"], of("all"));
            // Each tab's page says how many it holds, and lists exactly that many.
            for tab in ["active", "deactivated", "awaiting_approval", "unconfirmed"] {
                let mut tabbed = view.clone();
                tabbed.push(("tab", tab));
                tabbed.retain(|(k, _)| *k != "per_page");
                tabbed.push(("per_page", "100"));
                let page = app.list(&cookie, &tabbed).await;
                assert_eq!(page["matching"], of(tab), "tab {tab}");
                assert_eq!(
                    page["users"].as_array().unwrap().len() as i64,
                    of(tab),
                    "tab {tab}"
                );
            }
        }
        // Some of every view change status behind the server's back; the live version moves on
        // (`sql` catches up, as a change announced by another instance does).
        app.sql(&format!(
            "UPDATE users SET status = 'active' WHERE company_id = {company} AND email LIKE 'user%' AND id % 5 = 0"
        ))
        .await;
    }
}

#[tokio::test]
async fn a_views_counts_are_kept_until_a_change_is_announced_and_then_counted_afresh() {
    let app = TestApp::spawn().await;
    let (cookie, company) = company_with_users(&app, 80).await;
    let view = [("search", "Person 2"), ("per_page", "25")];
    let invited = [("search", "Person 2"), ("tab", "invited")];
    let before = app.list(&cookie, &view).await;
    assert_eq!(
        common::counts_by_status(&before),
        app.fresh_counts(&picked_by(company, "Person 2", None)).await
    );
    assert_eq!(app.list(&cookie, &invited).await["matching"], 0);

    // Rows written behind the server's back announce nothing: the page answers the kept
    // counts, its match count among them (no count of its own on every page), on the Invited
    // tab too.
    let key = roster::server::db::search::person_key;
    let quiet = email("quiet");
    sqlx::query(
        "INSERT INTO users (company_id, email, name, status, created_at, updated_at, search_key)
         VALUES ($1, $2, 'Person 2 Quiet', 'active', 0, 0, $3)",
    )
    .bind(company)
    .bind(&quiet)
    .bind(key("Person 2 Quiet", &quiet))
    .execute(&app.state.db)
    .await
    .unwrap();
    let owner: i64 = app
        .count(&format!(
            "SELECT id FROM users WHERE company_id = {company} AND name = 'Aaron Owner'"
        ))
        .await;
    let invited_email = email("invited");
    sqlx::query(
        "INSERT INTO invitations (company_id, email, name, invited_by, invited_by_name, status, token_hash,
                                  created_at, sent_at, expires_at, search_key)
         VALUES ($1, $2, 'Person 2 Invited', $3, 'Aaron Owner', 'pending', 'quiet-token', 0, 0, $4, $5)",
    )
    .bind(company)
    .bind(&invited_email)
    .bind(owner)
    .bind(roster::server::db::now_ms() + 86_400_000)
    .bind(key("Person 2 Invited", &invited_email))
    .execute(&app.state.db)
    .await
    .unwrap();
    let kept = app.list(&cookie, &view).await;
    assert_eq!(kept["counts"], before["counts"]);
    assert_eq!(kept["matching"], before["matching"]);
    assert_eq!(app.list(&cookie, &invited).await["matching"], 0);
    // Another view is counted for itself, never from this one's entry.
    let other = app.list(&cookie, &[("search", "Person 3")]).await;
    assert_eq!(
        common::counts_by_status(&other),
        app.fresh_counts(&picked_by(company, "Person 3", None)).await
    );

    // A change made through the server is announced: the next page counts afresh, the
    // change and what was written quietly before it.
    let someone = app
        .count(&format!(
            "SELECT MIN(id) FROM users WHERE company_id = {company} AND name LIKE 'Person 2%' AND status = 'active'"
        ))
        .await
        .to_string();
    let r = app
        .call("users/deactivate", &[("id", &someone)], Some(&cookie))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let after = app.list(&cookie, &view).await;
    let fresh = app.fresh_counts(&picked_by(company, "Person 2", None)).await;
    assert_eq!(common::counts_by_status(&after), fresh);
    let of = |page: &serde_json::Value, tab: &str| page["counts"][tab].as_i64().unwrap();
    assert_eq!(of(&after, "all"), of(&before, "all") + 1, "the quiet one");
    assert_eq!(of(&after, "deactivated"), of(&before, "deactivated") + 1);
    assert_eq!(of(&after, "active"), of(&before, "active"));
    assert_eq!(after["matching"], of(&after, "all"));
    let invited_page = app.list(&cookie, &invited).await;
    assert_eq!(invited_page["matching"], 1);
    assert_eq!(invited_page["counts"]["invited"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn under_a_stream_of_changes_a_view_is_counted_a_few_times_a_second_and_each_person_sees_their_own_change(
) {
    let app = TestApp::spawn().await;
    let (cookie, company) = company_with_users(&app, 40).await;
    let someone = app
        .count(&format!(
            "SELECT MIN(id) FROM users WHERE company_id = {company} AND name LIKE 'Person%' AND status = 'active'"
        ))
        .await
        .to_string();
    let deactivated = |page: &serde_json::Value| page["counts"]["deactivated"].as_i64().unwrap();
    let first = deactivated(&app.list(&cookie, &[]).await);
    let counted_before = app.state.counts.counted();
    let started = std::time::Instant::now();
    let stop = std::sync::atomic::AtomicBool::new(false);
    // Four people keep reading the table while one keeps changing someone's status, each
    // change followed by the changer's own read, which must count it.
    let readers = async {
        let read = || async {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                app.list(&cookie, &[]).await;
            }
        };
        tokio::join!(read(), read(), read(), read());
    };
    let changer = async {
        for round in 0..12 {
            let (endpoint, expected) = if round % 2 == 0 {
                ("users/deactivate", first + 1)
            } else {
                ("users/reactivate", first)
            };
            let r = app.call(endpoint, &[("id", &someone)], Some(&cookie)).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            assert_eq!(
                deactivated(&app.list(&cookie, &[]).await),
                expected,
                "round {round}: the changer's next page counts their change"
            );
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
    };
    tokio::join!(readers, changer);
    let elapsed = started.elapsed();
    let counted = app.state.counts.counted() - counted_before;
    // Each count begins at least 200 ms after the one before (the first may follow the
    // count before the loop at once).
    let most = elapsed.as_millis() as u64 / 200 + 1;
    assert!(
        counted <= most,
        "{counted} counts in {elapsed:?} (at most {most}): a count after every change"
    );
}

/// The kept counts are shared by every company, so one company's many searches (each a view
/// of its own, "PERSON " the same view as "person") must not push out another's.
#[tokio::test]
async fn one_companys_many_searches_leave_another_companys_kept_counts_standing() {
    let app = TestApp::spawn().await;
    let (ours, _) = company_with_users(&app, 3).await;
    app.list(&ours, &[("search", "person")]).await;
    let theirs = app.company("Searchers").await.owner;
    for n in 0..600 {
        app.list(&theirs, &[("search", &format!("term {n}"))]).await;
    }
    // Whether the view is kept, not whether its counts are reused: those are used for at most
    // MAX_AGE (5 s), which 600 pages can outlast on a slow machine (602 counts, not 601).
    let ours_kept = |app: &TestApp| {
        let kept = app.state.counts.searches_kept();
        (kept.iter().filter(|s| *s == "person").count(), kept.len())
    };
    let (kept, before) = ours_kept(&app);
    assert_eq!(kept, 1, "our kept counts were forgotten");
    app.list(&ours, &[("search", "PERSON ")]).await;
    assert_eq!(
        ours_kept(&app),
        (1, before),
        "a search typed otherwise was kept as another view"
    );
    assert!(before <= 65);
}

#[tokio::test]
async fn a_search_too_long_is_refused_and_its_view_not_kept() {
    let app = TestApp::spawn().await;
    let (cookie, _) = company_with_users(&app, 3).await;
    let long = "x".repeat(100_000);
    let r = app.list_raw(&cookie, &[("search", &long)]).await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        &r.body[..200.min(r.body.len())]
    );
    assert!(
        r.body.contains("at most 200 characters"),
        "{}",
        &r.body[..200.min(r.body.len())]
    );
    assert!(
        app.state.counts.searches_kept().iter().all(|s| s.len() <= 200),
        "a refused search was kept as a view"
    );
}

#[tokio::test]
async fn changes_that_count_nothing_leave_the_kept_counts_standing() {
    let app = TestApp::spawn().await;
    let (cookie, _) = company_with_users(&app, 3).await;
    app.list(&cookie, &[]).await;
    let counted = app.state.counts.counted();
    for theme in ["dark", "light", "dark"] {
        let r = app
            .call("profile/save_theme", &[("theme", theme)], Some(&cookie))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        app.list(&cookie, &[]).await;
    }
    assert_eq!(
        app.state.counts.counted(),
        counted,
        "a change of theme had the tabs counted again"
    );
}

#[tokio::test]
async fn names_holding_quotes_backslashes_brackets_and_emoji_come_back_in_the_page_as_written() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let names = [
        r#"Quinn "Q" O'Neil"#,
        r"Back\slash ]} \u0041 \n",
        "Emoji 🦀 名前 Zoë",
    ];
    let ids = add_people(&app, &c, &names).await;
    let role = app
        .custom_role(&c.owner_email, r#"Role "R" \ [1]"#, "users.view")
        .await;
    let root = app.root_account(&c.owner_email).await;
    app.place(ids[0], &[(root, role)]).await;
    let r = app
        .call("teams/create", &[("name", r#"Team "T" \ ]"#)], Some(&c.owner))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let team = r.json().as_i64().unwrap().to_string();
    let members: Vec<String> = ids.iter().map(i64::to_string).collect();
    let r = app
        .call(
            "teams/add_members",
            &[
                ("id", team.as_str()),
                ("users[0]", &members[0]),
                ("users[1]", &members[1]),
                ("users[2]", &members[2]),
            ],
            Some(&c.owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let page = app.list(&c.owner, &[("per_page", "25")]).await;
    let rows = page["users"].as_array().unwrap();
    for (id, name) in ids.iter().zip(names) {
        let row = rows.iter().find(|u| u["id"] == *id).unwrap();
        assert_eq!(row["name"], name);
        assert_eq!(row["teams"], serde_json::json!([r#"Team "T" \ ]"#]));
        assert!(row["last_seen_at"].is_null(), "{row}");
    }
    let quinn = rows.iter().find(|u| u["id"] == ids[0]).unwrap();
    assert!(
        quinn["role_detail"]
            .as_str()
            .unwrap()
            .contains(r#"Role "R" \ [1]"#),
        "{quinn}"
    );
    let owner = rows.iter().find(|u| u["name"] == "Olivia Owner").unwrap();
    assert_eq!(owner["is_owner"], true);
    assert_eq!(owner["teams"], serde_json::json!([]));
}

//! The users page rendered many times at once on a multi-threaded runtime. A binary of its
//! own: beside the other users-table tests in one process (each test a tokio runtime of its
//! own, started and dropped around it) a render of this one now and then never finished, which
//! it never did alone in 45 runs nor with the tests run one at a time; that cross-runtime
//! interplay is the harness's, not a server's, which runs one runtime.

mod common;

use common::{email, TestApp};
use http::StatusCode;

/// The browser hydrates the users page from the rows the server sent with it, so the HTML must
/// hold them: a render that drew the table before its rows arrived sent an empty table the
/// browser could not match ("expected an HTML <tr>"), and the page never became live. The
/// server renders on several threads, so a page's rows can arrive on one thread while another
/// draws the table: many renders at once on a multi-threaded runtime meet that moment.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_users_page_rendered_while_its_rows_arrive_on_another_thread_still_carries_them() {
    // 200 requests at once are more than the server handles at once: they queue (within a
    // minute here, not load shedding's 1 s, which a busy test machine exceeds).
    let app = TestApp::spawn_with(&[("ROSTER_MAX_QUEUE_MS", "60000")]).await;
    let owner = app.sign_up("Slowtech", "Aaron Owner", &email("owner")).await;
    let renders: Vec<_> = (0..200).map(|_| app.spawn_get("/users", &owner)).collect();
    let mut early = Vec::new();
    for render in renders {
        // A render that never ends is a failure to report, not a run to wait on.
        let page = tokio::time::timeout(std::time::Duration::from_secs(60), render)
            .await
            .expect("a render of /users never finished")
            .unwrap();
        assert_eq!(page.status, StatusCode::OK);
        let body = page.body;
        if body.contains("table-wrap busy")
            || !body.contains("role=\"rowheader\" class=\"col-name\"><a href=\"/users/")
        {
            early.push(body);
        }
    }
    assert!(
        early.is_empty(),
        "{} of 200 renders drew the users table before its rows, e.g. {}",
        early.len(),
        early
            .first()
            .map_or("", |body| &body[body.find("<tbody").unwrap_or(0)..])
    );
}

/// A page of the users table is mostly its rows, and most pages are looked at, not acted on:
/// a row's menu is built when it is opened, not sent with every row. The budget is bytes per
/// row of a page of 50 (deterministic: the same rows render the same HTML); with every row's
/// menu items sent it was 2,169.
#[tokio::test]
async fn a_page_of_fifty_users_is_sent_in_under_1_800_bytes_a_row() {
    const BUDGET: usize = 1_800;
    let app = TestApp::spawn().await;
    let owner_email = email("owner");
    let owner = app.sign_up("Weightless", "Aaron Owner", &owner_email).await;
    let company = app.company_of(&owner_email).await;
    let people: Vec<(String, String)> = (0..60)
        .map(|i| {
            (
                format!("Person Number {i:02}"),
                format!("person{i:02}@weightless.example"),
            )
        })
        .collect();
    app.add_active(company, &people).await;
    let empty = app.spawn_get("/users?q=nobody-at-all", &owner).await.unwrap();
    let full = app.spawn_get("/users?per=50", &owner).await.unwrap();
    assert_eq!(full.status, StatusCode::OK);
    assert_eq!(
        full.body.matches("role=\"rowheader\" class=\"col-name\"").count(),
        50
    );
    let per_row = (full.body.len() - empty.body.len()) / 50;
    println!("{per_row} bytes a row ({} bytes the page)", full.body.len());
    assert!(per_row <= BUDGET, "{per_row} bytes a row, over {BUDGET}");
}

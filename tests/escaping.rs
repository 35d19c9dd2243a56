//! Output is always escaped: a payload that closes the `<title>` and opens a script, stored
//! through the real server functions in every user-controlled text that lands on a page, never
//! reaches any page's HTML as markup.

mod common;

use common::{TestApp, PASSWORD};
use http::StatusCode;

/// Closes a `<title>` (or an attribute, in either quote) and opens a script and a tag.
const PAYLOAD: &str = "</title><script>x</script>\"'<b>";

/// The payload behind a label, so that names which must be unique stay unique.
fn evil(label: &str) -> String {
    format!("{label}{PAYLOAD}")
}

/// Markup only the payload would produce: its script tag, or a title closed early.
fn unescaped(html: &str) -> Option<&'static str> {
    ["<script>x", "</title><script"]
        .into_iter()
        .find(|markup| html.contains(markup))
}

/// Calls a server function that must succeed and answers its JSON.
async fn ok(app: &TestApp, endpoint: &str, form: &[(&str, &str)], cookie: &str) -> serde_json::Value {
    let r = app.call(endpoint, form, Some(cookie)).await;
    assert_eq!(r.status, StatusCode::OK, "{endpoint}: {}", r.body);
    r.json()
}

#[tokio::test]
async fn no_page_renders_a_payload_stored_in_any_user_controlled_field_as_markup() {
    let app = TestApp::spawn().await;
    // The company's and the owner's names.
    let owner_email = common::email("owner");
    let owner = app.sign_up(&evil("Company"), &evil("Owner"), &owner_email).await;
    let root = app.root_account(&owner_email).await.to_string();

    let team = ok(&app, "teams/create", &[("name", &evil("Team"))], &owner).await;
    let team = team.as_i64().unwrap().to_string();
    let account = ok(
        &app,
        "accounts/create",
        &[("parent", &root), ("name", &evil("Account"))],
        &owner,
    )
    .await;
    let account = account.as_i64().unwrap().to_string();
    let role = ok(
        &app,
        "roles/create",
        &[("name", &evil("Role")), ("permissions[0]", "ViewUsers")],
        &owner,
    )
    .await;
    let role = role.as_i64().unwrap().to_string();

    // A person with the payload in their name, job title and (valid) email, holding the role
    // on the account and a member of the team.
    let user_email = format!("u{PAYLOAD}@example.com");
    ok(
        &app,
        "users/create",
        &[
            ("user[name]", &evil("User")),
            ("user[email]", &user_email),
            ("user[job_title]", &evil("Job")),
            ("user[role]", &role),
            ("user[account]", &account),
            ("user[team]", &team),
            ("user[status]", "Active"),
        ],
        &owner,
    )
    .await;
    let user = app.user_id(&user_email).await;

    // An invitation to an address whose quoted local part carries the payload.
    let invited = "\"i</title><script>x</script>'<b>\"@example.com";
    // And one with the payload (but its double quote) in the name typed with the address.
    let named = "\"Invitee</title><script>x</script>'<b>\" <named@example.com>";
    let r = app.invite(&owner, &[invited, named], role.parse().unwrap()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["invited"].as_array().unwrap().len(), 2, "{}", r.body);
    let invitation = app.emailed_token(invited, "invite").await;
    let named_invitation = app.emailed_token("named@example.com", "invite").await;

    // A join request, confirmed, with the payload in the name: the approval queue shows it.
    let settings = ok(
        &app,
        "settings/save",
        &[
            ("settings[company_name]", &evil("Company")),
            ("settings[invitation_validity_days]", "7"),
            ("settings[allow_join_requests]", "true"),
        ],
        &owner,
    )
    .await;
    let code = settings["join_link"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let joiner = common::email("joiner");
    let join = [
        ("code", code.as_str()),
        ("name", &evil("Joiner")),
        ("email", &joiner),
        ("password", PASSWORD),
    ];
    let r = app.call("join/request", &join, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let token = app.emailed_token(&joiner, "join/verify").await;
    let r = app.call("join/verify", &[("token", &token)], None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let owner_id = app.user_id(&owner_email).await;
    let signed_in = [
        "/users".to_string(),
        "/users?tab=active".to_string(),
        "/users?tab=invited".to_string(),
        "/users?tab=awaiting".to_string(),
        format!("/users?team={team}"),
        format!("/users/{user}"),
        format!("/users/{owner_id}"),
        "/teams".to_string(),
        format!("/teams/{team}"),
        "/accounts".to_string(),
        "/roles".to_string(),
        "/profile".to_string(),
        "/settings".to_string(),
    ];
    // Pages without a session that show the company's name.
    let public = [
        format!("/join/{code}"),
        format!("/invite/{invitation}"),
        format!("/invite/{named_invitation}"),
    ];
    let pages = signed_in
        .iter()
        .map(|p| (p, Some(owner.as_str())))
        .chain(public.iter().map(|p| (p, None)));

    let mut failures = Vec::new();
    for (path, cookie) in pages {
        let r = app.request("GET", path, &[], cookie, None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        // The page must show some payload (escaped), or it proves nothing.
        assert!(
            r.body.contains("&lt;script&gt;x") || r.body.contains(PAYLOAD),
            "{path} shows none of the stored values: {}",
            r.body
        );
        if let Some(markup) = unescaped(&r.body) {
            let at = r.body.find(markup).unwrap();
            let context = &r.body[at.saturating_sub(80)..(at + 80).min(r.body.len())];
            failures.push(format!("{path}: `{markup}` in …{context}…"));
        }
    }
    assert!(failures.is_empty(), "unescaped markup:\n{}", failures.join("\n"));

    // The Invited tab shows the typed name, as text.
    let r = app
        .request("GET", "/users?tab=invited", &[], Some(&owner), None)
        .await;
    assert!(
        r.body
            .contains("Invitee&lt;/title&gt;&lt;script&gt;x&lt;/script&gt;"),
        "{}",
        r.body
    );

    // The team's page keeps its name as the title's text.
    let r = app
        .request("GET", &format!("/teams/{team}"), &[], Some(&owner), None)
        .await;
    let title =
        "<title>Team&lt;/title&gt;&lt;script&gt;x&lt;/script&gt;&quot;&#39;&lt;b&gt; · Roster</title>";
    assert!(r.body.contains(title), "{}", r.body);
}

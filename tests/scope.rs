//! Access per account: assignments reach their account's subtree, the nearest one wins, and a
//! scoped admin reads and changes only the users inside their subtree, by list, by id and by
//! bulk selection. Every rule is tried from the side that would break it.

mod common;

use common::{email, TestApp};
use http::StatusCode;
use serde_json::{json, Value};

/// Acme: root > Reseller > {Customer A, Customer B}. Rita is Admin on Customer A only; Carl a
/// Member on Customer A; Bea a Member on Customer B; Otto a Member on the root; Max a Member on
/// both customers (access outside A too).
struct Reseller {
    owner_email: String,
    owner: String,
    admin_role: i64,
    member_role: i64,
    root: i64,
    reseller: i64,
    customer_a: i64,
    customer_b: i64,
    rita: String,
    rita_id: i64,
    carl: i64,
    carl_email: String,
    bea: i64,
    bea_email: String,
    otto_email: String,
    max: i64,
    max_email: String,
}

async fn reseller(app: &TestApp) -> Reseller {
    let c = app.company("Acme").await;
    let root = app.root_account(&c.owner_email).await;
    let reseller = app.sub_account(root, "Reseller").await;
    let customer_a = app.sub_account(reseller, "Customer A").await;
    let customer_b = app.sub_account(reseller, "Customer B").await;
    let person = |who: &'static str| {
        let c = &c;
        async move {
            let address = email(&who.to_lowercase());
            let id = app.add_user(&c.owner_email, who, &address, "member").await;
            (id, address)
        }
    };
    let (rita_id, rita_email) = person("Rita").await;
    let (carl, carl_email) = person("Carl").await;
    let (bea, bea_email) = person("Bea").await;
    let (_, otto_email) = person("Otto").await;
    let (max, max_email) = person("Max").await;
    app.place(rita_id, &[(customer_a, c.admin_role)]).await;
    app.place(carl, &[(customer_a, c.member_role)]).await;
    app.place(bea, &[(customer_b, c.member_role)]).await;
    app.place(max, &[(customer_a, c.member_role), (customer_b, c.member_role)])
        .await;
    Reseller {
        rita: app.session_of(&rita_email).await,
        owner_email: c.owner_email,
        owner: c.owner,
        admin_role: c.admin_role,
        member_role: c.member_role,
        root,
        reseller,
        customer_a,
        customer_b,
        rita_id,
        carl,
        carl_email,
        bea,
        bea_email,
        otto_email,
        max,
        max_email,
    }
}

#[tokio::test]
async fn a_scoped_admin_lists_only_the_users_whose_access_lies_inside_their_account() {
    let app = TestApp::spawn().await;
    let r = reseller(&app).await;
    let page = app.list(&r.rita, &[]).await;
    let listed = TestApp::listed_emails(&page);
    assert!(listed.contains(&r.carl_email), "{listed:?}");
    for outside in [&r.bea_email, &r.otto_email, &r.max_email, &r.owner_email] {
        assert!(!listed.contains(outside), "{outside} leaked: {listed:?}");
    }
    assert_eq!(page["counts"]["all"], 2, "Rita and Carl: {}", page["counts"]);
    // Searching does not reach past the scope either. (The start of Bea's address: "bea" alone
    // is also hex, and the random part of Rita's or Carl's address held it one run in ~150.)
    let found = app.list(&r.rita, &[("search", "bea.")]).await;
    assert!(TestApp::listed_emails(&found).is_empty());
    let found = app.list(&r.owner, &[("search", "bea.")]).await;
    assert_eq!(TestApp::listed_emails(&found), vec![r.bea_email.clone()]);
    // The account filter offers only Customer A, named by its path.
    let filters = app.call("users/filters", &[], Some(&r.rita)).await.json();
    let accounts: Vec<&str> = filters["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(accounts, ["Acme › Reseller › Customer A"]);
    // The owner sees everyone, and all the accounts.
    let all = app.list(&r.owner, &[("per_page", "100")]).await;
    assert_eq!(all["counts"]["all"], 6);
}

#[tokio::test]
async fn a_scoped_admin_cannot_read_or_change_a_user_outside_by_id() {
    let app = TestApp::spawn().await;
    let r = reseller(&app).await;
    let bea = r.bea.to_string();
    let max = r.max.to_string();
    for target in [&bea, &max] {
        let calls: Vec<(&str, Vec<(&str, &str)>)> = vec![
            ("users/get", vec![("id", target)]),
            ("users/deactivate", vec![("id", target)]),
            ("users/change_role", vec![("id", target), ("role", "0")]),
            ("users/set_teams", vec![("id", target)]),
            ("profile/user_devices", vec![("user", target)]),
            ("profile/end_user_sessions", vec![("user", target)]),
            (
                "users/update",
                vec![
                    ("edit[id]", target),
                    ("edit[version]", "1"),
                    ("edit[name]", "Hacked"),
                    ("edit[email]", "hacked@example.com"),
                ],
            ),
            ("users/access/remove", vec![("id", target), ("account", "1")]),
        ];
        for (endpoint, args) in calls {
            let answer = app.call(endpoint, &args, Some(&r.rita)).await;
            assert_eq!(
                answer.status,
                StatusCode::NOT_FOUND,
                "{endpoint} on {target}: {}",
                answer.body
            );
        }
    }
    let unchanged = app
        .count(&format!(
            "SELECT COUNT(*) FROM users WHERE id IN ({bea}, {max}) AND status = 'active' AND name IN ('Bea', 'Max')"
        ))
        .await;
    assert_eq!(unchanged, 2);
    // Inside the scope the same calls work.
    let carl = r.carl.to_string();
    let got = app.call("users/get", &[("id", &carl)], Some(&r.rita)).await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.body);
    assert_eq!(got.json()["role"], "Member (Acme › Reseller › Customer A)");
}

#[tokio::test]
async fn a_scoped_admin_cannot_change_users_outside_by_bulk_selection() {
    let app = TestApp::spawn().await;
    let r = reseller(&app).await;
    let (carl, bea) = (r.carl.to_string(), r.bea.to_string());
    let picked = [
        ("selection[ids][0]", carl.as_str()),
        ("selection[ids][1]", bea.as_str()),
        ("action[kind]", "deactivate"),
    ];
    let preview = app.call("users/bulk/preview", &picked, Some(&r.rita)).await;
    assert_eq!(preview.json()["changed"], 1, "{}", preview.body);
    let applied = app.call("users/bulk/apply", &picked, Some(&r.rita)).await;
    assert_eq!(applied.status, StatusCode::OK, "{}", applied.body);
    assert_eq!(applied.json()["changed"], 1);
    // "Every user matching this view" also means only those inside.
    let everyone = [
        ("selection[matching][tab]", "all"),
        ("action[kind]", "deactivate"),
    ];
    let applied = app.call("users/bulk/apply", &everyone, Some(&r.rita)).await;
    assert_eq!(applied.status, StatusCode::OK, "{}", applied.body);
    let deactivated = app
        .count("SELECT COUNT(*) FROM users WHERE status = 'deactivated'")
        .await;
    assert_eq!(deactivated, 1, "only Carl");
    let carl_status = app
        .count(&format!(
            "SELECT COUNT(*) FROM users WHERE id = {carl} AND status = 'deactivated'"
        ))
        .await;
    assert_eq!(carl_status, 1);
}

#[tokio::test]
async fn a_scoped_admin_gives_access_and_invites_only_inside_their_account() {
    let app = TestApp::spawn().await;
    let r = reseller(&app).await;
    let carl = r.carl.to_string();
    let admin = r.admin_role.to_string();
    let member = r.member_role.to_string();
    let outside = r.customer_b.to_string();
    let refused = app
        .call(
            "users/access/grant",
            &[("id", &carl), ("role", &member), ("accounts[0]", &outside)],
            Some(&r.rita),
        )
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND, "{}", refused.body);
    // Inside: Admin on Customer A is hers to give.
    let inside = r.customer_a.to_string();
    let granted = app
        .call(
            "users/access/grant",
            &[("id", &carl), ("role", &admin), ("accounts[0]", &inside)],
            Some(&r.rita),
        )
        .await;
    assert_eq!(granted.status, StatusCode::OK, "{}", granted.body);
    let is_admin = app
        .count(&format!(
            "SELECT COUNT(*) FROM role_assignments WHERE user_id = {carl} AND account_id = {inside} AND role_id = {admin}"
        ))
        .await;
    assert_eq!(is_admin, 1);
    // Invitations: into the root refused, into Customer A fine.
    let root = r.root.to_string();
    let into = |account: &str| {
        vec![
            ("invite[addresses][0]", "newcomer@example.com".to_string()),
            ("invite[role]", member.clone()),
            ("invite[accounts][0][account]", account.to_string()),
            ("invite[accounts][0][role]", member.clone()),
        ]
    };
    let form = into(&root);
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let answer = app.call("invitations/invite", &form, Some(&r.rita)).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", answer.body);
    let form = into(&inside);
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let answer = app.call("invitations/invite", &form, Some(&r.rita)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let placed = app
        .count(&format!(
            "SELECT COUNT(*) FROM invitation_accounts ia JOIN invitations i ON i.id = ia.invitation_id
             WHERE i.email = 'newcomer@example.com' AND ia.account_id = {inside}"
        ))
        .await;
    assert_eq!(placed, 1);
    // Join requests are for those who manage the whole company.
    let count = app.call("approvals/count", &[], Some(&r.rita)).await;
    assert_eq!(count.json(), 0);
}

#[tokio::test]
async fn the_nearest_assignment_decides_on_a_four_level_tree() {
    let app = TestApp::spawn().await;
    let r = reseller(&app).await;
    // Level 4 under Customer A, where Rita is lowered to Member.
    let team_a = app.sub_account(r.customer_a, "Team A").await;
    app.place(
        r.rita_id,
        &[(r.customer_a, r.admin_role), (team_a, r.member_role)],
    )
    .await;
    let deep_email = email("deep");
    let deep = app
        .add_user(&r.owner_email, "Dee Deep", &deep_email, "member")
        .await;
    app.place(deep, &[(team_a, r.member_role)]).await;
    // Her access changed: it applies at her next request, no sign-out needed.
    let listed = TestApp::listed_emails(&app.list(&r.rita, &[]).await);
    assert!(listed.contains(&r.carl_email));
    assert!(
        !listed.contains(&deep_email),
        "Team A is below her Member assignment: {listed:?}"
    );
    let deep_id = deep.to_string();
    let refused = app.call("users/get", &[("id", &deep_id)], Some(&r.rita)).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    // Raised again on Team A, she reaches it.
    app.place(
        r.rita_id,
        &[(r.customer_a, r.member_role), (team_a, r.admin_role)],
    )
    .await;
    let listed = TestApp::listed_emails(&app.list(&r.rita, &[]).await);
    assert_eq!(listed, [deep_email], "now only Team A");
    // An owner-like Admin on the root, lowered on the Reseller, loses the customers.
    let ada_email = email("ada");
    let ada = app.add_user(&r.owner_email, "Ada", &ada_email, "admin").await;
    app.place(ada, &[(r.root, r.admin_role), (r.reseller, r.member_role)])
        .await;
    let ada_cookie = app.session_of(&ada_email).await;
    let listed = TestApp::listed_emails(&app.list(&ada_cookie, &[("per_page", "100")]).await);
    assert!(listed.contains(&r.otto_email));
    assert!(
        !listed.contains(&r.carl_email) && !listed.contains(&r.bea_email),
        "{listed:?}"
    );
}

#[tokio::test]
async fn access_changes_keep_one_assignment_spare_the_owner_and_the_caller_and_grant_no_more_than_held() {
    let app = TestApp::spawn().await;
    let r = reseller(&app).await;
    let (carl, max) = (r.carl.to_string(), r.max.to_string());
    let (a, b) = (r.customer_a.to_string(), r.customer_b.to_string());
    let last = app
        .call(
            "users/access/remove",
            &[("id", &carl), ("account", &a)],
            Some(&r.owner),
        )
        .await;
    assert_eq!(last.status, StatusCode::CONFLICT, "{}", last.body);
    assert!(last.body.contains("at least one account"), "{}", last.body);
    let removed = app
        .call(
            "users/access/remove",
            &[("id", &max), ("account", &b)],
            Some(&r.owner),
        )
        .await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.body);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM role_assignments WHERE user_id = {max}"
        ))
        .await,
        1
    );
    let owner_id = app.user_id(&r.owner_email).await.to_string();
    let member = r.member_role.to_string();
    let owner = app
        .call(
            "users/access/grant",
            &[("id", &owner_id), ("role", &member), ("accounts[0]", &a)],
            Some(&r.owner),
        )
        .await;
    assert_eq!(owner.status, StatusCode::CONFLICT, "{}", owner.body);
    let rita = r.rita_id.to_string();
    let own = app
        .call(
            "users/access/grant",
            &[("id", &rita), ("role", &member), ("accounts[0]", &b)],
            Some(&r.rita),
        )
        .await;
    assert_eq!(own.status, StatusCode::CONFLICT, "{}", own.body);
    // A "User manager" (view and manage users only) cannot hand out Admin.
    let manager_role = app
        .custom_role(&r.owner_email, "User manager", "users.view users.manage")
        .await;
    let manager_email = email("manager");
    let manager = app
        .add_user(&r.owner_email, "Manny", &manager_email, "member")
        .await;
    app.place(manager, &[(r.root, manager_role)]).await;
    let cookie = app.session_of(&manager_email).await;
    let admin = r.admin_role.to_string();
    let stronger = app
        .call(
            "users/access/grant",
            &[("id", &carl), ("role", &admin), ("accounts[0]", &a)],
            Some(&cookie),
        )
        .await;
    assert_eq!(
        stronger.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        stronger.body
    );
    assert!(
        stronger.body.contains("allows more than you may do"),
        "{}",
        stronger.body
    );
    let promoted = app
        .call(
            "users/change_role",
            &[("id", &carl), ("role", &admin)],
            Some(&cookie),
        )
        .await;
    assert_eq!(
        promoted.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        promoted.body
    );
    // Nor in bulk.
    let bulk = app
        .call(
            "users/bulk/apply",
            &[
                ("selection[ids][0]", carl.as_str()),
                ("action[kind]", "change_role"),
                ("action[role]", admin.as_str()),
            ],
            Some(&cookie),
        )
        .await;
    assert_eq!(bulk.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bulk.body);
    assert!(bulk.body.contains("allows more than you may do"), "{}", bulk.body);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM role_assignments WHERE user_id = {carl} AND role_id = {admin}"
        ))
        .await,
        0
    );
    let equal = app
        .call(
            "users/access/grant",
            &[("id", &carl), ("role", &member), ("accounts[0]", &b)],
            Some(&cookie),
        )
        .await;
    assert_eq!(equal.status, StatusCode::OK, "{}", equal.body);
}

#[tokio::test]
async fn change_role_gives_the_role_everywhere_but_leaves_mixed_roles_to_the_users_page() {
    let app = TestApp::spawn().await;
    let r = reseller(&app).await;
    let (carl, max) = (r.carl.to_string(), r.max.to_string());
    let admin = r.admin_role.to_string();
    let changed = app
        .call(
            "users/change_role",
            &[("id", &max), ("role", &admin)],
            Some(&r.owner),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM role_assignments WHERE user_id = {max} AND role_id = {admin}"
        ))
        .await,
        2,
        "both of Max's accounts"
    );
    let member = r.member_role.to_string();
    app.place(
        r.max,
        &[(r.customer_a, r.member_role), (r.customer_b, r.admin_role)],
    )
    .await;
    let mixed = app
        .call(
            "users/change_role",
            &[("id", &max), ("role", &member)],
            Some(&r.owner),
        )
        .await;
    assert_eq!(mixed.status, StatusCode::CONFLICT, "{}", mixed.body);
    let picked = [
        ("selection[ids][0]", carl.as_str()),
        ("selection[ids][1]", max.as_str()),
        ("action[kind]", "change_role"),
        ("action[role]", admin.as_str()),
    ];
    let applied = app.call("users/bulk/apply", &picked, Some(&r.owner)).await.json();
    assert_eq!(applied["changed"], 1, "{applied}");
    assert!(applied["skipped"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("different roles in several accounts"));
    // Undo puts Carl back as Member on Customer A.
    let undo = applied["undo"].as_i64().unwrap().to_string();
    let undone = app
        .call("users/bulk/undo", &[("change", &undo)], Some(&r.owner))
        .await;
    assert_eq!(undone.status, StatusCode::OK, "{}", undone.body);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM role_assignments WHERE user_id = {carl} AND account_id = {} AND role_id = {member}",
            r.customer_a
        ))
        .await,
        1
    );
}

#[tokio::test]
async fn the_host_product_asks_whether_someone_may_use_a_module_where() {
    let app = TestApp::spawn().await;
    let r = reseller(&app).await;
    let billing = app
        .custom_role(&r.owner_email, "Billing manager", "module.payments")
        .await;
    let bill_email = email("bill");
    let bill = app.add_user(&r.owner_email, "Bill", &bill_email, "member").await;
    app.place(bill, &[(r.root, r.member_role), (r.customer_a, billing)])
        .await;
    let cookie = app.session_of(&bill_email).await;
    let ask = |account: Option<i64>| {
        let cookie = cookie.clone();
        let app = &app;
        async move {
            let account = account.map(|a| a.to_string()).unwrap_or_default();
            let mut form = vec![("module", "module.payments")];
            if !account.is_empty() {
                form.push(("account", &account));
            }
            app.call("access/check", &form, Some(&cookie)).await
        }
    };
    assert_eq!(ask(None).await.json(), true);
    assert_eq!(ask(Some(r.customer_a)).await.json(), true);
    assert_eq!(ask(Some(r.customer_b)).await.json(), false);
    assert_eq!(ask(Some(r.root)).await.json(), false);
    let me = app.call("auth/me", &[], Some(&cookie)).await.json();
    assert_eq!(me["modules"], serde_json::json!(["module.payments"]));
    assert_eq!(me["permissions"], serde_json::json!([]));
    // Another company's account is unknown.
    let other = app.company("Other").await;
    let foreign = app.root_account(&other.owner_email).await;
    assert_eq!(ask(Some(foreign)).await.status, StatusCode::NOT_FOUND);
    // Signed out, no answer.
    let anonymous = app
        .call("access/check", &[("module", "module.payments")], None)
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_match_count_holds_only_the_callers_users_and_never_another_companys() {
    let app = TestApp::spawn().await;
    let r = reseller(&app).await;
    // Another company with its own Carl, and its owner's name shared with Acme's owner.
    let other = app.company("Globex").await;
    app.add_user(&other.owner_email, "Carl Outsider", &email("carl"), "member")
        .await;
    let matching = |page: &serde_json::Value| page["matching"].as_i64().unwrap();

    // Rita (Admin of Customer A) counts Carl and herself, whatever she searches or filters.
    let page = app.list(&r.rita, &[]).await;
    assert_eq!((matching(&page), page["counts"]["all"].as_i64().unwrap()), (2, 2));
    let page = app.list(&r.rita, &[("search", "carl")]).await;
    assert_eq!(matching(&page), 1, "only her Carl: {}", page["counts"]);
    assert_eq!(page["counts"]["all"], 1);
    // Customer B's people (Bea, and Max with access there too) are outside her scope.
    let customer_b = r.customer_b.to_string();
    let page = app.list(&r.rita, &[("account", &customer_b)]).await;
    assert_eq!(matching(&page), 0);
    let page = app.list(&r.rita, &[("search", "max")]).await;
    assert_eq!(matching(&page), 0);
    let page = app.list(&r.rita, &[("search", "Olivia Owner")]).await;
    assert_eq!(matching(&page), 0, "neither Acme's nor Globex's owner");

    // The owner counts the whole company, and nobody of Globex.
    let page = app.list(&r.owner, &[("search", "carl")]).await;
    assert_eq!(matching(&page), 1, "Acme's Carl, not Globex's");
    let page = app.list(&r.owner, &[("search", "Olivia Owner")]).await;
    assert_eq!(matching(&page), 1);
    let page = app.list(&r.owner, &[]).await;
    assert_eq!(matching(&page), 6);
    assert_eq!(page["counts"]["all"], 6);
    // Globex's owner counts their own two.
    let page = app.list(&other.owner, &[]).await;
    assert_eq!(matching(&page), 2);
    let page = app.list(&other.owner, &[("search", "max")]).await;
    assert_eq!(matching(&page), 0);
}

/// The condition on `users u` of the users whose assignments all lie in `account` (a leaf:
/// the scope of an admin there), with a name or email holding "ann" and the view's other
/// filters: written apart from the server's statements.
fn anns_of(company: i64, account: i64, filters: &str) -> String {
    format!(
        "u.company_id = {company} AND (LOWER(u.name) LIKE '%ann%' OR LOWER(u.email) LIKE '%ann%') {filters}
         AND EXISTS (SELECT 1 FROM role_assignments ra WHERE ra.user_id = u.id)
         AND NOT EXISTS (SELECT 1 FROM role_assignments ra WHERE ra.user_id = u.id AND ra.account_id <> {account})"
    )
}

#[tokio::test]
async fn a_scoped_admins_counts_of_a_search_and_filters_are_their_users_only_and_follow_each_change() {
    let app = TestApp::spawn().await;
    let r = reseller(&app).await;
    let company = app.company_of(&r.owner_email).await;
    // Bob is Admin on Customer B: the same views, another scope.
    let bob_email = email("bob");
    let bob_id = app.add_user(&r.owner_email, "Bob", &bob_email, "member").await;
    app.place(bob_id, &[(r.customer_b, r.admin_role)]).await;
    let bob = app.session_of(&bob_email).await;
    let made = app
        .call("teams/create", &[("name", "Night shift")], Some(&r.owner))
        .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    let team = app
        .count(&format!(
            "SELECT id FROM teams WHERE company_id = {company} AND name = 'Night shift'"
        ))
        .await;
    // Anns in A, in B, in both and on the root, of every status, some on the night shift.
    let people = [
        ("Ann Able", "active", vec![r.customer_a], true),
        ("Ann Baker", "deactivated", vec![r.customer_a], true),
        ("Ann Cole", "pending_email", vec![r.customer_a], false),
        ("Ann Dunn", "pending_approval", vec![r.customer_a], true),
        ("Hanna Eve", "active", vec![r.customer_a], false),
        ("Ann Fox", "active", vec![r.customer_b], true),
        ("Ann Gale", "pending_email", vec![r.customer_b], true),
        ("Ann Both", "active", vec![r.customer_a, r.customer_b], true),
        ("Ann Root", "active", vec![r.root], true),
    ];
    for (name, status, accounts, night) in &people {
        let id = app.add_user(&r.owner_email, name, &email("ann"), "member").await;
        let placed: Vec<(i64, i64)> = accounts.iter().map(|a| (*a, r.member_role)).collect();
        app.place(id, &placed).await;
        app.sql(&format!("UPDATE users SET status = '{status}' WHERE id = {id}"))
            .await;
        if *night {
            app.sql(&format!(
                "INSERT INTO team_members (team_id, user_id) VALUES ({team}, {id})"
            ))
            .await;
        }
    }
    let (team_text, a_text) = (team.to_string(), r.customer_a.to_string());
    let in_team = format!("AND u.id IN (SELECT user_id FROM team_members WHERE team_id = {team})");
    let in_a = format!(
        "AND u.id IN (SELECT user_id FROM role_assignments WHERE account_id = {})",
        r.customer_a
    );
    let views: [(Vec<(&str, &str)>, &str); 3] = [
        (vec![("search", "ann")], ""),
        (vec![("search", "ann"), ("team", &team_text)], &in_team),
        (vec![("search", "ANN"), ("account", &a_text)], &in_a),
    ];
    // Twice: the second time after the owner deactivated Ann Able, which only Rita counts.
    for round in 0..2 {
        for (view, filters) in &views {
            // Rita first: an entry kept for her view never answers Bob's.
            for (who, cookie, account) in [("Rita", &r.rita, r.customer_a), ("Bob", &bob, r.customer_b)] {
                let page = app.list(cookie, view).await;
                let fresh = app.fresh_counts(&anns_of(company, account, filters)).await;
                assert_eq!(
                    common::counts_by_status(&page),
                    fresh,
                    "round {round}, {who}, view {view:?}"
                );
                assert_eq!(page["matching"], page["counts"]["all"]);
            }
        }
        if round == 0 {
            // Not vacuous: the two scopes count different people.
            let rita = app.list(&r.rita, &[("search", "ann")]).await;
            let bob = app.list(&bob, &[("search", "ann")]).await;
            let of = |page: &serde_json::Value, tab: &str| page["counts"][tab].as_i64().unwrap();
            assert_eq!(
                ["deactivated", "awaiting_approval", "unconfirmed"].map(|tab| of(&rita, tab)),
                [1, 1, 1],
                "Ann Baker, Dunn and Cole: {}",
                rita["counts"]
            );
            assert!(of(&rita, "active") >= 2, "Ann Able and Hanna Eve");
            assert_eq!(of(&bob, "unconfirmed"), 1, "Ann Gale: {}", bob["counts"]);
            assert_eq!(of(&bob, "deactivated"), 0);
            let able = app
                .count(&format!(
                    "SELECT id FROM users WHERE company_id = {company} AND name = 'Ann Able'"
                ))
                .await
                .to_string();
            let r2 = app
                .call("users/deactivate", &[("id", &able)], Some(&r.owner))
                .await;
            assert_eq!(r2.status, StatusCode::OK, "{}", r2.body);
        }
    }
}

/// Giving one person a role that lets them do more asks first: the preview names the accounts
/// where they gain and what, nothing where they already hold as much, and a confirmation whose
/// preview no longer holds is refused with nothing given.
#[tokio::test]
async fn giving_one_person_more_access_is_previewed_and_a_stale_confirmation_is_refused() {
    let app = TestApp::spawn().await;
    let r = reseller(&app).await;
    let (carl, admin, member) = (
        r.carl.to_string(),
        r.admin_role.to_string(),
        r.member_role.to_string(),
    );
    let (a, b) = (r.customer_a.to_string(), r.customer_b.to_string());
    // The owner asks `users/access/<verb>` for Carl: `role` on `accounts`, with `extra` fields.
    let access =
        |verb: &'static str, role: String, accounts: Vec<String>, extra: Vec<(&'static str, String)>| {
            let (app, carl, owner) = (&app, carl.clone(), r.owner.clone());
            async move {
                let mut form = vec![("id".to_string(), carl), ("role".to_string(), role)];
                for (i, account) in accounts.into_iter().enumerate() {
                    form.push((format!("accounts[{i}]"), account));
                }
                form.extend(extra.into_iter().map(|(k, v)| (k.to_string(), v)));
                let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                app.call(&format!("users/access/{verb}"), &form, Some(&owner))
                    .await
            }
        };
    let preview = |role: String, accounts: Vec<String>| {
        let answer = access("preview", role, accounts, Vec::new());
        async move {
            let answer = answer.await;
            assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
            answer.json()
        }
    };
    let grant = |accounts: Vec<String>, gains: String| {
        access("grant", admin.clone(), accounts, vec![("gains", gains)])
    };
    // Carl is a Member on Customer A: Admin there and on Customer B gains on both.
    let gain = preview(admin.clone(), vec![a.clone(), b.clone()]).await;
    assert_eq!(
        gain["accounts"],
        json!(["Acme › Reseller › Customer A", "Acme › Reseller › Customer B"]),
        "{gain}"
    );
    let words: Vec<&str> = gain["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p.as_str())
        .collect();
    assert!(
        words.contains(&"Manage users") && words.contains(&"View users"),
        "{gain}"
    );
    // Member where he is a Member already adds nothing.
    assert_eq!(preview(member.clone(), vec![a.clone()]).await, Value::Null);

    // The owner confirms Admin on Customer A; meanwhile someone made Carl Admin on Customer B
    // already, which changes what the change adds: refused, nothing given.
    let shown = preview(admin.clone(), vec![a.clone(), b.clone()]).await["key"]
        .as_str()
        .unwrap()
        .to_string();
    app.place(
        r.carl,
        &[(r.customer_a, r.member_role), (r.customer_b, r.admin_role)],
    )
    .await;
    let stale = grant(vec![a.clone(), b.clone()], shown).await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    let admin_on_a = format!(
        "SELECT COUNT(*) FROM role_assignments WHERE user_id = {carl} AND account_id = {a} AND role_id = {admin}"
    );
    assert_eq!(app.count(&admin_on_a).await, 0, "nothing given");
    // "Nothing gained" confirmed, but now it gains: refused as well.
    let unseen = grant(vec![a.clone()], "none".into()).await;
    assert_eq!(unseen.status, StatusCode::CONFLICT, "{}", unseen.body);
    // The preview as it stands now, confirmed: given.
    let fresh = preview(admin.clone(), vec![a.clone(), b.clone()]).await;
    assert_eq!(
        fresh["accounts"],
        json!(["Acme › Reseller › Customer A"]),
        "{fresh}"
    );
    let key = fresh["key"].as_str().unwrap().to_string();
    let given = grant(vec![a.clone(), b.clone()], key).await;
    assert_eq!(given.status, StatusCode::OK, "{}", given.body);
    assert_eq!(app.count(&admin_on_a).await, 1);

    // A scoped admin previews only inside her account, as she grants.
    let outside = app
        .call(
            "users/access/preview",
            &[("id", &r.bea.to_string()), ("role", &member), ("accounts[0]", &b)],
            Some(&r.rita),
        )
        .await;
    assert_eq!(outside.status, StatusCode::NOT_FOUND, "{}", outside.body);
}

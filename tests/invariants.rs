//! The company's invariants under random concurrent load: eight tasks, acting as the owner and
//! three admins, send a thousand random operations (role changes, access on accounts, transfers
//! of ownership, deactivations, reactivations, deletions, bulk changes and their undos, account
//! moves, role deletions that move holders, team memberships, some in another company's team)
//! through the server functions at once. After every
//! operation one statement per invariant checks the database (each a snapshot of its own):
//! - exactly one owner, holding the Owner role on the root account, and nobody else holds it;
//! - everyone has at least one role assignment;
//! - no account is its own ancestor;
//! - no one is in a team of another company;
//! - no session survives for a deactivated person.
//!
//! After each round, with nothing running, the tab counts the users table shows equal a fresh
//! count. The operations come from proptest (its seed and the operations are printed on a
//! failure; `PROPTEST_CASES` runs more cases); which task's call lands first is the runtime's.

mod common;

use common::{TestApp, PASSWORD};
use proptest::{prelude::*, test_runner::TestRunner};
use std::sync::Arc;

const ADMINS: usize = 3;
const PEOPLE: usize = 24;
const TASKS: usize = 8;
const ROUNDS: usize = 10;
/// Operations per task and round: 8 × 10 × 13 = 1,040.
const PER_TASK: usize = 13;

#[derive(Debug, Clone)]
enum Op {
    ChangeRole {
        target: usize,
        role: usize,
    },
    Grant {
        target: usize,
        role: usize,
        account: usize,
    },
    RemoveAccess {
        target: usize,
        account: usize,
    },
    Transfer {
        target: usize,
    },
    Deactivate {
        target: usize,
    },
    Reactivate {
        target: usize,
    },
    Delete {
        target: usize,
    },
    Bulk {
        from: usize,
        to: usize,
    },
    Undo,
    MoveAccount {
        account: usize,
        parent: usize,
    },
    DeleteRole {
        role: usize,
        move_to: usize,
    },
    /// Puts the target in one of the teams, the last of which is another company's.
    SetTeams {
        target: usize,
        team: usize,
    },
}

/// An operation and the index of the person (owner first, then the admins) who sends it.
fn op() -> impl Strategy<Value = (usize, Op)> {
    let people = 1 + ADMINS + PEOPLE;
    let op = prop_oneof![
        4 => (0..people, 0..5usize).prop_map(|(target, role)| Op::ChangeRole { target, role }),
        2 => (0..people, 0..5usize, 0..4usize).prop_map(|(target, role, account)| Op::Grant { target, role, account }),
        2 => (0..people, 0..4usize).prop_map(|(target, account)| Op::RemoveAccess { target, account }),
        1 => (0..people).prop_map(|target| Op::Transfer { target }),
        2 => (0..people).prop_map(|target| Op::Deactivate { target }),
        2 => (0..people).prop_map(|target| Op::Reactivate { target }),
        // Never one of those who act: deleted, they could not act again.
        1 => (1 + ADMINS..people).prop_map(|target| Op::Delete { target }),
        2 => (0..5usize, 0..5usize).prop_map(|(from, to)| Op::Bulk { from, to }),
        1 => Just(Op::Undo),
        2 => (0..4usize, 0..4usize).prop_map(|(account, parent)| Op::MoveAccount { account, parent }),
        1 => (0..5usize, 0..5usize).prop_map(|(role, move_to)| Op::DeleteRole { role, move_to }),
        2 => (0..people, 0..3usize).prop_map(|(target, team)| Op::SetTeams { target, team }),
    ];
    (0..1 + ADMINS, op)
}

/// The company: its people (owner, admins, then the others) with their emails, its roles
/// (built-in and two custom), its accounts (the root and three below it), and teams: two of
/// its own and, last, one of another company.
struct Company {
    id: i64,
    people: Vec<(i64, String)>,
    roles: Vec<i64>,
    accounts: Vec<i64>,
    teams: Vec<i64>,
}

async fn company(app: &TestApp) -> Company {
    let owner = common::email("owner");
    let owner_cookie = app.sign_up("Invariant Inc", "Olive Owner", &owner).await;
    let mut people = vec![(app.user_id(&owner).await, owner.clone())];
    for i in 0..ADMINS + PEOPLE {
        let email = common::email(&format!("person{i}"));
        let role = if i < ADMINS { "admin" } else { "member" };
        people.push((
            app.add_user(&owner, &format!("Person {i}"), &email, role).await,
            email,
        ));
    }
    let root = app.root_account(&owner).await;
    let east = app.sub_account(root, "East").await;
    let accounts = vec![
        root,
        east,
        app.sub_account(root, "West").await,
        app.sub_account(east, "North-East").await,
    ];
    let roles = vec![
        app.role_id(&owner, "admin").await,
        app.role_id(&owner, "member").await,
        app.role_id(&owner, "owner").await,
        app.custom_role(&owner, "Support", "users.view").await,
        app.custom_role(&owner, "Recruiter", "users.view invitations.manage")
            .await,
    ];
    let other = app
        .sign_up("Elsewhere Ltd", "Otto Other", &common::email("other"))
        .await;
    let team = |name: &'static str, cookie: String| async move {
        let r = app.call("teams/create", &[("name", name)], Some(&cookie)).await;
        r.json().as_i64().expect("a team id")
    };
    let teams = vec![
        team("Sales", owner_cookie.clone()).await,
        team("Support", owner_cookie).await,
        team("Elsewhere", other).await,
    ];
    Company {
        id: app.company_of(&owner).await,
        people,
        roles,
        accounts,
        teams,
    }
}

/// Sends `op` as `actor`, signing them in again if their session ended (deactivated and
/// reactivated since); refusals are part of the load.
async fn send(
    app: &TestApp,
    c: &Company,
    cookies: &tokio::sync::Mutex<Vec<String>>,
    actor: usize,
    op: &Op,
) -> bool {
    let person = |i: usize| c.people[i % c.people.len()].clone();
    let id = |i: usize| person(i).0.to_string();
    let (endpoint, form): (&str, Vec<(String, String)>) = match op {
        Op::ChangeRole { target, role } => (
            "users/change_role",
            vec![
                ("id".into(), id(*target)),
                ("role".into(), c.roles[*role].to_string()),
            ],
        ),
        Op::Grant {
            target,
            role,
            account,
        } => (
            "users/access/grant",
            vec![
                ("id".into(), id(*target)),
                ("role".into(), c.roles[*role].to_string()),
                ("accounts[0]".into(), c.accounts[*account].to_string()),
            ],
        ),
        Op::RemoveAccess { target, account } => (
            "users/access/remove",
            vec![
                ("id".into(), id(*target)),
                ("account".into(), c.accounts[*account].to_string()),
            ],
        ),
        Op::Transfer { target } => (
            "users/transfer_ownership",
            vec![("to".into(), id(*target)), ("password".into(), PASSWORD.into())],
        ),
        Op::Deactivate { target } => ("users/deactivate", vec![("id".into(), id(*target))]),
        Op::Reactivate { target } => ("users/reactivate", vec![("id".into(), id(*target))]),
        Op::Delete { target } => (
            "users/delete",
            vec![
                ("id".into(), id(*target)),
                ("confirm_email".into(), person(*target).1),
            ],
        ),
        Op::Bulk { from, to } => (
            "users/bulk/apply",
            vec![
                ("selection[matching][tab]".into(), "all".into()),
                ("selection[matching][role]".into(), c.roles[*from].to_string()),
                ("action[kind]".into(), "change_role".into()),
                ("action[role]".into(), c.roles[*to].to_string()),
            ],
        ),
        Op::Undo => {
            let latest = app.count("SELECT COALESCE(MAX(id), 0) FROM bulk_changes").await;
            ("users/bulk/undo", vec![("change".into(), latest.to_string())])
        }
        Op::MoveAccount { account, parent } => (
            "accounts/move",
            vec![
                ("id".into(), c.accounts[*account].to_string()),
                ("parent".into(), c.accounts[*parent].to_string()),
            ],
        ),
        Op::SetTeams { target, team } => (
            "users/set_teams",
            vec![
                ("id".into(), id(*target)),
                ("teams[0]".into(), c.teams[*team].to_string()),
            ],
        ),
        Op::DeleteRole { role, move_to } => (
            "roles/delete",
            vec![
                ("id".into(), c.roles[*role].to_string()),
                ("move_to".into(), c.roles[*move_to].to_string()),
            ],
        ),
    };
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let cookie = cookies.lock().await[actor].clone();
    let r = app.call(endpoint, &form, Some(&cookie)).await;
    assert!(r.status.as_u16() < 500, "{op:?} failed: {} {}", r.status, r.body);
    if r.status == http::StatusCode::UNAUTHORIZED {
        let again = app.sign_in(&c.people[actor].1, PASSWORD).await;
        if let Some(cookie) = again.session_cookie() {
            cookies.lock().await[actor] = cookie;
        }
    }
    r.status.is_success()
}

/// Each invariant as one statement, so each reads one committed state.
async fn check_invariants(app: &TestApp, company: i64, after: &str) {
    let checks = [
        (
            "exactly one owner, holding the Owner role on the root account, and only they",
            format!(
                "SELECT COUNT(*) FROM companies c WHERE c.id = {company}
                 AND (SELECT COUNT(*) FROM role_assignments ra JOIN roles r ON r.id = ra.role_id
                      WHERE r.company_id = c.id AND r.builtin = 'owner') = 1
                 AND EXISTS (SELECT 1 FROM role_assignments ra JOIN roles r ON r.id = ra.role_id
                      JOIN accounts a ON a.id = ra.account_id
                      WHERE ra.user_id = c.owner_id AND r.builtin = 'owner' AND a.parent_id IS NULL)"
            ),
            1,
        ),
        (
            "people without any role assignment",
            format!(
                "SELECT COUNT(*) FROM users u WHERE u.company_id = {company}
                 AND NOT EXISTS (SELECT 1 FROM role_assignments ra WHERE ra.user_id = u.id)"
            ),
            0,
        ),
        (
            "accounts that are their own ancestor",
            format!(
                "WITH RECURSIVE up (start, id, depth) AS (
                   SELECT id, parent_id, 1 FROM accounts WHERE company_id = {company} AND parent_id IS NOT NULL
                   UNION ALL
                   SELECT up.start, a.parent_id, up.depth + 1 FROM up JOIN accounts a ON a.id = up.id
                   WHERE a.parent_id IS NOT NULL AND up.depth < 50)
                 SELECT COUNT(*) FROM up WHERE id = start"
            ),
            0,
        ),
        (
            "team members from another company",
            "SELECT COUNT(*) FROM team_members tm JOIN teams t ON t.id = tm.team_id
             JOIN users u ON u.id = tm.user_id WHERE t.company_id <> u.company_id"
                .to_string(),
            0,
        ),
        (
            "sessions of deactivated people",
            "SELECT COUNT(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.status = 'deactivated'".to_string(),
            0,
        ),
    ];
    for (what, sql, expected) in checks {
        assert_eq!(app.count(&sql).await, expected, "{what}, after {after}");
    }
}

/// With nothing running, the users table's tab counts (as a company-wide viewer no operation
/// touches sees them) equal a fresh count.
async fn check_counts(app: &TestApp, company: i64, cookie: &str) {
    let counts = app.list(cookie, &[]).await["counts"].clone();
    let fresh = |status: &str| {
        let filter = if status.is_empty() {
            String::new()
        } else {
            format!(" AND status = '{status}'")
        };
        format!("SELECT COUNT(*) FROM users WHERE company_id = {company}{filter}")
    };
    for (tab, status) in [("all", ""), ("active", "active"), ("deactivated", "deactivated")] {
        assert_eq!(
            counts[tab].as_i64().unwrap(),
            app.count(&fresh(status)).await,
            "the {tab} tab's count"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn random_concurrent_changes_by_several_admins_never_break_the_company_invariants() {
    let ops = proptest::collection::vec(op(), TASKS * ROUNDS * PER_TASK);
    let mut runner = TestRunner::new(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(1),
        // A failing run is printed whole; shrinking would replay a concurrent run.
        max_shrink_iters: 0,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    let handle = tokio::runtime::Handle::current();
    let result = runner.run(&ops, |ops| {
        tokio::task::block_in_place(|| handle.block_on(run(ops)));
        Ok(())
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
}

async fn run(ops: Vec<(usize, Op)>) {
    let app = Arc::new(TestApp::spawn().await);
    let c = Arc::new(company(&app).await);
    let mut cookies = Vec::new();
    for (_, email) in &c.people[..1 + ADMINS] {
        cookies.push(app.session_of(email).await);
    }
    let cookies = Arc::new(tokio::sync::Mutex::new(cookies));
    // Views the users table throughout: holds a role of its own on the root account, which no
    // operation names.
    let watcher = common::email("watcher");
    let watcher_id = app.add_user(&c.people[0].1, "Watcher", &watcher, "member").await;
    let viewer = app.custom_role(&c.people[0].1, "Viewer", "users.view").await;
    app.place(watcher_id, &[(c.accounts[0], viewer)]).await;
    let observer = app.session_of(&watcher).await;
    let mut done = Vec::new();
    for round in ops.chunks(TASKS * PER_TASK) {
        let tasks: Vec<_> = round
            .chunks(PER_TASK)
            .map(|ops| {
                let (app, c, cookies, ops) = (app.clone(), c.clone(), cookies.clone(), ops.to_vec());
                tokio::spawn(async move {
                    let mut done = Vec::new();
                    for (actor, op) in &ops {
                        if send(&app, &c, &cookies, *actor, op).await {
                            done.push(format!("{op:?}").split([' ', '{']).next().unwrap().to_string());
                        }
                        check_invariants(&app, c.id, &format!("{op:?} by person {actor}")).await;
                    }
                    done
                })
            })
            .collect();
        for task in tasks {
            done.extend(task.await.unwrap());
        }
        check_counts(&app, c.id, &observer).await;
    }
    // The load must change things, not only be refused.
    done.sort();
    let mut kinds: Vec<(String, usize)> = Vec::new();
    for kind in done.iter() {
        match kinds.last_mut() {
            Some((k, n)) if k == kind => *n += 1,
            _ => kinds.push((kind.clone(), 1)),
        }
    }
    println!(
        "{} of {} operations went through: {kinds:?}",
        done.len(),
        ops.len()
    );
    // Most are refused once the actors have been demoted or deactivated (120 to 215 of 1,040
    // went through in the runs seen), so the bar is low: enough to have changed things.
    assert!(
        done.len() * 20 >= ops.len(),
        "fewer than a twentieth of the operations went through: {kinds:?}"
    );
}

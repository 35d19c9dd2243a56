//! Live updates: the server-sent events of `GET /api/live` reach the open pages of the
//! company that changed, never another's, and only of the kinds each viewer may see; server
//! functions announce their changes; the stream needs a session that may see something; on
//! PostgreSQL an instance hears the others' changes.

mod common;

use axum::body::Body;
use common::{email, TestApp};
use http::{header, StatusCode};
use http_body_util::BodyExt;
use roster::model::{AccountId, CompanyId, LiveEvent, LiveKind, RoleId, TeamId, UserId};
use std::time::Duration;

/// What a test reads from the stream.
#[derive(Debug, PartialEq)]
enum Next {
    Event {
        name: String,
        data: String,
    },
    /// Nothing but keep-alives within the wait.
    Quiet,
    /// The server ended the stream.
    End,
}

/// The body of an open `/api/live` response, read event by event.
struct LiveStream {
    body: Body,
    buffer: String,
}

impl LiveStream {
    /// The next event (keep-alive comments skipped), waiting at most `wait`.
    async fn next_within(&mut self, wait: Duration) -> Next {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            while let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let (mut name, mut data) = (String::from("message"), None::<String>);
                for line in block.lines() {
                    if let Some(value) = line.strip_prefix("event:") {
                        name = value.trim().to_string();
                    } else if let Some(value) = line.strip_prefix("data:") {
                        data = Some(value.trim().to_string());
                    }
                }
                if let Some(data) = data {
                    return Next::Event { name, data };
                }
            }
            match tokio::time::timeout_at(deadline, self.body.frame()).await {
                Err(_) => return Next::Quiet,
                Ok(None) => return Next::End,
                Ok(Some(frame)) => {
                    if let Ok(bytes) = frame.expect("a readable stream").into_data() {
                        self.buffer.push_str(&String::from_utf8_lossy(&bytes));
                    }
                }
            }
        }
    }

    async fn next(&mut self) -> Next {
        self.next_within(Duration::from_secs(5)).await
    }

    /// The next event must be a change, with this JSON.
    async fn expect_change(&mut self, event: &LiveEvent) {
        assert_eq!(
            self.next().await,
            Next::Event {
                name: "change".into(),
                data: serde_json::to_string(event).unwrap()
            }
        );
    }

    /// The next events must be these changes, in any order (another instance's events each
    /// come through their own NOTIFY, which may overtake one another).
    async fn expect_changes_in_any_order(&mut self, events: &[LiveEvent]) {
        let mut expected: Vec<String> = events.iter().map(|e| serde_json::to_string(e).unwrap()).collect();
        let mut got = Vec::new();
        for _ in events {
            match self.next().await {
                Next::Event { name, data } if name == "change" => got.push(data),
                other => panic!("expected a change, got {other:?}"),
            }
        }
        expected.sort();
        got.sort();
        assert_eq!(got, expected);
    }

    async fn expect_quiet(&mut self) {
        assert_eq!(self.next_within(Duration::from_millis(300)).await, Next::Quiet);
    }
}

/// Opens the stream as `cookie`'s user (asking for compression, which it must not get) and
/// reads its `ready` event.
async fn open_live(app: &TestApp, cookie: &str) -> LiveStream {
    let response = app
        .open(
            "/api/live",
            &[
                ("cookie", cookie),
                ("accept", "text/event-stream"),
                ("accept-encoding", "gzip, br"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers();
    assert_eq!(headers[header::CONTENT_TYPE], "text/event-stream");
    assert!(
        headers.get(header::CONTENT_ENCODING).is_none(),
        "a compressed stream would be buffered"
    );
    let mut stream = LiveStream {
        body: response.into_body(),
        buffer: String::new(),
    };
    assert_eq!(
        stream.next().await,
        Next::Event {
            name: "ready".into(),
            data: "{}".into()
        }
    );
    stream
}

async fn company_of(app: &TestApp, email: &str) -> CompanyId {
    CompanyId(
        sqlx::query_scalar("SELECT company_id FROM users WHERE email = $1")
            .bind(email)
            .fetch_one(&app.state.db)
            .await
            .unwrap(),
    )
}

/// "The audit log changed": all a stream ever says of it.
fn audit() -> LiveEvent {
    LiveEvent::everything(LiveKind::Audit)
}

/// A company with an owner, an admin and a member: (owner cookie, admin email, member id).
async fn company(app: &TestApp) -> (String, String, String, i64) {
    let owner_email = email("owner");
    let owner = app.sign_up("Initech", "Olivia Owner", &owner_email).await;
    let admin = email("ada");
    app.add_user(&owner_email, "Ada Admin", &admin, "admin").await;
    let member = app
        .add_user(&owner_email, "Tom Member", &email("tom"), "member")
        .await;
    (owner, owner_email, admin, member)
}

#[tokio::test]
async fn an_event_for_one_company_reaches_its_subscribers_and_never_another_companys() {
    let app = TestApp::spawn().await;
    let (a_email, b_email) = (email("alice"), email("bob"));
    let a = app.sign_up("Initech", "Alice Owner", &a_email).await;
    let b = app.sign_up("Globex", "Bob Owner", &b_email).await;
    let (company_a, company_b) = (company_of(&app, &a_email).await, company_of(&app, &b_email).await);
    let mut first_of_a = open_live(&app, &a).await;
    let mut second_of_a = open_live(&app, &a).await;
    let mut of_b = open_live(&app, &b).await;
    assert_eq!(app.state.live.subscribers(company_a), 2);

    app.state.live.publish(company_a, LiveEvent::user(UserId(1)));
    app.state.live.publish(company_b, LiveEvent::user(UserId(2)));
    first_of_a.expect_change(&LiveEvent::user(UserId(1))).await;
    second_of_a.expect_change(&LiveEvent::user(UserId(1))).await;
    // B's first event is its own: A's never reached it.
    of_b.expect_change(&LiveEvent::user(UserId(2))).await;
    of_b.expect_quiet().await;
    first_of_a.expect_quiet().await;

    drop((first_of_a, second_of_a));
    assert_eq!(app.state.live.subscribers(company_a), 0);
}

#[tokio::test]
async fn a_change_through_a_server_function_is_announced_with_its_ids() {
    let app = TestApp::spawn().await;
    let (owner, owner_email, admin, member) = company(&app).await;
    let admin = app.session_of(&admin).await;
    let mut stream = open_live(&app, &admin).await;

    let id = member.to_string();
    let r = app.call("users/deactivate", &[("id", &id)], Some(&owner)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // A change to a user says who made it, for a page open in that user's edit form; then
    // that the audit log changed (never which events: some viewers see only part of it).
    stream
        .expect_change(&LiveEvent::user(UserId(member)).by("Olivia Owner"))
        .await;
    stream.expect_change(&audit()).await;

    let role = app.role_id(&owner_email, "member").await;
    let r = app.invite(&owner, &[&email("gabe")], role).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    stream
        .expect_change(&LiveEvent::everything(roster::model::LiveKind::Invitations).by("Olivia Owner"))
        .await;
    stream.expect_change(&audit()).await;

    // A refused change announces nothing.
    let r = app
        .call("users/deactivate", &[("id", "999999")], Some(&owner))
        .await;
    assert_ne!(r.status, StatusCode::OK);
    stream.expect_quiet().await;
}

#[tokio::test]
async fn the_live_stream_needs_a_session_that_may_see_something() {
    let app = TestApp::spawn().await;
    let (_, owner_email, _, _) = company(&app).await;
    let member = email("mia");
    app.add_user(&owner_email, "Mia Member", &member, "member").await;
    let member = app.session_of(&member).await;

    let signed_out = app.open("/api/live", &[]).await;
    assert_eq!(signed_out.status(), StatusCode::UNAUTHORIZED);
    let unknown = app
        .open("/api/live", &[("cookie", "roster_session=not-a-session")])
        .await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    let r = app.open("/api/live", &[("cookie", &member)]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let body = r.into_body().collect().await.unwrap().to_bytes();
    assert!(String::from_utf8_lossy(&body).contains("Forbidden"), "{body:?}");
}

#[tokio::test]
async fn a_stream_ends_when_its_user_is_deactivated() {
    let app = TestApp::spawn().await;
    let (owner, _, admin, _) = company(&app).await;
    let admin_id = app.user_id(&admin).await;
    let mut stream = open_live(&app, &app.session_of(&admin).await).await;
    let id = admin_id.to_string();
    let r = app.call("users/deactivate", &[("id", &id)], Some(&owner)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(stream.next().await, Next::End);
}

#[tokio::test]
async fn a_change_on_one_instance_reaches_a_subscriber_of_another_once() {
    if !std::env::var("ROSTER_TEST_DATABASE_URL").is_ok_and(|url| url.starts_with("postgres")) {
        eprintln!("skipped: instances share live updates through PostgreSQL (set ROSTER_TEST_DATABASE_URL)");
        return;
    }
    let one = TestApp::spawn().await;
    let two = one.spawn_sharing_database(&[]).await;
    let (owner, _, admin, member) = company(&one).await;
    let mut on_two = open_live(&two, &two.session_of(&admin).await).await;
    let mut on_one = open_live(&one, &owner).await;

    let id = member.to_string();
    let r = one.call("users/deactivate", &[("id", &id)], Some(&owner)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let changed = LiveEvent::user(UserId(member)).by("Olivia Owner");
    on_two
        .expect_changes_in_any_order(&[changed.clone(), audit()])
        .await;
    on_one
        .expect_changes_in_any_order(&[changed.clone(), audit()])
        .await;
    // Each instance delivers an event once: its own NOTIFY comes back to it and is skipped.
    on_two.expect_quiet().await;
    on_one.expect_quiet().await;

    // And the other way round.
    let r = two.call("users/reactivate", &[("id", &id)], Some(&owner)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    on_one
        .expect_changes_in_any_order(&[changed.clone(), audit()])
        .await;
    on_two.expect_changes_in_any_order(&[changed, audit()]).await;
}

#[tokio::test]
async fn a_sessions_fifth_stream_closes_its_oldest_and_is_served() {
    let app = TestApp::spawn().await;
    let owner_email = email("owner");
    let owner = app.sign_up("Initech", "Olivia Owner", &owner_email).await;
    let company = company_of(&app, &owner_email).await;
    // Another session of the same user has its own allowance.
    let mut other_session = open_live(&app, &app.session_of(&owner_email).await).await;
    let mut streams = Vec::new();
    for _ in 0..5 {
        streams.push(open_live(&app, &owner).await);
    }
    let mut oldest = streams.remove(0);
    assert_eq!(oldest.next().await, Next::End);
    assert_eq!(app.state.live.subscribers(company), 5);

    app.state.live.publish(company, LiveEvent::user(UserId(7)));
    for stream in streams.iter_mut().rev() {
        stream.expect_change(&LiveEvent::user(UserId(7))).await;
    }
    other_session.expect_change(&LiveEvent::user(UserId(7))).await;

    drop((streams, other_session));
    assert_eq!(app.state.live.subscribers(company), 0);
}

/// Reads the JSON body of a server function that answered an id.
fn id_of(r: &common::Response) -> i64 {
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json().as_i64().expect("an id")
}

#[tokio::test]
async fn roles_accounts_and_settings_changes_reach_only_those_of_the_company_allowed_to_see_them() {
    let app = TestApp::spawn().await;
    let (owner, owner_email, admin, _) = company(&app).await;
    // A viewer sees users (so has a stream) but manages nothing; a role keeper manages roles
    // and nothing else.
    let viewer_role = app.custom_role(&owner_email, "Viewer", "users.view").await;
    let keeper_role = app.custom_role(&owner_email, "Keeper", "roles.manage").await;
    let root = app.root_account(&owner_email).await;
    let (viewer, keeper) = (email("vera"), email("ken"));
    let viewer_id = app.add_user(&owner_email, "Vera Viewer", &viewer, "member").await;
    let keeper_id = app.add_user(&owner_email, "Ken Keeper", &keeper, "member").await;
    app.place(viewer_id, &[(root, viewer_role)]).await;
    app.place(keeper_id, &[(root, keeper_role)]).await;
    let other_email = email("bob");
    let other = app.sign_up("Globex", "Bob Owner", &other_email).await;
    app.state.live.catch_up();

    let mut admin = open_live(&app, &app.session_of(&admin).await).await;
    let mut viewer = open_live(&app, &app.session_of(&viewer).await).await;
    let mut keeper = open_live(&app, &app.session_of(&keeper).await).await;
    let mut other = open_live(&app, &other).await;

    // A role created: the admin and the role keeper hear it, the viewer does not.
    let role = RoleId(id_of(
        &app.call(
            "roles/create",
            &[("name", "Auditors"), ("permissions[0]", "ViewUsers")],
            Some(&owner),
        )
        .await,
    ));
    admin
        .expect_change(&LiveEvent::roles([role]).by("Olivia Owner"))
        .await;
    admin.expect_change(&audit()).await;
    keeper
        .expect_change(&LiveEvent::roles([role])) // no name: they may not see people
        .await;

    // An account added: the admin hears it and the users tables' reload; the viewer only the
    // reload; the role keeper nothing.
    let account = AccountId(id_of(
        &app.call(
            "accounts/create",
            &[("parent", &root.to_string()), ("name", "Europe")],
            Some(&owner),
        )
        .await,
    ));
    admin
        .expect_change(&LiveEvent::accounts([account]).by("Olivia Owner"))
        .await;
    admin
        .expect_change(&LiveEvent::everything(LiveKind::Users).by("Olivia Owner"))
        .await;
    admin.expect_change(&audit()).await;
    viewer
        .expect_change(&LiveEvent::everything(LiveKind::Users).by("Olivia Owner"))
        .await;

    // The settings saved: those who manage settings hear it.
    let r = app
        .call(
            "settings/save",
            &[
                ("settings[company_name]", "Initech"),
                ("settings[invitation_validity_days]", "5"),
            ],
            Some(&owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    admin
        .expect_change(&LiveEvent::everything(LiveKind::Settings).by("Olivia Owner"))
        .await;
    admin.expect_change(&audit()).await;

    // The role renamed: its keeper hears the role, not the users (they may not view users).
    let r = app
        .call(
            "roles/update",
            &[
                ("id", &role.to_string()),
                ("name", "Auditing"),
                ("permissions[0]", "ViewUsers"),
            ],
            Some(&owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    admin
        .expect_change(&LiveEvent::roles([role]).by("Olivia Owner"))
        .await;
    admin
        .expect_change(&LiveEvent::everything(LiveKind::Users).by("Olivia Owner"))
        .await;
    admin.expect_change(&audit()).await;
    viewer
        .expect_change(&LiveEvent::everything(LiveKind::Users).by("Olivia Owner"))
        .await;
    keeper.expect_change(&LiveEvent::roles([role])).await;

    // Nothing else reached anyone, and nothing at all the other company.
    admin.expect_quiet().await;
    viewer.expect_quiet().await;
    keeper.expect_quiet().await;
    other.expect_quiet().await;
}

#[tokio::test]
async fn a_missed_stretch_asks_each_viewer_to_reload_only_what_they_may_see() {
    let app = TestApp::spawn().await;
    let (_, owner_email, admin, _) = company(&app).await;
    let viewer_role = app.custom_role(&owner_email, "Viewer", "users.view").await;
    let root = app.root_account(&owner_email).await;
    let viewer = email("vera");
    let viewer_id = app.add_user(&owner_email, "Vera Viewer", &viewer, "member").await;
    app.place(viewer_id, &[(root, viewer_role)]).await;
    let mut admin = open_live(&app, &app.session_of(&admin).await).await;
    let mut viewer = open_live(&app, &app.session_of(&viewer).await).await;

    app.state.live.catch_up();
    for kind in LiveKind::ALL {
        admin.expect_change(&LiveEvent::everything(kind)).await;
    }
    for kind in [LiveKind::Users, LiveKind::Invitations, LiveKind::Teams] {
        viewer.expect_change(&LiveEvent::everything(kind)).await;
    }
    viewer.expect_quiet().await;
}

#[tokio::test]
async fn an_admin_of_some_accounts_hears_of_peoples_changes_without_their_ids_or_names() {
    let app = TestApp::spawn().await;
    let (owner, owner_email, _, member) = company(&app).await;
    let root = app.root_account(&owner_email).await;
    let europe = app.sub_account(root, "Europe").await;
    let admin_role = app.role_id(&owner_email, "admin").await;
    let sam = email("sam");
    let sam_id = app.add_user(&owner_email, "Sam Scoped", &sam, "member").await;
    app.place(sam_id, &[(europe, admin_role)]).await;
    let mut scoped = open_live(&app, &app.session_of(&sam).await).await;

    // The member is outside Europe: Sam learns only that people changed, not who or by whom.
    let r = app
        .call("users/deactivate", &[("id", &member.to_string())], Some(&owner))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    scoped
        .expect_change(&LiveEvent::everything(roster::model::LiveKind::Users))
        .await;
    // And that the audit log changed: no ids, no names; the page counts what Sam may see.
    scoped.expect_change(&audit()).await;

    // An account outside Europe: Sam hears that accounts changed, not which or by whom.
    let r = app
        .call(
            "accounts/create",
            &[("parent", &root.to_string()), ("name", "Americas")],
            Some(&owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    scoped
        .expect_change(&LiveEvent::everything(LiveKind::Accounts))
        .await;
    scoped
        .expect_change(&LiveEvent::everything(LiveKind::Users))
        .await;
    scoped.expect_change(&audit()).await;

    // A team (the whole company's) renamed: which team, but not by whom.
    let team = id_of(&app.call("teams/create", &[("name", "Sales")], Some(&owner)).await);
    scoped.expect_change(&LiveEvent::teams([TeamId(team)])).await;
    scoped.expect_change(&audit()).await;
    scoped.expect_quiet().await;
}

#[tokio::test]
async fn an_invitation_change_announces_the_invitations_that_changed_not_those_asked_for() {
    let app = TestApp::spawn().await;
    let (owner, owner_email, admin, _) = company(&app).await;
    let role = app.role_id(&owner_email, "member").await;
    let r = app.invite(&owner, &[&email("gabe")], role).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let invitation = app.count("SELECT MAX(id) FROM invitations").await;
    let admin = app.session_of(&admin).await;
    let mut stream = open_live(&app, &admin).await;
    let (real, absent) = (invitation.to_string(), (invitation + 1000).to_string());
    let r = app
        .call(
            "invitations/withdraw",
            &[("ids[0]", &real), ("ids[1]", &absent)],
            Some(&owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    stream
        .expect_change(&LiveEvent::invitations([invitation]).by("Olivia Owner"))
        .await;
}

#[tokio::test]
async fn a_stopping_server_tells_open_streams_to_reconnect_and_ends_them() {
    let app = TestApp::spawn().await;
    let (owner, _, _, _) = company(&app).await;
    let mut open = open_live(&app, &owner).await;
    app.state.live.close_streams();
    assert_eq!(
        open.next().await,
        Next::Event {
            name: "reconnect".into(),
            data: "{}".into()
        }
    );
    assert_eq!(open.next().await, Next::End);
    // A stream opened while the server stops is told the same at once.
    let response = app
        .open(
            "/api/live",
            &[("cookie", owner.as_str()), ("accept", "text/event-stream")],
        )
        .await;
    let mut late = LiveStream {
        body: response.into_body(),
        buffer: String::new(),
    };
    assert_eq!(
        late.next().await,
        Next::Event {
            name: "ready".into(),
            data: "{}".into()
        }
    );
    assert_eq!(
        late.next().await,
        Next::Event {
            name: "reconnect".into(),
            data: "{}".into()
        }
    );
    assert_eq!(late.next().await, Next::End);
}

#[tokio::test]
async fn a_bulk_move_between_teams_announces_the_users_and_the_teams_once_committed() {
    let app = TestApp::spawn().await;
    let (owner, _, admin, member) = company(&app).await;
    let admin = app.session_of(&admin).await;
    let mut teams = Vec::new();
    for name in ["Sales", "Marketing"] {
        let r = app.call("teams/create", &[("name", name)], Some(&owner)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        teams.push(r.json().as_i64().unwrap().to_string());
    }
    let id = member.to_string();
    let r = app
        .call(
            "teams/add_members",
            &[("id", &teams[0]), ("users[0]", &id)],
            Some(&owner),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mut stream = open_live(&app, &admin).await;

    let form = [
        ("selection[ids][0]", id.as_str()),
        ("action[kind]", "move_teams"),
        ("action[teams][0]", &teams[0]),
        ("action[teams][1]", &teams[1]),
    ];
    let r = app.call("users/bulk/apply", &form, Some(&owner)).await;
    assert_eq!(r.json()["changed"], 1, "{}", r.body);
    stream
        .expect_change(&LiveEvent::everything(LiveKind::Users).by("Olivia Owner"))
        .await;
    stream
        .expect_change(&LiveEvent::everything(LiveKind::Teams).by("Olivia Owner"))
        .await;
    stream.expect_change(&audit()).await;
    // A refused move (the same team twice) announces nothing.
    let same = [
        ("selection[ids][0]", id.as_str()),
        ("action[kind]", "move_teams"),
        ("action[teams][0]", &teams[1]),
        ("action[teams][1]", &teams[1]),
    ];
    let r = app.call("users/bulk/apply", &same, Some(&owner)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    stream.expect_quiet().await;
}

//! Test harness: a real Roster router on a fresh, migrated database per test. SQLite by
//! default; PostgreSQL when `ROSTER_TEST_DATABASE_URL` names a server (`make test` runs the
//! suite both ways). Requests go through the whole axum stack, server functions included.

#![allow(dead_code)] // each test file uses its own part of the harness

pub mod smtp;

use axum::{
    body::Body,
    extract::connect_info::{ConnectInfo, MockConnectInfo},
    Router,
};
use http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use roster::server::{
    config::Config,
    db,
    live::Live,
    mailer::{Mailer, MailerWorker},
    metrics, router,
    state::AppState,
};
use std::{net::SocketAddr, sync::Arc};
use tower::ServiceExt;

/// The audit chain's key in tests (a test that sets its own comes first).
pub const TEST_AUDIT_KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

pub struct TestApp {
    pub state: AppState,
    pub router: Router,
    /// The SQLite file's folder, shared by every app on the same database.
    dir: Option<Arc<tempfile::TempDir>>,
    /// The outbox's delivery worker, when `ROSTER_SMTP_URL` is set; stops with the app.
    mail_worker: Option<MailerWorker>,
    /// What `main` serves on `ROSTER_METRICS_ADDR`, when it is set.
    metrics: Option<Router>,
}

pub struct Response {
    pub status: StatusCode,
    pub headers: http::HeaderMap,
    pub body: String,
}

impl Response {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// The `name=value` of the session cookie this response set.
    pub fn session_cookie(&self) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.contains("roster_session=") && !v.contains("roster_session=;"))
            .map(|v| v.split(';').next().unwrap().to_string())
    }

    /// The `name=value` of the known-device cookie this response set.
    pub fn device_cookie(&self) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.contains("roster_device=") && !v.contains("roster_device=;"))
            .map(|v| v.split(';').next().unwrap().to_string())
    }

    pub fn set_cookie_header(&self) -> String {
        self.headers
            .get(header::SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    }
}

/// A database URL for one test: a new SQLite file, or a new PostgreSQL database.
pub async fn fresh_database() -> (String, Option<tempfile::TempDir>) {
    match std::env::var("ROSTER_TEST_DATABASE_URL") {
        Ok(base) if base.starts_with("postgres") => {
            use sqlx::Executor;
            sqlx::any::install_default_drivers();
            let name = format!("roster_test_{}", roster_token());
            let admin = sqlx::AnyPool::connect(&base)
                .await
                .expect("connect to the test PostgreSQL");
            admin
                .execute(format!("CREATE DATABASE {name}").as_str())
                .await
                .unwrap();
            admin.close().await;
            let (prefix, _) = base.rsplit_once('/').expect("a URL ending in /database");
            (format!("{prefix}/{name}"), None)
        }
        _ => {
            let dir = tempfile::tempdir().unwrap();
            (format!("sqlite://{}/roster.db", dir.path().display()), Some(dir))
        }
    }
}

fn roster_token() -> String {
    roster::server::token::generate()[..16].to_string()
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(&[]).await
    }

    /// A Roster with extra environment settings, e.g. `("ROSTER_SECURE_COOKIES", "1")`.
    pub async fn spawn_with(vars: &[(&str, &str)]) -> TestApp {
        let (url, dir) = fresh_database().await;
        TestApp::spawn_on(url, dir.map(Arc::new), vars).await
    }

    // --- Several apps on one database (the mail tests' restarts and rival workers) ---

    /// Another Roster on this app's database, as a second instance or a restart would be,
    /// with its own settings. It keeps the SQLite folder alive after this app is dropped.
    pub async fn spawn_sharing_database(&self, vars: &[(&str, &str)]) -> TestApp {
        TestApp::spawn_on(self.state.config.database_url.clone(), self.dir.clone(), vars).await
    }

    async fn spawn_on(url: String, dir: Option<Arc<tempfile::TempDir>>, vars: &[(&str, &str)]) -> TestApp {
        let mut all: Vec<(String, String)> = vec![
            ("DATABASE_URL".into(), url),
            ("ROSTER_ADDR".into(), "127.0.0.1:3000".into()),
        ];
        all.extend(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        // One audit key for every app of a test (instances sharing a database share it).
        all.push(("ROSTER_AUDIT_KEY".into(), TEST_AUDIT_KEY.into()));
        // Every test signs up from 127.0.0.1; the tests of the limit set their own first.
        all.push(("ROSTER_SIGNUPS_PER_HOUR".into(), "1000".into()));
        let config =
            Config::from_lookup(|name| all.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())).unwrap();
        let db = db::connect_and_migrate(&config.database_url)
            .await
            .expect("database");
        let (mailer, mail_worker) = Mailer::start(db.clone(), &config).expect("mailer");
        let live = Live::start(&config.database_url, db.clone()).await;
        let state = AppState {
            leptos_options: router::leptos_options("target/site", config.addr),
            db,
            config: Arc::new(config),
            mailer,
            live,
            counts: Default::default(),
        };
        let router =
            router::build(state.clone()).layer(MockConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
        let metrics = state
            .config
            .metrics_addr
            .map(|_| metrics::router(state.clone(), metrics::recorder()));
        TestApp {
            state,
            router,
            dir,
            mail_worker,
            metrics,
        }
    }

    /// Stops the outbox worker, as a crash of it would.
    pub async fn stop_mail_worker(&mut self) {
        if let Some(worker) = self.mail_worker.take() {
            worker.stop().await;
        }
    }

    // --- end of the several-apps block ---

    /// The `Host` of the public URL: Roster serves no other (421), so every request names it.
    pub fn public_host(&self) -> String {
        let url = url::Url::parse(&self.state.config.public_url).expect("a public URL");
        let host = url.host_str().expect("a public URL with a host");
        match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_string(),
        }
    }

    /// The origin of the public URL: a browser's requests from Roster's own pages carry it.
    pub fn public_origin(&self) -> String {
        let url = url::Url::parse(&self.state.config.public_url).expect("a public URL");
        url.origin().ascii_serialization()
    }

    /// Calls a server function (`/api/<endpoint>`) the way the browser does: a same-origin
    /// form POST, with the session cookie when given.
    pub async fn call(&self, endpoint: &str, form: &[(&str, &str)], cookie: Option<&str>) -> Response {
        let origin = self.public_origin();
        self.request("POST", &format!("/api/{endpoint}"), form, cookie, Some(&origin))
            .await
    }

    pub async fn request(
        &self,
        method: &str,
        path: &str,
        form: &[(&str, &str)],
        cookie: Option<&str>,
        origin: Option<&str>,
    ) -> Response {
        self.request_from(None, method, path, form, cookie, origin).await
    }

    /// Signs in the way the browser at client address `ip` does, sending `cookie` (a
    /// known-device cookie, say) when given.
    pub async fn sign_in_from(
        &self,
        ip: &str,
        email: &str,
        password: &str,
        cookie: Option<&str>,
    ) -> Response {
        let form = [("email", email), ("password", password), ("next", "")];
        let origin = self.public_origin();
        self.request_from(Some(ip), "POST", "/api/auth/signin", &form, cookie, Some(&origin))
            .await
    }

    /// `request` from the client address `ip`; without one the server sees no address (the
    /// router's `MockConnectInfo` is not what `auth::client_ip` reads).
    pub async fn request_from(
        &self,
        ip: Option<&str>,
        method: &str,
        path: &str,
        form: &[(&str, &str)],
        cookie: Option<&str>,
        origin: Option<&str>,
    ) -> Response {
        let mut builder = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, self.public_host())
            .header(header::USER_AGENT, "roster-tests");
        builder = if method == "POST" {
            builder.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        } else {
            builder.header(header::ACCEPT, "text/html")
        };
        if let Some(cookie) = cookie {
            builder = builder.header(header::COOKIE, cookie);
        }
        if let Some(origin) = origin {
            builder = builder.header(header::ORIGIN, origin);
        }
        if let Some(ip) = ip {
            let addr = SocketAddr::new(ip.parse().expect("an IP address"), 40000);
            builder = builder.extension(ConnectInfo(addr));
        }
        let body = serde_urlencoded::to_string(form).unwrap();
        send(self.router.clone(), builder.body(Body::from(body)).unwrap()).await
    }

    /// A signed-in `GET` of a page, run as a task of its own: the server's work for it can
    /// then land on any of a multi-threaded runtime's threads, as it does in production.
    pub fn spawn_get(&self, path: &str, cookie: &str) -> tokio::task::JoinHandle<Response> {
        let request = Request::builder()
            .uri(path)
            .header(header::HOST, self.public_host())
            .header(header::ACCEPT, "text/html")
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap();
        tokio::spawn(send(self.router.clone(), request))
    }
}

impl TestApp {
    /// The owner of `c`, as a change made directly (not through a server function) takes them.
    pub async fn owner_by(&self, c: &Company) -> roster::server::db::audit::By {
        roster::server::db::audit::By {
            company: roster::model::CompanyId(self.company_of(&c.owner_email).await),
            user: roster::model::UserId(self.user_id(&c.owner_email).await),
            name: "Olivia Owner".into(),
            ip: "127.0.0.1".into(),
            key: self.state.config.audit_key.clone(),
        }
    }

    /// Sends `request` as a task of its own (a request put together by hand: a body that
    /// arrives slowly, say).
    pub fn spawn_request(&self, request: Request<Body>) -> tokio::task::JoinHandle<Response> {
        tokio::spawn(send(self.router.clone(), request))
    }
}

/// Sends `request` through `router` and reads the whole answer.
async fn send(router: Router, request: Request<Body>) -> Response {
    let response = router.oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Response {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

impl TestApp {
    /// `GET /metrics` on the metrics address, as Prometheus scrapes it (by address, no
    /// session): the status and the text. Panics when `ROSTER_METRICS_ADDR` is not set.
    pub async fn scrape(&self) -> (StatusCode, String) {
        let metrics = self.metrics.clone().expect("ROSTER_METRICS_ADDR is set");
        let request = Request::builder()
            .uri(metrics::METRICS_PATH)
            .header(header::HOST, "10.0.0.7:9090")
            .body(Body::empty())
            .unwrap();
        let response = metrics.oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8(bytes.to_vec()).unwrap())
    }

    /// A `GET` whose body is left unread, for streams (`/api/live`) that do not end.
    pub async fn open(&self, path: &str, headers: &[(&str, &str)]) -> axum::response::Response {
        let mut builder = Request::builder()
            .method("GET")
            .uri(path)
            .header(header::HOST, self.public_host());
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        self.router
            .clone()
            .oneshot(builder.body(Body::empty()).unwrap())
            .await
            .unwrap()
    }

    /// Signs up a new company, confirms the owner's address with the emailed link (so the
    /// company may send email) and returns the owner's session cookie.
    pub async fn sign_up(&self, company: &str, name: &str, email: &str) -> String {
        let cookie = self.sign_up_unconfirmed(company, name, email).await;
        let token = self.emailed_token(email, "verify-email").await;
        let r = self
            .call("profile/verify_email", &[("token", &token)], None)
            .await;
        assert_eq!(
            r.status,
            StatusCode::OK,
            "confirming the owner failed: {}",
            r.body
        );
        cookie
    }

    /// Signs up a new company whose owner has not confirmed their address yet, and returns
    /// the owner's session cookie.
    pub async fn sign_up_unconfirmed(&self, company: &str, name: &str, email: &str) -> String {
        let r = self
            .call(
                "auth/signup",
                &[
                    ("company_name", company),
                    ("name", name),
                    ("email", email),
                    ("password", PASSWORD),
                ],
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "sign-up failed: {}", r.body);
        r.session_cookie().expect("sign-up sets a session cookie")
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> Response {
        self.call(
            "auth/signin",
            &[("email", email), ("password", password), ("next", "")],
            None,
        )
        .await
    }

    /// Runs SQL against the test database, for arranging states the UI cannot reach yet.
    pub async fn sql(&self, sql: &str) {
        sqlx::query(sql).execute(&self.state.db).await.unwrap();
        self.state.live.catch_up();
    }

    /// The id of the user whose login is `email`.
    pub async fn user_id(&self, email: &str) -> i64 {
        sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
            .bind(email)
            .fetch_one(&self.state.db)
            .await
            .unwrap_or_else(|e| panic!("no user {email}: {e}"))
    }

    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar::<_, i64>(sql)
            .fetch_one(&self.state.db)
            .await
            .unwrap()
    }
}

/// A password that passes the strength check.
pub const PASSWORD: &str = "Tangerine-Glacier-42-Otter";

impl TestApp {
    /// Adds an active user with `PASSWORD` and the built-in `role` ('admin', 'member') on the
    /// root account of the company of `colleague_email`. Adding users through the UI arrives
    /// with the users issue; until then tests arrange them here.
    pub async fn add_user(&self, colleague_email: &str, name: &str, email: &str, role: &str) -> i64 {
        let hash = roster::server::password::hash(&roster::model::NewPassword::parse(PASSWORD).unwrap())
            .await
            .unwrap();
        let company: i64 = sqlx::query_scalar("SELECT company_id FROM users WHERE email = $1")
            .bind(colleague_email)
            .fetch_one(&self.state.db)
            .await
            .unwrap();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (company_id, email, name, status, password_hash, created_at, updated_at, search_key)
             VALUES ($1, $2, $3, 'active', $4, 0, 0, $5) RETURNING id",
        )
        .bind(company)
        .bind(email)
        .bind(name)
        .bind(hash)
        .bind(roster::server::db::search::person_key(name, email))
        .fetch_one(&self.state.db)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO role_assignments (user_id, account_id, role_id)
             SELECT $1, a.id, r.id FROM accounts a JOIN roles r ON r.company_id = a.company_id
             WHERE a.company_id = $2 AND a.parent_id IS NULL AND r.builtin = $3",
        )
        .bind(id)
        .bind(company)
        .bind(role)
        .execute(&self.state.db)
        .await
        .unwrap();
        self.state.live.catch_up();
        id
    }

    /// Signs in and returns the session cookie.
    pub async fn session_of(&self, email: &str) -> String {
        let r = self.sign_in(email, PASSWORD).await;
        assert_eq!(r.status, StatusCode::OK, "sign-in failed: {}", r.body);
        r.session_cookie().unwrap()
    }
}

/// Runs the server binary's command `args` (`audit verify`, `backup`, `copy` …) on the
/// database `database` with the harness's audit key, and waits for it.
pub fn roster_command(args: &[&str], database: &str) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_roster"))
        .args(args)
        .env("DATABASE_URL", database)
        .env("ROSTER_AUDIT_KEY", TEST_AUDIT_KEY)
        .env("RUST_LOG", "error")
        .output()
        .unwrap()
}

/// A unique email for this test run.
pub fn email(who: &str) -> String {
    format!("{who}.{}@example.com", roster_token())
}

impl TestApp {
    /// Lists users for a view given as `(field, value)` pairs of `UserListQuery`, and returns
    /// the page as JSON (panicking on an error answer).
    pub async fn list(&self, cookie: &str, view: &[(&str, &str)]) -> serde_json::Value {
        let r = self.list_raw(cookie, view).await;
        assert_eq!(r.status, StatusCode::OK, "users/list answered {}", r.body);
        r.json()
    }

    /// The emails of the users on a page answered by `list`.
    pub fn listed_emails(page: &serde_json::Value) -> Vec<String> {
        page["users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["email"].as_str().unwrap().to_string())
            .collect()
    }

    pub async fn list_raw(&self, cookie: &str, view: &[(&str, &str)]) -> Response {
        let keys: Vec<String> = view.iter().map(|(k, _)| format!("query[{k}]")).collect();
        let mut form: Vec<(&str, &str)> = keys
            .iter()
            .map(String::as_str)
            .zip(view.iter().map(|(_, v)| *v))
            .collect();
        // The query needs at least one field to be present at all.
        if view.is_empty() {
            form.push(("query[tab]", "all"));
        }
        self.call("users/list", &form, Some(cookie)).await
    }
}

impl TestApp {
    /// The id of the built-in role `builtin` ('owner', 'admin', 'member') in the company of `email`.
    pub async fn role_id(&self, email: &str, builtin: &str) -> i64 {
        sqlx::query_scalar(
            "SELECT r.id FROM roles r JOIN users u ON u.company_id = r.company_id WHERE u.email = $1 AND r.builtin = $2",
        )
        .bind(email)
        .bind(builtin)
        .fetch_one(&self.state.db)
        .await
        .unwrap()
    }
}

// --- Emailed links and invitations ---

impl TestApp {
    /// The token of the `/<path>/<token>` link ("welcome", "invite") in the last email queued
    /// for `to`.
    pub async fn emailed_token(&self, to: &str, path: &str) -> String {
        let text: String =
            sqlx::query_scalar("SELECT text_body FROM outbox WHERE to_email = $1 ORDER BY id DESC LIMIT 1")
                .bind(to)
                .fetch_one(&self.state.db)
                .await
                .unwrap_or_else(|e| panic!("no email to {to}: {e}"));
        let marker = format!("/{path}/");
        let start = text
            .find(&marker)
            .unwrap_or_else(|| panic!("no {marker} link in: {text}"));
        text[start + marker.len()..]
            .split_whitespace()
            .next()
            .unwrap()
            .to_string()
    }

    /// Accepts the invitation of `token` as `name` with [`PASSWORD`], signed out.
    pub async fn accept_invitation(&self, token: &str, name: &str) -> Response {
        let form = [("token", token), ("name", name), ("password", PASSWORD)];
        self.call("invitations/accept", &form, None).await
    }

    /// Adds a person through the "Add user" form (`users/create`) as `cookie`, with the role
    /// `role` (an id) on the root account and `status` ("Active" or "Deactivated").
    pub async fn create_user(
        &self,
        cookie: &str,
        name: &str,
        email: &str,
        role: i64,
        status: &str,
    ) -> Response {
        let role = role.to_string();
        let form = [
            ("user[name]", name),
            ("user[email]", email),
            ("user[role]", role.as_str()),
            ("user[status]", status),
        ];
        self.call("users/create", &form, Some(cookie)).await
    }

    /// Invites `addresses` (each one entry of the dialog) with the role `role` (an id).
    pub async fn invite(&self, cookie: &str, addresses: &[&str], role: i64) -> Response {
        let keys: Vec<String> = (0..addresses.len())
            .map(|i| format!("invite[addresses][{i}]"))
            .collect();
        let role = role.to_string();
        let mut form: Vec<(&str, &str)> = keys
            .iter()
            .map(String::as_str)
            .zip(addresses.iter().copied())
            .collect();
        form.push(("invite[role]", &role));
        self.call("invitations/invite", &form, Some(cookie)).await
    }
}

// --- A signed-up company ---

/// A company signed up by "Olivia Owner": her email and session, and its built-in roles' ids.
pub struct Company {
    pub owner_email: String,
    pub owner: String,
    pub member_role: i64,
    pub admin_role: i64,
}

impl TestApp {
    pub async fn company(&self, name: &str) -> Company {
        let owner_email = email("owner");
        let owner = self.sign_up(name, "Olivia Owner", &owner_email).await;
        Company {
            member_role: self.role_id(&owner_email, "member").await,
            admin_role: self.role_id(&owner_email, "admin").await,
            owner_email,
            owner,
        }
    }
}

// --- Accounts, custom roles and role assignments, arranged directly ---

impl TestApp {
    /// The root account of the company of `email`.
    pub async fn root_account(&self, email: &str) -> i64 {
        self.count(&format!(
            "SELECT a.id FROM accounts a JOIN users u ON u.company_id = a.company_id
             WHERE u.email = '{email}' AND a.parent_id IS NULL"
        ))
        .await
    }

    /// Adds the account `name` under `parent`, in the parent's company.
    pub async fn sub_account(&self, parent: i64, name: &str) -> i64 {
        sqlx::query_scalar(
            "INSERT INTO accounts (company_id, parent_id, name, created_at, name_key)
             SELECT company_id, id, $2, 0, $3 FROM accounts WHERE id = $1 RETURNING id",
        )
        .bind(parent)
        .bind(name)
        .bind(roster::server::db::search::fold(name))
        .fetch_one(&self.state.db)
        .await
        .unwrap()
    }

    /// Adds a custom role to the company of `email` granting `permissions` (stored keys such
    /// as "users.view module.payments").
    pub async fn custom_role(&self, email: &str, name: &str, permissions: &str) -> i64 {
        sqlx::query_scalar(
            "INSERT INTO roles (company_id, name, builtin, permissions, created_at, name_key)
             SELECT company_id, $2, NULL, $3, 0, $4 FROM users WHERE email = $1 RETURNING id",
        )
        .bind(email)
        .bind(name)
        .bind(permissions)
        .bind(roster::server::db::search::fold(name))
        .fetch_one(&self.state.db)
        .await
        .unwrap()
    }

    /// Adds these active people (name, email) to `company` in one statement, behind the
    /// server's back, with their search keys as at its start.
    pub async fn add_active(&self, company: i64, people: &[(String, String)]) {
        let values: Vec<String> = people
            .iter()
            .map(|(name, email)| format!("({company}, '{email}', '{name}', 'active', 0, 0)"))
            .collect();
        self.sql(&format!(
            "INSERT INTO users (company_id, email, name, status, created_at, updated_at) VALUES {}",
            values.join(", ")
        ))
        .await;
        roster::server::db::search::fill_missing(&self.state.db)
            .await
            .unwrap();
    }

    /// The id of the company of the user with `email`.
    pub async fn company_of(&self, email: &str) -> i64 {
        self.count(&format!("SELECT company_id FROM users WHERE email = '{email}'"))
            .await
    }

    /// Replaces every assignment of `user` with these (account, role) pairs.
    pub async fn place(&self, user: i64, assignments: &[(i64, i64)]) {
        self.sql(&format!("DELETE FROM role_assignments WHERE user_id = {user}"))
            .await;
        for (account, role) in assignments {
            self.sql(&format!(
                "INSERT INTO role_assignments (user_id, account_id, role_id) VALUES ({user}, {account}, {role})"
            ))
            .await;
        }
    }
}

// --- The users table's tab counts ---

impl TestApp {
    /// How many users of each status the rows `condition` (on `users u`) picks: counted here,
    /// apart from the server's statements, as (status, count) in status order, none empty.
    pub async fn fresh_counts(&self, condition: &str) -> Vec<(String, i64)> {
        sqlx::query_as(&format!(
            "SELECT u.status, COUNT(*) FROM users u WHERE {condition} GROUP BY u.status ORDER BY u.status"
        ))
        .fetch_all(&self.state.db)
        .await
        .unwrap()
    }
}

/// The tab counts of a page answered by [`TestApp::list`] as [`TestApp::fresh_counts`] gives
/// them, once checked that the tabs of statuses add up to All.
pub fn counts_by_status(page: &serde_json::Value) -> Vec<(String, i64)> {
    let counts = &page["counts"];
    let tabs = [
        ("active", "active"),
        ("deactivated", "deactivated"),
        ("pending_approval", "awaiting_approval"),
        ("pending_email", "unconfirmed"),
    ];
    let of = |tab: &str| {
        counts[tab]
            .as_i64()
            .unwrap_or_else(|| panic!("no {tab}: {counts}"))
    };
    let sum: i64 = tabs.iter().map(|(_, tab)| of(tab)).sum();
    assert_eq!(sum, of("all"), "the tabs add up to All: {counts}");
    let mut out: Vec<(String, i64)> = tabs
        .into_iter()
        .map(|(status, tab)| (status.to_string(), of(tab)))
        .filter(|(_, n)| *n > 0)
        .collect();
    out.sort();
    out
}

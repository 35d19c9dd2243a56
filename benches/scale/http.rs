//! A Roster server process under test, and the HTTP client that drives it the way the browser
//! does (form-encoded server-function calls with the session cookie).

use bytes::Bytes;
use http::{header, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::{
    client::legacy::{connect::HttpConnector, Client},
    rt::TokioExecutor,
};
use roster::model::{LIVE_CHANGE, LIVE_PATH, LIVE_READY};
use std::{
    path::Path,
    process::{Child, Command},
    time::{Duration, Instant},
};

/// One release server, killed when dropped.
pub struct Server {
    pub base: String,
    child: Child,
}

impl Server {
    /// Starts `target/release/roster` on `database_url` and waits until it answers; returns it
    /// with the time from spawning to the first served request (migrations included).
    pub async fn start(database_url: &str, log: &Path) -> (Server, Duration) {
        Server::start_with(database_url, log, &[]).await
    }

    /// `start`, with these environment variables set too (after the ones it sets).
    pub async fn start_with(database_url: &str, log: &Path, env: &[(&str, &str)]) -> (Server, Duration) {
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let log = std::fs::File::create(log).unwrap();
        let started = Instant::now();
        let child =
            Command::new(std::env::var("ROSTER_BIN").unwrap_or_else(|_| "target/release/roster".into()))
                .env("ROSTER_ADDR", format!("127.0.0.1:{port}"))
                .env("ROSTER_PUBLIC_URL", &base)
                .env("DATABASE_URL", database_url)
                .env("ROSTER_DEMO", "0")
                .env("ROSTER_LOGIN_THROTTLE", "0")
                // The bench invites 1,500 people in a day.
                .env("ROSTER_INVITATIONS_PER_DAY", "1000000")
                .env("LEPTOS_SITE_ROOT", "target/site")
                .env("RUST_LOG", "warn")
                .envs(env.iter().copied())
                .stdout(log.try_clone().unwrap())
                .stderr(log)
                .spawn()
                .expect("start target/release/roster (build it with `cargo leptos build --release`)");
        let server = Server { base, child };
        let client = Http::new(&server.base);
        loop {
            if let Ok((StatusCode::OK, _)) = client.try_get("/login", None).await {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the server did not start"
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        (server, started.elapsed())
    }

    /// Resident memory of the server process, in bytes.
    pub fn rss(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .unwrap_or(0)
            * 1024
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A keep-alive HTTP/1.1 client of one server.
#[derive(Clone)]
pub struct Http {
    pub base: String,
    client: Client<HttpConnector, Full<Bytes>>,
}

impl Http {
    pub fn new(base: &str) -> Http {
        Http {
            base: base.to_string(),
            client: Client::builder(TokioExecutor::new())
                .pool_max_idle_per_host(64)
                .build_http(),
        }
    }

    /// Posts form fields to the server function `/api/<endpoint>`, as the browser does.
    async fn post(
        &self,
        endpoint: &str,
        form: &[(String, String)],
        cookie: Option<&str>,
    ) -> Result<http::Response<hyper::body::Incoming>, String> {
        let body = serde_urlencoded::to_string(form).unwrap();
        let mut request = Request::post(format!("{}/api/{endpoint}", self.base))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        self.client
            .request(request.body(Full::new(Bytes::from(body))).unwrap())
            .await
            .map_err(|e| e.to_string())
    }

    /// Calls the server function `/api/<endpoint>`; returns status and body.
    pub async fn call(
        &self,
        endpoint: &str,
        form: &[(String, String)],
        cookie: Option<&str>,
    ) -> (StatusCode, Bytes) {
        self.try_call(endpoint, form, cookie).await.expect("request")
    }

    /// `call`, for a server that may go away while it answers.
    pub async fn try_call(
        &self,
        endpoint: &str,
        form: &[(String, String)],
        cookie: Option<&str>,
    ) -> Result<(StatusCode, Bytes), String> {
        let response = self.post(endpoint, form, cookie).await?;
        let status = response.status();
        let body = response.into_body().collect().await.map_err(|e| e.to_string())?;
        Ok((status, body.to_bytes()))
    }

    /// A call that must succeed, as JSON.
    pub async fn json(&self, endpoint: &str, form: &[(String, String)], cookie: &str) -> serde_json::Value {
        let (status, body) = self.call(endpoint, form, Some(cookie)).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "{endpoint}: {}",
            String::from_utf8_lossy(&body)
        );
        serde_json::from_slice(&body).unwrap()
    }

    pub async fn try_get(&self, path: &str, cookie: Option<&str>) -> Result<(StatusCode, Bytes), String> {
        let mut request = Request::get(format!("{}{path}", self.base)).header(header::ACCEPT, "text/html");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        let response = self
            .client
            .request(request.body(Full::new(Bytes::new())).unwrap())
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status();
        let body = response.into_body().collect().await.map_err(|e| e.to_string())?;
        Ok((status, body.to_bytes()))
    }

    /// Signs in and returns the session cookie (`name=value`).
    pub async fn sign_in(&self, email: &str, password: &str) -> String {
        let form = [("email", email), ("password", password), ("next", "")]
            .map(|(k, v)| (k.to_string(), v.to_string()));
        let response = self.post("auth/signin", &form, None).await.expect("request");
        assert_eq!(response.status(), StatusCode::OK, "sign-in of {email}");
        response
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.contains("roster_session=") && !v.contains("roster_session=;"))
            .map(|v| v.split(';').next().unwrap().to_string())
            .expect("a session cookie")
    }

    /// Opens the live-updates stream and sends the arrival time of every `change` event to
    /// `arrivals`, once the stream said it is ready (`ready` is sent on `subscribed`).
    pub async fn listen(
        &self,
        cookie: &str,
        subscribed: tokio::sync::oneshot::Sender<()>,
        arrivals: tokio::sync::mpsc::UnboundedSender<Instant>,
    ) {
        let request = Request::get(format!("{}{LIVE_PATH}", self.base))
            .header(header::ACCEPT, "text/event-stream")
            .header(header::COOKIE, cookie)
            .body(Full::new(Bytes::new()))
            .unwrap();
        let response = self.client.request(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "the live stream");
        let mut body = response.into_body();
        let mut subscribed = Some(subscribed);
        let mut pending = String::new();
        while let Some(Ok(frame)) = body.frame().await {
            let Ok(data) = frame.into_data() else { continue };
            let now = Instant::now();
            pending.push_str(&String::from_utf8_lossy(&data));
            // Events end with a blank line.
            while let Some(end) = pending.find("\n\n") {
                let event: String = pending.drain(..end + 2).collect();
                let name = event.lines().find_map(|line| line.strip_prefix("event: "));
                if name == Some(LIVE_READY) {
                    if let Some(s) = subscribed.take() {
                        let _ = s.send(());
                    }
                } else if name == Some(LIVE_CHANGE) && arrivals.send(now).is_err() {
                    return;
                }
            }
        }
    }
}

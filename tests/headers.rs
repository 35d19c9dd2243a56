//! Headers on every answer: a strict Content-Security-Policy whose per-response nonce is on
//! every script Leptos writes, `Cache-Control: no-store` on pages and server functions, HSTS
//! behind https; and a sign-in whose `next` could not be a header still answers.

mod common;

use common::{email, TestApp, PASSWORD};
use http::{header, StatusCode};

fn header_of(r: &common::Response, name: header::HeaderName) -> Option<&str> {
    r.headers.get(name).map(|v| v.to_str().unwrap())
}

/// The nonce a CSP's `script-src` names, after checking the policy's other directives.
fn nonce_of(csp: &str) -> String {
    for directive in [
        "default-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "connect-src 'self'",
    ] {
        assert!(csp.contains(directive), "{directive} missing from {csp}");
    }
    assert!(
        !csp.contains("'unsafe-inline'") && !csp.contains("'unsafe-eval'"),
        "{csp}"
    );
    let script_src = csp
        .split(';')
        .map(str::trim)
        .find(|d| d.starts_with("script-src "))
        .unwrap_or_else(|| panic!("no script-src in {csp}"));
    let nonce = script_src
        .split_whitespace()
        .find_map(|s| s.strip_prefix("'nonce-")?.strip_suffix('\''))
        .unwrap_or_else(|| panic!("no nonce in {script_src}"));
    // Files only from Roster's own /pkg/ (the module preload), inline scripts by nonce.
    assert_eq!(
        script_src,
        format!("script-src 'nonce-{nonce}' 'wasm-unsafe-eval' http://127.0.0.1:3000/pkg/")
    );
    assert!(csp.contains(&format!("style-src 'nonce-{nonce}';")), "{csp}");
    nonce.to_string()
}

/// Every opening tag that starts with `start` (`<script`, `<link`) in `html`.
fn tags<'a>(html: &'a str, start: &str) -> Vec<&'a str> {
    html.match_indices(start)
        .map(|(at, _)| &html[at..at + html[at..].find('>').unwrap()])
        .collect()
}

#[tokio::test]
async fn pages_and_server_function_answers_are_never_stored() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    for (path, cookie) in [
        ("/users", Some(c.owner.as_str())),
        ("/profile", Some(&c.owner)),
        ("/login", None),
        ("/no-such-page", None),
        // Signed out: a redirect to the sign-in page.
        ("/settings", None),
    ] {
        let r = app.request("GET", path, &[], cookie, None).await;
        assert_eq!(header_of(&r, header::CACHE_CONTROL), Some("no-store"), "{path}");
    }
    for (endpoint, cookie) in [("teams/list", Some(c.owner.as_str())), ("auth/me", None)] {
        let r = app.call(endpoint, &[], cookie).await;
        assert_eq!(r.status, StatusCode::OK, "{endpoint}: {}", r.body);
        assert_eq!(
            header_of(&r, header::CACHE_CONTROL),
            Some("no-store"),
            "{endpoint}"
        );
    }
    // Refusals too.
    let r = app.call("teams/list", &[], None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(header_of(&r, header::CACHE_CONTROL), Some("no-store"));
}

#[tokio::test]
async fn html_carries_a_strict_csp_whose_fresh_nonce_is_on_every_script_leptos_writes() {
    let app = TestApp::spawn().await;
    let c = app.company("Initech").await;
    let mut nonces = Vec::new();
    for (path, cookie) in [
        ("/login", None),
        ("/login", None),
        ("/users", Some(c.owner.as_str())),
        ("/teams", Some(&c.owner)),
        ("/no-such-page", None),
    ] {
        let r = app.request("GET", path, &[], cookie, None).await;
        let csp =
            header_of(&r, header::CONTENT_SECURITY_POLICY).unwrap_or_else(|| panic!("{path} has no CSP"));
        let nonce = nonce_of(csp);
        let scripts = tags(&r.body, "<script");
        assert!(!scripts.is_empty(), "{path}: no hydration script");
        let links = tags(&r.body, "<link");
        let stylesheets = links.iter().filter(|t| t.contains("rel=\"stylesheet\""));
        for tag in scripts.iter().chain(stylesheets).chain(&tags(&r.body, "<style")) {
            // Once: browsers refuse the nonce of an element with a repeated attribute.
            assert_eq!(tag.matches(" nonce=").count(), 1, "{path}: {tag}");
            assert!(
                tag.contains(&format!(" nonce=\"{nonce}\"")),
                "{path}: {tag} lacks {nonce}"
            );
        }
        let preload = links
            .iter()
            .find(|t| t.contains("rel=\"modulepreload\""))
            .unwrap_or_else(|| panic!("{path}: no module preload"));
        assert!(preload.contains(" href=\"/pkg/"), "{path}: {preload}");
        nonces.push(nonce);
    }
    let mut distinct = nonces.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), nonces.len(), "a nonce is reused: {nonces:?}");

    // JSON answers are no documents: no policy needed there.
    let r = app.call("auth/me", &[], None).await;
    assert_eq!(header_of(&r, header::CONTENT_SECURITY_POLICY), None);
}

#[tokio::test]
async fn hsts_is_sent_only_when_roster_is_served_over_https() {
    let app = TestApp::spawn_with(&[("ROSTER_PUBLIC_URL", "https://roster.example")]).await;
    for path in ["/login", "/no-such-page"] {
        let r = app.request("GET", path, &[], None, None).await;
        assert_eq!(
            header_of(&r, header::STRICT_TRANSPORT_SECURITY),
            Some("max-age=63072000; includeSubDomains"),
            "{path}"
        );
    }
    let r = app.call("auth/me", &[], None).await;
    assert!(r.headers.contains_key(header::STRICT_TRANSPORT_SECURITY));

    let app = TestApp::spawn().await;
    let r = app.request("GET", "/login", &[], None, None).await;
    assert_eq!(header_of(&r, header::STRICT_TRANSPORT_SECURITY), None);
}

#[tokio::test]
async fn a_sign_in_whose_next_holds_a_newline_or_a_tab_answers_and_stays_on_roster() {
    let app = TestApp::spawn().await;
    let owner = email("owner");
    app.sign_up("Initech", "Olivia Owner", &owner).await;
    for next in [
        "/\n/evil.example",
        "/\t/evil.example",
        "/users\r\nSet-Cookie: a=b",
    ] {
        let r = app
            .call(
                "auth/signin",
                &[("email", &owner), ("password", PASSWORD), ("next", next)],
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{next:?}: {}", r.body);
        assert!(r.session_cookie().is_some(), "{next:?}");
        assert_eq!(header_of(&r, header::LOCATION), Some("/"), "{next:?}");
    }
    let r = app
        .call(
            "auth/signin",
            &[
                ("email", &owner),
                ("password", PASSWORD),
                ("next", "/users?tab=active"),
            ],
            None,
        )
        .await;
    assert_eq!(header_of(&r, header::LOCATION), Some("/users?tab=active"));
}

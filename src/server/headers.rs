//! Security headers on every answer: a strict Content-Security-Policy with a fresh nonce on
//! HTML pages, `Cache-Control: no-store` on everything personal, HSTS behind https.
//!
//! The nonce is made here, per request, and handed to Leptos through the request's
//! extensions (`provide_request_nonce`), so the scripts Leptos writes carry the very nonce
//! the header names.

use super::state::AppState;
use axum::{
    extract::{Request, State},
    middleware::Next,
    response::Response,
};
use http::{header, HeaderValue};
use leptos::nonce::Nonce;

/// The policy for an HTML page. Inline scripts and the stylesheet load only with the nonce;
/// the module the hydration script imports inherits it; `'wasm-unsafe-eval'` lets it compile
/// the WASM; server functions (fetch) and live updates (EventSource) go to the same origin.
///
/// `pkg` (Roster's own `/pkg/` folder) admits the `<link rel="modulepreload">` of Leptos'
/// HydrationScripts, which has no nonce: leptos 0.8 sets its `crossorigin` to the nonce
/// instead, and adding one through `attr:nonce` would also repeat the `<script>`'s own, and
/// browsers refuse the nonce of an element with a duplicated attribute (CSP 3, "is element
/// nonceable").
fn policy(nonce: &Nonce, pkg: &str, live_reload: Option<u32>) -> String {
    // `cargo leptos watch` reloads the page through a websocket on its own port.
    let reload = live_reload
        .map(|port| format!(" ws://*:{port}"))
        .unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'nonce-{nonce}' 'wasm-unsafe-eval' {pkg}; \
         style-src 'nonce-{nonce}'; connect-src 'self'{reload}; \
         object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    )
}

/// Axum middleware: makes the request's nonce, then sets the headers on the answer.
pub async fn security_headers(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let nonce = Nonce::new();
    request.extensions_mut().insert(nonce.clone());
    let api = request.uri().path().starts_with("/api/");
    let mut response = next.run(request).await;

    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    // Static files (/pkg sets its own Cache-Control; public files such as the favicon) may be
    // cached; pages, redirects, refusals and server functions answer for one person, now.
    let static_file = !api && !html && response.status().is_success();
    let headers = response.headers_mut();
    if html {
        let pkg = format!(
            "{}/{}/",
            state.config.public_url, state.leptos_options.site_pkg_dir
        );
        let live_reload = std::env::var("LEPTOS_WATCH")
            .is_ok()
            .then_some(state.leptos_options.reload_port);
        if let Ok(value) = HeaderValue::from_str(&policy(&nonce, &pkg, live_reload)) {
            headers.insert(header::CONTENT_SECURITY_POLICY, value);
        }
    }
    if !static_file && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if state.config.public_url.starts_with("https://") {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000; includeSubDomains"),
        );
    }
    response
}

/// Leptos context: the nonce `security_headers` made for this request, in place of the one
/// leptos_axum provides (which no header names). Part of the router's context closure.
pub fn provide_request_nonce() {
    use leptos::prelude::{provide_context, use_context};
    if let Some(nonce) =
        use_context::<http::request::Parts>().and_then(|p| p.extensions.get::<Nonce>().cloned())
    {
        provide_context(nonce);
    }
}

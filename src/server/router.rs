//! The HTTP application: Leptos pages and server functions, static files, and the layers
//! around them. `main` and the integration tests both build it here.

use super::{
    admission::{self, Admission},
    assets, audit_export, auth, csrf, headers, health, host, live, metrics,
    state::AppState,
    users_export,
};
use crate::{
    app::{shell, App},
    error::AppError,
};
use axum::{middleware, Router};
use http::{header, HeaderValue};
use leptos::{config::LeptosOptions, prelude::provide_context};
use leptos_axum::{file_and_error_handler_with_context, generate_route_list, LeptosRoutes};
use std::{net::SocketAddr, path::Path};
use tower_http::{
    compression::CompressionLayer,
    services::ServeDir,
    set_header::SetResponseHeaderLayer,
    trace::{DefaultOnFailure, TraceLayer},
};

/// Leptos options for serving the site built by cargo-leptos under `site_root`. File hashing
/// is on when cargo-leptos left its hash file next to the binary (release builds), which
/// lets `/pkg` be cached for a year.
pub fn leptos_options(site_root: &str, addr: SocketAddr) -> LeptosOptions {
    let hashed = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("hash.txt")))
        .is_some_and(|p| p.exists());
    LeptosOptions::builder()
        .output_name("roster")
        .site_root(site_root)
        .site_pkg_dir("pkg")
        .site_addr(addr)
        .hash_files(hashed)
        .env(if cfg!(debug_assertions) {
            leptos::config::Env::DEV
        } else {
            leptos::config::Env::PROD
        })
        .build()
}

/// A detached thread, not a tokio blocking task: shutting down must not wait for it, and a
/// file it leaves half-written is never served (see `assets::precompress`).
fn precompress_in_background(dir: std::path::PathBuf) {
    std::thread::spawn(move || match assets::precompress(&dir) {
        Ok(0) => {}
        Ok(n) => tracing::info!("precompressed {n} asset files in {}", dir.display()),
        Err(error) => {
            tracing::warn!(%error, "could not precompress assets; serving them compressed per request")
        }
    });
}

/// Reads the `AppError` of a server function's error answer: counts it by kind (`/metrics`),
/// and gives the status it stands for to calls that failed before the function ran
/// (arguments that do not parse, a missing argument), which server_fn answers 500.
async fn server_fn_errors(
    request: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    use axum::body::Body;
    let api = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    let status = response.status();
    if !api || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // Error bodies are a few bytes of JSON; anything larger is passed on as it was read.
    let Ok(bytes) = axum::body::to_bytes(body, 1 << 20).await else {
        return axum::response::Response::from_parts(parts, Body::empty());
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        metrics::server_fn_error(error.kind());
        if status == http::StatusCode::INTERNAL_SERVER_ERROR {
            parts.status = error.status();
        }
    }
    axum::response::Response::from_parts(parts, Body::from(bytes))
}

/// A request's span: its route's template, never its path (which holds ids and tokens).
/// Logged at debug level (`RUST_LOG=tower_http=debug` shows each request and its answer).
fn request_span(request: &http::Request<axum::body::Body>) -> tracing::Span {
    // tower_http's own target, as its default span has: `tower_http=debug` shows both.
    tracing::debug_span!(
        target: "tower_http::trace::make_span",
        "request",
        method = %request.method(),
        route = metrics::route_of(request),
    )
}

pub fn build(state: AppState) -> Router {
    let options = state.leptos_options.clone();
    let routes = generate_route_list(App);
    let context = {
        let state = state.clone();
        move || {
            provide_context(state.clone());
            auth::provide_session_cache();
            headers::provide_request_nonce();
        }
    };
    let pkg_cache = HeaderValue::from_static(if options.hash_files {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    });
    let pkg_dir = Path::new(&*options.site_root).join(&*options.site_pkg_dir);
    // Only hashed files may be precompressed (an unhashed file changes under the same name),
    // and only release assets are worth it: debug WASM is large and rebuilt all the time.
    let serve_pkg = if options.hash_files && options.env == leptos::config::Env::PROD {
        precompress_in_background(pkg_dir.clone());
        ServeDir::new(pkg_dir).precompressed_br().precompressed_gzip()
    } else {
        ServeDir::new(pkg_dir)
    };
    let pkg = tower::ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            pkg_cache,
        ))
        .service(serve_pkg);
    let app = Router::new()
        // Server-sent events; CompressionLayer's default predicate leaves text/event-stream alone.
        .route(crate::model::LIVE_PATH, axum::routing::get(live::stream))
        // The audit log's download (CSV or JSON Lines), streamed.
        .route(
            audit_export::EXPORT_PATH,
            axum::routing::get(audit_export::export),
        )
        // The users table's download (a view, or a selection posted by id), streamed.
        .route(
            users_export::EXPORT_PATH,
            axum::routing::get(users_export::export).post(users_export::export),
        )
        .leptos_routes_with_context(&state, routes, context.clone(), {
            let options = options.clone();
            move || shell(options.clone())
        })
        .nest_service("/pkg", pkg)
        .fallback(file_and_error_handler_with_context::<AppState, _>(context, shell))
        .layer(middleware::from_fn_with_state(state.clone(), auth::with_session))
        .layer(middleware::from_fn(server_fn_errors))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            csrf::refuse_foreign_origin,
        ))
        // Around every route (pages, /api, /pkg, the live stream), inside the header layers.
        .layer(middleware::from_fn_with_state(
            host::PublicHost::of(&state.config.public_url),
            host::refuse_misdirected,
        ))
        // Before the session's lookup, the first database work; inside the header layers,
        // so a busy answer has them too.
        .layer(middleware::from_fn_with_state(
            Admission::new(state.config.max_concurrent_requests, state.config.max_queue),
            admission::admit,
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            headers::security_headers,
        ))
        .layer(CompressionLayer::new())
        // Outermost, so they see every answer, refusals included, and time all of it.
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                // Errors are logged where they happen; the default log gains no lines.
                .on_failure(DefaultOnFailure::new().level(tracing::Level::DEBUG)),
        )
        .with_state(state.clone());
    // Counted only when someone reads the counts: without ROSTER_METRICS_ADDR a request
    // pays for no labels.
    let app = if state.config.metrics_addr.is_some() {
        app.layer(middleware::from_fn(metrics::track_requests))
    } else {
        app
    };
    // The probes stand outside every layer above: no session, host check or page headers,
    // and neither logged nor counted.
    Router::new()
        .route(health::HEALTH_PATH, axum::routing::get(health::healthz))
        .route(health::READY_PATH, axum::routing::get(health::readyz))
        .with_state(state)
        .merge(app)
}

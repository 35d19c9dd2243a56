//! Roster: a company's users, roles, teams, accounts and invitations.
//!
//! One crate, built twice by cargo-leptos: with `ssr` for the axum server and with `hydrate`
//! for the WASM that makes the server-rendered pages interactive.

// The release WASM build computes the layout of deeply nested view types (a page's whole
// tree is one type); the default limit of 128 is not enough for the users table.
#![recursion_limit = "256"]

pub mod api;
pub mod app;
pub mod components;
pub mod error;
pub mod model;
pub mod pages;
#[cfg(all(test, feature = "ssr"))]
mod proptest_config;
#[cfg(feature = "ssr")]
pub mod server;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Server functions redirect only when the session changes (sign-in, sign-out): a full page
    // load then makes every part of the page see the new session.
    let _ = server_fn::redirect::set_redirect_hook(|location: &str| {
        if let Some(window) = web_sys::window() {
            let _ = window.location().set_href(location);
        }
    });
    // What leptos::mount::hydrate_lazy does, and then the mark: the page's chunk (app.rs,
    // components/lazy.rs) is fetched before the route hydrates, so the page is interactive
    // only once this future ends.
    let Some(body) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.body())
    else {
        return;
    };
    wasm_bindgen_futures::spawn_local(async move {
        leptos::mount::hydrate_from_async(body.clone(), app::App)
            .await
            .forget();
        // Lets end-to-end tests wait until the page is interactive.
        let _ = body.set_attribute("data-hydrated", "");
    });
}

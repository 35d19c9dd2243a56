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
    leptos::mount::hydrate_body(app::App);
    // Lets end-to-end tests wait until the page is interactive.
    if let Some(body) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.body())
    {
        let _ = body.set_attribute("data-hydrated", "");
    }
}

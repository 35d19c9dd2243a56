//! Pages and dialogs whose code is a WASM module fetched when first wanted (`cargo leptos
//! --split`), so a visit pays only for the pages it opens.
//!
//! Leptos' `#[lazy_route]` panics when a module fails to load, which stops the whole app; these
//! routes use the `fallible` split instead and show "Couldn't load this page" with Retry.

use leptos::{prelude::*, wasm_split::SplitLoaderError};
use send_wrapper::SendWrapper;
use std::{future::Future, pin::Pin, sync::Arc};

/// Declares `$route`, a route (`Lazy::<$route>::new()`) showing the component `$page` (in scope
/// where the macro is used), whose code goes into the WASM module `$module`. Pages that share
/// most of their code share a module: wasm-split gives every set of modules that shares a
/// function a file of its own, so one module per page made a page fetch ~200 small files.
/// While the module loads on a navigation the router keeps the previous page on screen.
macro_rules! lazy_page {
    ($route:ident, $split:ident in $module:ident, $page:ident) => {
        pub struct $route;

        impl ::leptos_router::LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            async fn view(_: Self) -> ::leptos::prelude::AnyView {
                $crate::components::lazy::show(::std::sync::Arc::new(|| {
                    ::std::boxed::Box::pin($split::$split()) as $crate::components::lazy::Loading
                }))
                .await
            }

            async fn preload() {
                // A failure is shown (with Retry) when the page is, by `view`.
                let _ = $split::preload().await;
            }
        }

        mod $split {
            #[::leptos::wasm_split::wasm_split($module, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload))]
            pub fn $split() -> Result<::leptos::prelude::AnyView, ::leptos::wasm_split::SplitLoaderError> {
                // The server names the module's files in the page's <head>, so the browser
                // fetches them beside the main WASM rather than after it.
                #[cfg(feature = "ssr")]
                ::leptos::prefetch_lazy_fn_on_server(stringify!($module));
                Ok(::leptos::prelude::IntoAny::into_any(super::$page()))
            }
        }
    };
}
pub(crate) use lazy_page;

/// Fetching a page's module and building the page.
pub type Loading = Pin<Box<dyn Future<Output = Result<AnyView, SplitLoaderError>>>>;

/// The page from its module, or the notice that it could not be fetched. One function for
/// every page (the loader is boxed): a generic one was a copy of this code per page.
pub async fn show(load: Arc<dyn Fn() -> Loading + Send + Sync>) -> AnyView {
    match load().await {
        Ok(page) => page,
        Err(_) => view! { <LoadFailed load /> }.into_any(),
    }
}

/// "Couldn't load this page" and Retry, which fetches the module again (a failed fetch is not
/// remembered) and shows the page once it arrives.
#[component]
fn LoadFailed(
    /// Fetches the page's module and builds the page.
    load: Arc<dyn Fn() -> Loading + Send + Sync>,
) -> impl IntoView {
    let retries = RwSignal::new(0u32);
    let failed = move || {
        view! {
            <section class="notice" role="alert">
                <h1>"Couldn't load this page"</h1>
                <p>"Check your connection, then try again."</p>
                <button type="button" class="primary" on:click=move |_| retries.update(|n| *n += 1)>
                    "Retry"
                </button>
            </section>
        }
        .into_any()
    };
    view! {
        <Suspense fallback=|| view! { <p class="page-loading" aria-busy="true">"Loading…"</p> }>
            {move || {
                let retry = retries.get() > 0;
                let load = load.clone();
                // The module's loader lives in this thread only; Suspend asks for Send.
                Suspend::new(SendWrapper::new(async move {
                    if retry {
                        load().await.unwrap_or_else(|_| failed())
                    } else {
                        failed()
                    }
                }))
            }}
        </Suspense>
    }
}

/// A dialog whose code is fetched when first wanted (most visits never open it): fetched the first
/// time `open` is true, or before when `preload` ran on the hover or focus of its button, and
/// kept from then on.
#[component]
pub fn LazyDialog<L, F>(
    /// Whether the dialog is asked for.
    #[prop(into)]
    open: Signal<bool>,
    /// Fetches the dialog's module and builds the dialog.
    load: L,
) -> impl IntoView
where
    L: Fn() -> F + Send + Sync + 'static,
    F: Future<Output = Result<AnyView, SplitLoaderError>> + 'static,
{
    let wanted = Memo::new(move |was: Option<&bool>| was == Some(&true) || open.get());
    let retries = RwSignal::new(0u32);
    move || {
        retries.track();
        wanted.get().then(|| {
            let dialog = load();
            Suspend::new(SendWrapper::new(async move {
                dialog.await.unwrap_or_else(|_| {
                    view! {
                        <p class="form-alert" role="alert">
                            "Couldn't load this dialog. "
                            <button type="button" class="link-button" on:click=move |_| retries.update(|n| *n += 1)>
                                "Retry"
                            </button>
                        </p>
                    }
                    .into_any()
                })
            }))
        })
    }
}

/// Starts fetching a module without waiting for it, from the hover or focus of what opens it,
/// so the dialog is there on the click.
pub fn preload<F>(preload: fn() -> F)
where
    F: Future<Output = Result<(), SplitLoaderError>> + 'static,
{
    leptos::task::spawn_local(async move {
        // A failure is shown when the dialog is opened.
        let _ = preload().await;
    });
}

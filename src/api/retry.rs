//! A call answered "Busy" was never run: load shedding turns a request away before any work
//! (`server::admission`). So a page asks again after the server's `Retry-After` (1 s), a few
//! times, before it shows the error: a moment of overload costs a person a short wait, not
//! an error in place of their table.

use crate::error::AppError;
use std::{future::Future, time::Duration};

/// Calls in all, the first included.
const TRIES: u32 = 3;
/// The server's `Retry-After`.
const PAUSE: Duration = Duration::from_secs(1);

/// `call`'s answer, asked again while it is "Busy" (up to [`TRIES`] calls in all).
pub async fn unless_busy<T, Fut>(mut call: impl FnMut() -> Fut) -> Result<T, AppError>
where
    Fut: Future<Output = Result<T, AppError>>,
{
    let mut tries = 1;
    loop {
        match call().await {
            Err(AppError::Busy) if tries < TRIES => {
                pause(PAUSE).await;
                tries += 1;
            }
            answer => return answer,
        }
    }
}

#[cfg(feature = "hydrate")]
async fn pause(time: Duration) {
    let wait = js_sys::Promise::new(&mut |done, _| {
        if let Some(window) = web_sys::window() {
            let _ =
                window.set_timeout_with_callback_and_timeout_and_arguments_0(&done, time.as_millis() as i32);
        }
    });
    // A resource's future must be Send; the browser's one thread never moves it.
    let _ = send_wrapper::SendWrapper::new(wasm_bindgen_futures::JsFuture::from(wait)).await;
}

/// On the server a page's calls are made in process, never turned away.
#[cfg(not(feature = "hydrate"))]
async fn pause(_: Duration) {}

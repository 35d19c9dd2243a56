//! Following a server action's outcome.

use leptos::prelude::*;

/// Runs `done` whenever `succeeded` (an action's latest result) turns true: closing a dialog,
/// saying what happened, reloading what changed.
pub fn on_success(succeeded: impl Fn() -> bool + 'static, done: impl Fn() + 'static) {
    Effect::new(move |_| {
        if succeeded() {
            done();
        }
    });
}

//! A modal dialog on the native `<dialog>` element: the browser gives it the top layer, a
//! focus trap, Escape to close and focus returned to what opened it.

use leptos::{html, prelude::*};

#[component]
pub fn Modal(
    /// Whether the dialog is shown.
    #[prop(into)]
    open: Signal<bool>,
    /// Called when the user closes it (Escape, the close button, Cancel).
    on_close: Callback<()>,
    /// The dialog's title, which is also its accessible name.
    title: &'static str,
    /// The dialog's body.
    children: ChildrenFn,
) -> impl IntoView {
    let dialog = NodeRef::<html::Dialog>::new();
    let title_id = format!("dialog-{}", title.to_lowercase().replace(' ', "-"));
    Effect::new(move |_| {
        let Some(d) = dialog.get() else { return };
        let open = open.get();
        let apply = move |d: web_sys::HtmlDialogElement| match (open, d.open()) {
            (true, false) => {
                let _ = d.show_modal();
            }
            (false, true) => d.close(),
            _ => {}
        };
        // A lazily loaded dialog (components/lazy.rs) is built before it is in the page, where
        // showModal() refuses it: then it opens on the next frame.
        if d.is_connected() {
            apply(d);
        } else {
            request_animation_frame(move || apply(d));
        }
    });
    let labelled_by = title_id.clone();
    view! {
        <dialog class="modal" node_ref=dialog aria-labelledby=labelled_by on:close=move |_| on_close.run(())>
            <div class="modal-head">
                <h2 id=title_id>{title}</h2>
                <button type="button" class="icon-button" aria-label="Close" on:click=move |_| on_close.run(())>
                    "×"
                </button>
            </div>
            // Rendered only while open, so each opening starts with a fresh form.
            {move || open.get().then(|| children())}
        </dialog>
    }
}

/// A dialog's footer: Cancel, and the button that carries out the action.
#[component]
pub fn DialogActions(
    /// The confirming button's text.
    label: &'static str,
    /// Its style: "primary", or "danger" for what cannot be taken back lightly.
    class: &'static str,
    /// Whether confirming is not possible now (while sending, or until the input is right).
    disabled: Signal<bool>,
    /// Closes the dialog without doing anything.
    on_cancel: Callback<()>,
    /// Carries out the action.
    on_confirm: Callback<()>,
) -> impl IntoView {
    view! {
        <div class="modal-actions">
            <button type="button" on:click=move |_| on_cancel.run(())>"Cancel"</button>
            <button type="button" class=class disabled=move || disabled.get() on:click=move |_| on_confirm.run(())>
                {label}
            </button>
        </div>
    }
}

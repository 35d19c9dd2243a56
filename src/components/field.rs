//! Labelled form fields that show the server's error for them, and the form-level alert.

use crate::error::AppError;
use leptos::prelude::*;

/// A labelled input. When the server's last answer was an error for this field, the input is
/// marked invalid and the message is tied to it with `aria-describedby`.
#[component]
pub fn Field(
    /// The visible label, which is also the input's accessible name.
    label: &'static str,
    /// The form field name, matching the server function's argument.
    name: &'static str,
    /// The input type.
    #[prop(default = "text")]
    kind: &'static str,
    /// The `autocomplete` token, so browsers and password managers fill the right thing.
    #[prop(optional)]
    autocomplete: Option<&'static str>,
    /// A short hint shown under the field.
    #[prop(optional)]
    hint: Option<&'static str>,
    /// Minimum length the browser checks before sending (the server checks again).
    #[prop(optional)]
    minlength: Option<u32>,
    /// Maximum length the browser lets the user type.
    #[prop(optional)]
    maxlength: Option<u32>,
    /// The field name the server uses in its errors, when it differs from `name`
    /// (e.g. `name` for the input `user[name]`).
    #[prop(optional)]
    error_key: Option<&'static str>,
    /// The initial value.
    #[prop(optional, into)]
    value: Option<String>,
    /// Whether the field may be left empty.
    #[prop(optional)]
    optional: bool,
    /// The server's last error for the form.
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let error_key = error_key.unwrap_or(name);
    let id = format!("field-{}", name.replace(['[', ']'], "-"));
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let message = Memo::new(move |_| {
        error
            .get()
            .filter(|e| e.field_name() == Some(error_key))
            .map(|e| e.to_string())
    });
    let described_by = {
        let (error_id, hint_id) = (error_id.clone(), hint_id.clone());
        move || {
            let mut ids = Vec::new();
            if hint.is_some() {
                ids.push(hint_id.clone());
            }
            if message.get().is_some() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input
                id=id
                name=name
                type=kind
                autocomplete=autocomplete
                minlength=minlength
                maxlength=maxlength
                value=value
                required=!optional
                aria-invalid=move || message.get().map(|_| "true")
                aria-describedby=described_by
            />
            {hint.map(|text| view! { <p class="hint" id=hint_id>{text}</p> })}
            <p class="field-error" id=error_id>
                {move || message.get()}
            </p>
        </div>
    }
}

/// The field where a person chooses a password, with the rules as its hint.
#[component]
pub fn NewPasswordField(
    #[prop(default = "Password")] label: &'static str,
    #[prop(default = "At least 8 characters. A few unrelated words make a strong password.")]
    hint: &'static str,
    /// Whether it may stay empty (to keep a current password).
    #[prop(optional)]
    optional: bool,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    view! {
        <Field
            label
            name="password"
            kind="password"
            autocomplete="new-password"
            hint
            optional
            minlength=crate::model::NewPassword::MIN_LEN as u32
            maxlength=crate::model::NewPassword::MAX_LEN as u32
            error
        />
    }
}

/// Announces the form's errors that belong to no single field.
#[component]
pub fn FormAlert(
    /// The server's last error for the form.
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    view! {
        <div class="form-alert" role="alert">
            {move || error.get().filter(|e| e.field_name().is_none()).map(|e| e.to_string())}
        </div>
    }
}

/// The inside of a rename dialog's form: the id, the Name field holding the current name, and
/// Cancel / Rename. Each page wraps it in the `ActionForm` of its own rename action.
#[component]
pub fn RenameFields(
    /// The id of what is renamed (the form's `id`).
    id: i64,
    /// Its current name.
    name: String,
    /// The longest name allowed.
    max_len: usize,
    /// The server's last error for the form.
    error: Signal<Option<AppError>>,
    /// While the rename is being sent.
    pending: Signal<bool>,
    /// Closes the dialog.
    on_cancel: Callback<()>,
) -> impl IntoView {
    view! {
        <FormAlert error />
        <input type="hidden" name="id" value=id.to_string() />
        <Field label="Name" name="name" autocomplete="off" value=name maxlength=max_len as u32 error />
        <div class="modal-actions">
            <button type="button" on:click=move |_| on_cancel.run(())>"Cancel"</button>
            <button type="submit" class="primary" disabled=move || pending.get()>"Rename"</button>
        </div>
    }
}

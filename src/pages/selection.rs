//! Choosing users in the table: a checkbox per row, one for the page (with the indeterminate
//! state), shift-click for a range, and "every user matching this view", which the server
//! resolves when the action runs. The selection bar says what a selection covers: all of
//! the view, or rows of this page and how many on others.

use crate::model::{Selection, UserId, UserListQuery};

/// A selectable row: its id and what its checkbox is named after (a name, an email).
pub type Pick = (i64, String);
use leptos::prelude::*;

/// The selection of a table (users, or invitations). It lives in the page, above the rows,
/// so paging and reloads keep it.
#[derive(Debug, Clone, Copy)]
pub struct Picker {
    /// Rows chosen one by one, with their names (for one-person sentences).
    pub picked: RwSignal<Vec<Pick>>,
    /// `Some(n)`: every one of the n users matching the view is selected.
    pub all_matching: RwSignal<Option<i64>>,
    /// The row last clicked, where a shift-click range starts (an id: live updates may move
    /// rows).
    anchor: RwSignal<Option<i64>>,
}

impl Default for Picker {
    fn default() -> Picker {
        Picker {
            picked: RwSignal::new(Vec::new()),
            all_matching: RwSignal::new(None),
            anchor: RwSignal::new(None),
        }
    }
}

impl Picker {
    pub fn clear(&self) {
        self.picked.set(Vec::new());
        self.all_matching.set(None);
        self.anchor.set(None);
    }

    pub fn count(&self) -> i64 {
        self.all_matching
            .get()
            .unwrap_or_else(|| self.picked.with(|p| p.len() as i64))
    }

    pub fn is_picked(&self, id: i64) -> bool {
        self.all_matching.get().is_some() || self.picked.with(|p| p.iter().any(|(x, _)| *x == id))
    }

    /// The selection for a bulk action in `view`.
    pub fn selection(&self, view: &UserListQuery) -> Selection {
        match self.all_matching.get_untracked() {
            Some(_) => Selection::matching(view.clone()),
            None => Selection::of(
                self.picked
                    .get_untracked()
                    .into_iter()
                    .map(|(id, _)| UserId(id))
                    .collect(),
            ),
        }
    }

    /// The one person selected, when it is one.
    pub fn one(&self) -> Option<String> {
        match (
            self.all_matching.get_untracked(),
            self.picked.get_untracked().as_slice(),
        ) {
            (None, [(_, name)]) => Some(name.clone()),
            _ => None,
        }
    }

    /// The rows chosen one by one that are not among `rows` (the page on screen).
    pub fn elsewhere(&self, rows: &[Pick]) -> Vec<Pick> {
        self.picked.with(|p| {
            p.iter()
                .filter(|(id, _)| !rows.iter().any(|(r, _)| r == id))
                .cloned()
                .collect()
        })
    }

    /// Unselects the rows chosen one by one that are not among `rows`.
    fn clear_elsewhere(&self, rows: &[Pick]) {
        self.picked
            .update(|p| p.retain(|(id, _)| rows.iter().any(|(r, _)| r == id)));
    }

    /// Unselects one row chosen one by one.
    fn drop_pick(&self, id: i64) {
        self.picked.update(|p| p.retain(|(x, _)| *x != id));
    }

    /// The rows chosen one by one.
    pub fn picks(&self) -> Vec<Pick> {
        self.picked.get_untracked()
    }

    /// Sets rows on or off, keeping the others.
    fn set(&self, rows: &[Pick], on: bool) {
        // Leaving "all matching" keeps what is visible: this page.
        if self.all_matching.get_untracked().is_some() {
            self.all_matching.set(None);
        }
        self.picked.update(|p| {
            p.retain(|(id, _)| !rows.iter().any(|(r, _)| r == id));
            if on {
                p.extend(rows.iter().cloned());
            }
        });
    }

    /// A click on row `id`'s checkbox; with shift, the range from the last clicked row.
    fn click(&self, rows: &[Pick], id: i64, on: bool, shift: bool) {
        let position = |id: i64| rows.iter().position(|(x, _)| *x == id);
        let Some(index) = position(id) else { return };
        if self.all_matching.get_untracked().is_some() {
            // The page stays selected but for this row.
            self.set(rows, true);
        }
        let range = match (shift, self.anchor.get_untracked().and_then(position)) {
            (true, Some(anchor)) => anchor.min(index)..=anchor.max(index),
            _ => index..=index,
        };
        self.set(&rows[range], on);
        self.anchor.set(Some(id));
    }
}

/// The checkbox of one row. `busy`: the rows on screen belong to a view being replaced, so
/// they can't be chosen.
#[component]
pub fn RowCheckbox(
    picker: Picker,
    /// The rows on screen, for shift-click ranges.
    rows: Signal<Vec<Pick>>,
    pick: Pick,
    busy: Signal<bool>,
) -> impl IntoView {
    let (id, label) = pick;
    view! {
        <input
            type="checkbox"
            class="row-check"
            aria-label=format!("Select {label}")
            disabled=move || busy.get()
            prop:checked=move || picker.is_picked(id)
            on:click=move |e| {
                let on = event_target_checked(&e);
                rows.with(|rows| picker.click(rows, id, on, e.shift_key()));
            }
        />
    }
}

/// The header checkbox: every row of this page, indeterminate when some are selected.
#[component]
pub fn PageCheckbox(picker: Picker, rows: Signal<Vec<Pick>>, busy: Signal<bool>) -> impl IntoView {
    let state = move || {
        rows.with(|rows| {
            let n = rows.iter().filter(|(id, _)| picker.is_picked(*id)).count();
            (!rows.is_empty() && n == rows.len(), n > 0)
        })
    };
    view! {
        <input
            type="checkbox"
            class="row-check"
            aria-label="Select all on this page"
            disabled=move || busy.get()
            prop:checked=move || state().0
            prop:indeterminate=move || { let (all, some) = state(); some && !all }
            on:change=move |e| {
                let on = event_target_checked(&e);
                rows.with(|rows| picker.set(rows, on));
            }
        />
    }
}

/// What a selection covers, at the start of its bar: "5 selected", or "All 52 matching
/// selected — clear"; "Select all 52 matching" once the whole page is selected and the view
/// holds more; and "3 selected on other pages — show them / clear", which lists those rows
/// (with a checkbox each to unselect one) in the bar, so the page and view on screen stay.
#[component]
pub fn SelectionSummary(
    picker: Picker,
    /// The rows on screen.
    rows: Signal<Vec<Pick>>,
    /// How many rows the view holds on every page (the server's count).
    matching: Signal<i64>,
    /// Whether the bar's actions take "every row matching the view" (users; not invitations,
    /// which are chosen by id).
    by_view: bool,
    busy: Signal<bool>,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let elsewhere = Memo::new(move |_| rows.with(|rows| picker.elsewhere(rows)));
    let offer = move || {
        by_view
            && !busy.get()
            && picker.all_matching.get().is_none()
            && rows.with(|rows| !rows.is_empty() && rows.iter().all(|(id, _)| picker.is_picked(*id)))
            && matching.get() > picker.count()
    };
    let text = move || match picker.all_matching.get() {
        Some(n) => format!("All {n} matching selected"),
        None => format!("{} selected", picker.count()),
    };
    view! {
        <div class="selection-summary">
            <span class="action-count" aria-live="polite">{text}</span>
            <Show when=move || picker.all_matching.get().is_some()>
                <span class="selection-more">
                    "— "
                    <button type="button" class="link-button"
                        aria-label=move || format!("Clear all {} matching", picker.count())
                        on:click=move |_| picker.clear()>"clear"</button>
                </span>
            </Show>
            <Show when=offer>
                <button type="button" class="link-button" on:click=move |_| picker.all_matching.set(Some(matching.get_untracked()))>
                    {move || format!("Select all {} matching", matching.get())}
                </button>
            </Show>
            <Show when=move || picker.all_matching.get().is_none() && elsewhere.with(|e| !e.is_empty())>
                <span class="selection-more">
                    {move || format!("{} selected on other pages — ", elsewhere.with(Vec::len))}
                    <button type="button" class="link-button" aria-controls="selected-elsewhere"
                        aria-expanded=move || open.get().to_string()
                        on:click=move |_| open.update(|o| *o = !*o)>
                        {move || if open.get() { "hide them" } else { "show them" }}
                    </button>
                    " / "
                    <button type="button" class="link-button"
                        aria-label=move || format!("Clear the {} selected on other pages", elsewhere.with(Vec::len))
                        on:click=move |_| { open.set(false); rows.with_untracked(|rows| picker.clear_elsewhere(rows)) }>
                        "clear"
                    </button>
                </span>
            </Show>
            <Show when=move || open.get() && picker.all_matching.get().is_none() && elsewhere.with(|e| !e.is_empty())>
                <ul id="selected-elsewhere" class="selected-elsewhere" aria-label="Selected on other pages">
                    <For each=move || elsewhere.get() key=|pick| pick.0 let:pick>
                        <li>
                            <label>
                                <input type="checkbox" class="row-check" checked
                                    on:change=move |_| picker.drop_pick(pick.0) />
                                {pick.1}
                            </label>
                        </li>
                    </For>
                </ul>
            </Show>
        </div>
    }
}

/// "Export selected": the selection as a CSV download, in the view's order. Posted as a form
/// (ten thousand ids do not fit in a link); with every row matching the view selected, the
/// form sends no ids and the server exports the view.
#[component]
pub fn ExportSelected(
    picker: Picker,
    /// The view in the URL: its tab says whether the ids are users or invitations.
    view: Memo<UserListQuery>,
    busy: Signal<bool>,
) -> impl IntoView {
    let ids = move || {
        picker.picked.with(|p| {
            p.iter()
                .map(|(id, _)| id.to_string())
                .collect::<Vec<_>>()
                .join(",")
        })
    };
    view! {
        <form class="export-selected" method="post" action=move || view.get().export_href()>
            <Show when=move || picker.all_matching.get().is_none()>
                <input type="hidden" name="ids" prop:value=ids />
            </Show>
            <button type="submit" class="secondary" disabled=move || busy.get()>"Export selected"</button>
        </form>
    }
}

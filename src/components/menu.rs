//! A menu button (WAI-ARIA menu button pattern): the button opens a `role="menu"` whose
//! children are `role="menuitem"` elements with `tabindex="-1"`; arrow keys, Home and End move
//! between items, Escape closes and returns focus to the button, leaving closes it.
//!
//! The menu is a popover: the browser draws it in the top layer, so no scrolling box (a
//! one-row table, the last rows of a page) clips it. It opens under its button, or above it
//! when the screen has no room below, and follows the button while the page scrolls.

use leptos::{ev, html, prelude::*};
use wasm_bindgen::JsCast;

#[component]
pub fn MenuButton(
    /// Prefix of the button's and menu's ids; unique on the page.
    id: String,
    /// The button's accessible name when its content is not text (e.g. "Actions for Ana").
    #[prop(optional, into)]
    label: Option<String>,
    /// CSS class of the button.
    #[prop(optional)]
    class: &'static str,
    /// Whether the menu is open; items close it by setting it to false.
    open: RwSignal<bool>,
    /// What the button shows.
    #[prop(into)]
    button: ViewFn,
    /// The menu's items.
    children: ChildrenFn,
    /// While true the button can't be used and the menu stays closed (its row is stale).
    #[prop(optional, into)]
    disabled: MaybeProp<bool>,
) -> impl IntoView {
    // Read with try_*: an effect woken by closing the menu may run after its row went away.
    let disabled = Signal::derive(move || disabled.try_get().flatten().unwrap_or(false));
    // A disabled menu shows closed (it is not closed by an effect: its row may be going away).
    let expanded = move || open.try_get().unwrap_or(false) && !disabled.try_get().unwrap_or(false);
    let button_ref = NodeRef::<html::Button>::new();
    let menu = NodeRef::<html::Div>::new();
    let wrapper = NodeRef::<html::Div>::new();
    let items = move || -> Vec<web_sys::HtmlElement> {
        let Some(menu) = menu.get() else { return Vec::new() };
        let Ok(list) = menu.query_selector_all("[role=menuitem]") else {
            return Vec::new();
        };
        (0..list.length())
            .filter_map(|i| list.item(i))
            .filter_map(|n| n.dyn_into::<web_sys::HtmlElement>().ok())
            .collect()
    };
    let focus_item = move |index: isize| {
        let items = items();
        if !items.is_empty() {
            let options = web_sys::FocusOptions::new();
            options.set_prevent_scroll(true);
            let _ = items[index.rem_euclid(items.len() as isize) as usize].focus_with_options(&options);
        }
    };
    // Shows or hides the popover with `open`, and keeps it by its button while open.
    let follow = StoredValue::new(None::<[WindowListenerHandle; 2]>);
    Effect::new(move |_| {
        let (Some(menu), Some(button)) = (menu.get(), button_ref.get()) else {
            return;
        };
        let showing = menu.matches(":popover-open").unwrap_or(false);
        if expanded() {
            if !showing {
                let _ = menu.show_popover();
            }
            // Again once the items, built on opening, have their size.
            place(&menu, &button);
            let (m, b) = (menu.clone(), button.clone());
            request_animation_frame(move || place(&m, &b));
            if follow.with_value(Option::is_none) {
                let (m, b) = (menu.clone(), button.clone());
                let again = move |_| place(&m, &b);
                let (m, b) = (menu.clone(), button.clone());
                follow.set_value(Some([
                    window_event_listener(ev::scroll, again),
                    window_event_listener(ev::resize, move |_| place(&m, &b)),
                ]));
            }
        } else {
            if showing {
                let _ = menu.hide_popover();
            }
            if let Some(handles) = follow.try_update_value(Option::take).flatten() {
                handles.into_iter().for_each(WindowListenerHandle::remove);
            }
        }
    });
    on_cleanup(move || {
        if let Some(handles) = follow.try_update_value(Option::take).flatten() {
            handles.into_iter().for_each(WindowListenerHandle::remove);
        }
    });
    let on_button_key = move |e: ev::KeyboardEvent| {
        let first = match e.key().as_str() {
            "ArrowDown" | "Enter" | " " => 0,
            "ArrowUp" => -1,
            // Opened by a click, the menu has no focus inside it yet.
            "Escape" => return open.set(false),
            _ => return,
        };
        e.prevent_default();
        open.set(true);
        request_animation_frame(move || focus_item(first));
    };
    let on_menu_key = move |e: ev::KeyboardEvent| {
        let items = items();
        let current = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.active_element())
            .and_then(|a| items.iter().position(|i| i.is_same_node(Some(&a))))
            .map_or(-1, |i| i as isize);
        let target = match e.key().as_str() {
            "ArrowDown" => current + 1,
            "ArrowUp" => current - 1,
            "Home" => 0,
            "End" => -1,
            "Escape" => {
                e.prevent_default();
                open.set(false);
                if let Some(b) = button_ref.get() {
                    let _ = b.focus();
                }
                return;
            }
            "Tab" => {
                open.set(false);
                return;
            }
            _ => return,
        };
        e.prevent_default();
        focus_item(target);
    };
    let on_focus_out = move |e: ev::FocusEvent| {
        let stays_inside = e
            .related_target()
            .and_then(|t| t.dyn_into::<web_sys::Node>().ok())
            .zip(wrapper.get())
            .is_some_and(|(target, wrapper)| wrapper.contains(Some(&target)));
        if !stays_inside {
            open.set(false);
        }
    };
    let button_id = format!("{id}-button");
    let menu_id = format!("{id}-menu");
    view! {
        <div class="menu-wrap" node_ref=wrapper on:focusout=on_focus_out>
            <button
                type="button"
                class=class
                id=button_id.clone()
                aria-label=label
                aria-haspopup="menu"
                aria-controls=menu_id.clone()
                aria-expanded=move || expanded().to_string()
                node_ref=button_ref
                disabled=move || disabled.get()
                on:click=move |_| open.update(|o| *o = !*o)
                on:keydown=on_button_key
            >
                {button.run()}
            </button>
            <div
                id=menu_id
                class="menu"
                role="menu"
                aria-labelledby=button_id
                popover="manual"
                node_ref=menu
                on:keydown=on_menu_key
            >
                // Built when opened: a page of rows renders and hydrates only their buttons.
                {move || expanded().then(|| children())}
            </div>
        </div>
    }
}

/// Puts the open `menu` under `button`, its right edge on the button's, inside the window:
/// above the button when there is no room below (the last rows, a phone's lower half).
fn place(menu: &web_sys::HtmlElement, button: &web_sys::HtmlElement) {
    const GAP: f64 = 6.0;
    const MARGIN: f64 = 8.0;
    let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    else {
        return;
    };
    let (width, height) = (f64::from(root.client_width()), f64::from(root.client_height()));
    let at = button.get_bounding_client_rect();
    let (w, h) = (f64::from(menu.offset_width()), f64::from(menu.offset_height()));
    let left = (at.right() - w).min(width - w - MARGIN).max(MARGIN);
    let below = at.bottom() + GAP;
    let above = at.top() - GAP - h;
    let top = if below + h <= height - MARGIN || above < MARGIN {
        below.min(height - h - MARGIN).max(MARGIN)
    } else {
        above
    };
    let style = menu.style();
    let _ = style.set_property("left", &format!("{left}px"));
    let _ = style.set_property("top", &format!("{top}px"));
}

/// One entry of a [`RowMenu`].
#[derive(Clone)]
pub struct MenuItem<A> {
    pub action: A,
    pub text: &'static str,
    /// Why the action can't be used on this row, shown under it; `None` when it can.
    pub unavailable: Option<String>,
}

impl<A> MenuItem<A> {
    pub fn new(action: A, text: &'static str) -> Self {
        MenuItem {
            action,
            text,
            unavailable: None,
        }
    }

    /// The same item, shown disabled with `reason` when `reason` is some.
    pub fn unless(self, reason: Option<String>) -> Self {
        MenuItem {
            unavailable: reason,
            ..self
        }
    }
}

/// A table row's "⋮" menu named `label` (e.g. "Actions for Ana"): `leading` (links) first,
/// then one item per action, each closing the menu and calling `act` with itself and `row`.
/// An unavailable item stays in its place, disabled, with its reason as its description.
#[component]
pub fn RowMenu<A, R>(
    /// Prefix of the ids; unique on the page.
    id: String,
    /// The button's accessible name.
    label: String,
    /// The row the actions are about.
    row: R,
    /// The actions, in order.
    items: Vec<MenuItem<A>>,
    act: Callback<(A, R)>,
    /// Items before the actions, such as a link.
    #[prop(optional)]
    leading: Option<ViewFn>,
    /// While true the menu can't be opened: the row belongs to a view being replaced.
    #[prop(optional, into)]
    disabled: MaybeProp<bool>,
) -> impl IntoView
where
    A: Copy + Send + Sync + 'static,
    R: Clone + Send + Sync + 'static,
{
    let open = RwSignal::new(false);
    let row = StoredValue::new(row);
    let items = StoredValue::new(items);
    let prefix = id.clone();
    view! {
        <MenuButton id label class="row-menu-button" open disabled button=|| view! { <span aria-hidden="true">"⋮"</span> }>
            {leading.as_ref().map(|l| l.run())}
            {items
                .get_value()
                .into_iter()
                .enumerate()
                .map(|(n, item)| {
                    let MenuItem { action, text, unavailable } = item;
                    let note_id = unavailable.as_ref().map(|_| format!("{prefix}-note-{n}"));
                    let usable = unavailable.is_none();
                    let described_by = note_id.clone();
                    view! {
                        <button
                            type="button"
                            role="menuitem"
                            tabindex="-1"
                            aria-label=text
                            aria-disabled=(!usable).then_some("true")
                            aria-describedby=described_by
                            on:click=move |_| {
                                if usable {
                                    open.set(false);
                                    act.run((action, row.get_value()));
                                }
                            }
                        >
                            {text}
                            {unavailable.map(|reason| view! { <span class="menu-note" id=note_id>{reason}</span> })}
                        </button>
                    }
                })
                .collect_view()}
        </MenuButton>
    }
}

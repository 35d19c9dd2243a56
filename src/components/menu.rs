//! A menu button (WAI-ARIA menu button pattern): the button opens a `role="menu"` whose
//! children are `role="menuitem"` elements with `tabindex="-1"`; arrow keys, Home and End move
//! between items, Escape closes and returns focus to the button, leaving closes it.

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
    let disabled = Signal::derive(move || disabled.get().unwrap_or(false));
    // A disabled menu shows closed (it is not closed by an effect: its row may be going away).
    let expanded = move || open.get() && !disabled.get();
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
            let _ = items[index.rem_euclid(items.len() as isize) as usize].focus();
        }
    };
    let on_button_key = move |e: ev::KeyboardEvent| {
        let first = match e.key().as_str() {
            "ArrowDown" | "Enter" | " " => 0,
            "ArrowUp" => -1,
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
                node_ref=menu
                hidden=move || !expanded()
                on:keydown=on_menu_key
            >
                {children()}
            </div>
        </div>
    }
}

/// A table row's "⋮" menu named `label` (e.g. "Actions for Ana"): `leading` (links) first,
/// then one item per action, each closing the menu and calling `act` with itself and `row`.
#[component]
pub fn RowMenu<A, R>(
    /// Prefix of the ids; unique on the page.
    id: String,
    /// The button's accessible name.
    label: String,
    /// The row the actions are about.
    row: R,
    /// The actions and their texts, in order.
    items: Vec<(A, &'static str)>,
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
    view! {
        <MenuButton id label class="row-menu-button" open disabled button=|| view! { <span aria-hidden="true">"⋮"</span> }>
            {leading.as_ref().map(|l| l.run())}
            {items
                .get_value()
                .into_iter()
                .map(|(action, text)| {
                    view! {
                        <button
                            type="button"
                            role="menuitem"
                            tabindex="-1"
                            on:click=move |_| {
                                open.set(false);
                                act.run((action, row.get_value()));
                            }
                        >
                            {text}
                        </button>
                    }
                })
                .collect_view()}
        </MenuButton>
    }
}

//! The user menu in the header: a menu button named after the user, with their email and role,
//! "Profile" and "Sign out". Follows the WAI-ARIA menu button pattern: arrow keys move between
//! items, Escape closes and returns focus to the button.

use crate::{api::auth::SignOut, model::Me};
use leptos::{ev, html, prelude::*};
use wasm_bindgen::JsCast;

#[component]
pub fn UserMenu(
    /// The signed-in user.
    me: Me,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let button = NodeRef::<html::Button>::new();
    let menu = NodeRef::<html::Div>::new();
    let wrapper = NodeRef::<html::Div>::new();
    let sign_out = ServerAction::<SignOut>::new();

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
        if items.is_empty() {
            return;
        }
        let len = items.len() as isize;
        let _ = items[index.rem_euclid(len) as usize].focus();
    };
    let close = move |return_focus: bool| {
        open.set(false);
        if return_focus {
            if let Some(b) = button.get() {
                let _ = b.focus();
            }
        }
    };
    let on_button_key = move |e: ev::KeyboardEvent| match e.key().as_str() {
        "ArrowDown" | "Enter" | " " => {
            e.prevent_default();
            open.set(true);
            request_animation_frame(move || focus_item(0));
        }
        "ArrowUp" => {
            e.prevent_default();
            open.set(true);
            request_animation_frame(move || focus_item(-1));
        }
        _ => {}
    };
    let on_menu_key = move |e: ev::KeyboardEvent| {
        let items = items();
        let current = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.active_element())
            .and_then(|a| items.iter().position(|i| i.is_same_node(Some(&a))))
            .map_or(-1, |i| i as isize);
        match e.key().as_str() {
            "ArrowDown" => {
                e.prevent_default();
                focus_item(current + 1);
            }
            "ArrowUp" => {
                e.prevent_default();
                focus_item(current - 1);
            }
            "Home" => {
                e.prevent_default();
                focus_item(0);
            }
            "End" => {
                e.prevent_default();
                focus_item(-1);
            }
            "Escape" => {
                e.prevent_default();
                close(true);
            }
            "Tab" => close(false),
            _ => {}
        }
    };
    // Close when focus leaves the button and menu for somewhere else on the page.
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

    view! {
        <div class="user-menu" node_ref=wrapper on:focusout=on_focus_out>
            <button
                type="button"
                class="user-menu-button"
                id="user-menu-button"
                aria-haspopup="menu"
                aria-controls="user-menu"
                aria-expanded=move || open.get().to_string()
                node_ref=button
                on:click=move |_| open.update(|o| *o = !*o)
                on:keydown=on_button_key
            >
                <span class="avatar" aria-hidden="true">{initials(&me.name)}</span>
                <span class="user-name">{me.name.clone()}</span>
            </button>
            <div
                id="user-menu"
                class="menu"
                role="menu"
                aria-labelledby="user-menu-button"
                node_ref=menu
                hidden=move || !open.get()
                on:keydown=on_menu_key
            >
                <div class="menu-info" role="presentation">
                    <span class="menu-email">{me.email.clone()}</span>
                    <span class="menu-role">{me.role_name.clone()}</span>
                </div>
                <a href="/profile" role="menuitem" tabindex="-1" on:click=move |_| open.set(false)>
                    "Profile"
                </a>
                <ActionForm action=sign_out attr:class="menu-form">
                    <button type="submit" role="menuitem" tabindex="-1">
                        "Sign out"
                    </button>
                </ActionForm>
            </div>
        </div>
    }
}

/// Up to two initials for the avatar.
fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|w| w.chars().next())
        .take(2)
        .flat_map(char::to_uppercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::initials;

    #[test]
    fn initials_take_the_first_letters_of_two_words() {
        assert_eq!(initials("ada lovelace byron"), "AL");
        assert_eq!(initials("Ōsaka"), "Ō");
        assert_eq!(initials(""), "");
    }
}

//! The user menu in the header: a menu button named after the user, with their email and role,
//! "Profile" and "Sign out".

use super::menu::MenuButton;
use crate::{api::auth::SignOut, model::Me};
use leptos::prelude::*;

#[component]
pub fn UserMenu(
    /// The signed-in user.
    me: Me,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let sign_out = ServerAction::<SignOut>::new();
    let (name, email, role) = (me.name.clone(), me.email.clone(), me.role_name.clone());
    view! {
        <div class="user-menu">
            <MenuButton
                id="user".to_string()
                class="user-menu-button"
                open
                button=move || {
                    view! {
                        <span class="avatar" aria-hidden="true">{initials(&name)}</span>
                        <span class="user-name">{name.clone()}</span>
                    }
                }
            >
                <div class="menu-info" role="presentation">
                    <span class="menu-email">{email.clone()}</span>
                    <span class="menu-role">{role.clone()}</span>
                </div>
                <a href="/profile" role="menuitem" tabindex="-1" on:click=move |_| open.set(false)>
                    "Profile"
                </a>
                <ActionForm action=sign_out attr:class="menu-form">
                    <button type="submit" role="menuitem" tabindex="-1">
                        "Sign out"
                    </button>
                </ActionForm>
            </MenuButton>
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

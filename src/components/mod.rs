//! Reusable pieces of the interface.

pub mod action;
pub mod auth_card;
pub mod devices;
pub mod field;
pub mod layout;
pub mod lazy;
pub mod live;
pub mod me;
pub mod menu;
pub mod modal;
pub mod notice;
pub mod pager;
pub mod person_picker;
pub mod search;
pub mod time;
pub mod title;
pub mod toast;
pub mod user_menu;

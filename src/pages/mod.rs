//! One component per route.

pub mod add_user;
pub mod coming_soon;
pub mod login;
pub mod not_found;
pub mod profile;
pub mod signup;
pub mod user_actions;
pub mod user_detail;
pub mod users;
pub mod welcome;

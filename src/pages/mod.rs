//! One component per route.

pub mod add_user;
pub mod coming_soon;
pub mod login;
pub mod not_found;
pub mod profile;
pub mod signup;
pub mod users;
pub mod welcome;

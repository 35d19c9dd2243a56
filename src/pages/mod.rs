//! One component per route.

pub mod accept_invite;
pub mod accounts;
pub mod add_user;
pub mod approvals;
pub mod audit;
pub mod bulk;
pub mod home;
pub mod invitation_actions;
pub mod invite_users;
pub mod join;
pub mod login;
pub mod not_found;
pub mod profile;
pub mod reset;
pub mod roles;
pub mod selection;
pub mod settings;
pub mod signup;
pub mod teams;
pub mod transfer;
pub mod user_access;
pub mod user_actions;
pub mod user_detail;
pub mod users;
pub mod verify_email;
pub mod welcome;

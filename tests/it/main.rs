//! Rust integration tests, in one binary so that the harness and the crate are linked once
//! rather than once per file. Each module drives the whole router on a fresh database.

mod common;

mod access;
mod accounts;
mod auth;
mod bulk;
mod escaping;
mod headers;
mod hierarchy;
mod host;
mod invitations;
mod join;
mod lifecycle;
mod limits;
mod live;
mod mail;
mod profile;
mod reset;
mod roles;
mod schema;
mod scope;
mod squatting;
mod teams;
mod users_table;

//! Server functions: what the browser (and programs) call. Each finds the caller, gets the
//! capability it needs, calls `server::db` or a server service, and maps errors. They are
//! mounted under `/api/<endpoint>`.

pub mod auth;
pub mod users;
pub mod welcome;

//! Everything that runs only on the server.

pub mod access;
pub mod assets;
pub mod audit_export;
pub mod auth;
pub mod backup;
pub mod config;
pub mod copy;
pub mod counts;
pub mod csrf;
pub mod db;
pub mod headers;
pub mod health;
pub mod host;
pub mod live;
pub mod logs;
pub mod mail;
pub mod mailer;
pub mod metrics;
pub mod onboarding;
pub mod password;
pub mod router;
pub mod signin;
pub mod state;
pub mod token;
pub mod user_agent;

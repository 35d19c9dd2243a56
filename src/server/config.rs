//! Typed configuration, read from the environment (and `.env` when present).

use std::{net::SocketAddr, time::Duration};

#[derive(Debug, Clone)]
pub struct Config {
    /// `ROSTER_ADDR`: where to listen.
    pub addr: SocketAddr,
    /// `DATABASE_URL`: `sqlite://...` or `postgres://...`.
    pub database_url: String,
    /// `ROSTER_DEMO`: seed the demo company into an empty database.
    pub demo: bool,
    /// `ROSTER_DEMO_USERS`: how many people the demo company has besides its owner.
    pub demo_users: usize,
    /// `ROSTER_PUBLIC_URL`: the address people reach Roster at, used in emailed links and as
    /// an accepted `Origin`.
    pub public_url: String,
    /// `ROSTER_SECURE_COOKIES`: `Secure` and `__Host-` cookies (on by default behind https).
    pub secure_cookies: bool,
    /// `ROSTER_SESSION_IDLE_MINUTES`: a session unused this long ends.
    pub session_idle: Duration,
    /// `ROSTER_SESSION_MAX_HOURS`: a session ends this long after sign-in, whatever the use.
    pub session_max: Duration,
    /// `ROSTER_LOGIN_THROTTLE`: slow down and lock repeated failed sign-ins.
    pub login_throttle: bool,
}

#[derive(Debug, thiserror::Error)]
#[error("{name}: {message}")]
pub struct ConfigError {
    name: &'static str,
    message: String,
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `lookup`, so tests can pass their own values.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let get = |name: &str, default: &str| lookup(name).unwrap_or_else(|| default.to_string());
        let addr_text = get("ROSTER_ADDR", "127.0.0.1:3000");
        let addr: SocketAddr = addr_text.parse().map_err(|_| ConfigError {
            name: "ROSTER_ADDR",
            message: format!("'{addr_text}' is not an address like 127.0.0.1:3000"),
        })?;
        let public_url = lookup("ROSTER_PUBLIC_URL")
            .unwrap_or_else(|| format!("http://{addr}"))
            .trim_end_matches('/')
            .to_string();
        url::Url::parse(&public_url).map_err(|e| ConfigError {
            name: "ROSTER_PUBLIC_URL",
            message: format!("'{public_url}' is not a URL: {e}"),
        })?;
        let https = public_url.starts_with("https://");
        Ok(Config {
            addr,
            database_url: get("DATABASE_URL", "sqlite://data/roster.db"),
            demo: flag(&lookup, "ROSTER_DEMO", false)?,
            demo_users: number(&lookup, "ROSTER_DEMO_USERS", 40)? as usize,
            secure_cookies: flag(&lookup, "ROSTER_SECURE_COOKIES", https)?,
            public_url,
            session_idle: Duration::from_secs(60 * number(&lookup, "ROSTER_SESSION_IDLE_MINUTES", 12 * 60)?),
            session_max: Duration::from_secs(3600 * number(&lookup, "ROSTER_SESSION_MAX_HOURS", 30 * 24)?),
            login_throttle: flag(&lookup, "ROSTER_LOGIN_THROTTLE", true)?,
        })
    }

    /// The name of the session cookie; the `__Host-` prefix pins it to this host over TLS.
    pub fn session_cookie_name(&self) -> &'static str {
        if self.secure_cookies {
            "__Host-roster_session"
        } else {
            "roster_session"
        }
    }
}

fn flag(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: bool,
) -> Result<bool, ConfigError> {
    match lookup(name).as_deref().map(str::trim) {
        None | Some("") => Ok(default),
        Some("1" | "true" | "yes" | "on") => Ok(true),
        Some("0" | "false" | "no" | "off") => Ok(false),
        Some(other) => Err(ConfigError {
            name,
            message: format!("'{other}' is not 1 or 0"),
        }),
    }
}

fn number(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: u64,
) -> Result<u64, ConfigError> {
    match lookup(name) {
        None => Ok(default),
        Some(text) => match text.trim().parse::<u64>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(ConfigError {
                name,
                message: format!("'{text}' is not a positive whole number"),
            }),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        Config::from_lookup(|name| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string()))
    }

    #[test]
    fn defaults_serve_sqlite_on_localhost_port_3000() {
        let c = config(&[]).unwrap();
        assert_eq!(c.addr.to_string(), "127.0.0.1:3000");
        assert_eq!(c.database_url, "sqlite://data/roster.db");
        assert_eq!(c.public_url, "http://127.0.0.1:3000");
        assert!(!c.secure_cookies);
        assert!(c.login_throttle);
        assert_eq!(c.session_cookie_name(), "roster_session");
    }

    #[test]
    fn an_https_public_url_turns_on_secure_cookies() {
        let c = config(&[("ROSTER_PUBLIC_URL", "https://roster.example.com/")]).unwrap();
        assert!(c.secure_cookies);
        assert_eq!(c.public_url, "https://roster.example.com");
        assert_eq!(c.session_cookie_name(), "__Host-roster_session");
    }

    #[test]
    fn a_bad_value_names_the_variable() {
        let err = config(&[("ROSTER_DEMO", "maybe")]).unwrap_err();
        assert!(err.to_string().starts_with("ROSTER_DEMO"));
        assert!(config(&[("ROSTER_ADDR", "nowhere")]).is_err());
    }
}

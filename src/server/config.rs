//! Typed configuration, read from the environment (and `.env` when present).

use std::{net::SocketAddr, time::Duration};

/// The database when `DATABASE_URL` is not set: SQLite in `data/`.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/roster.db";

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
    /// `ROSTER_SMTP_URL`: the SMTP server that delivers the outbox (`smtp://host:port`,
    /// `smtps://user:pass@host`, `smtp://host?tls=required`). Without it emails stay in the
    /// outbox, logged with their links. May hold a password: never log it.
    pub smtp_url: Option<String>,
    /// `ROSTER_MAIL_FROM`: the sender of every email.
    pub mail_from: lettre::message::Mailbox,
    /// `ROSTER_MODULES`: the product's modules that roles grant, comma-separated.
    pub modules: std::sync::Arc<[crate::model::Module]>,
    /// `ROSTER_INVITATIONS_PER_DAY`, `ROSTER_INVITATIONS_FREE_USERS`, `ROSTER_RESEND_MINUTES`,
    /// `ROSTER_EMAIL_CHANGES_PER_DAY`, `ROSTER_SIGNUPS_PER_HOUR`: how much email may be caused.
    pub mail_limits: crate::model::MailLimits,
    /// `ROSTER_AUDIT_KEY`: the audit chain's HMAC key, 64 hex digits (32 bytes). Without it,
    /// the server keeps one in a file it generates at first start ([`Config::audit_key_file`]);
    /// here it is then a fresh key until `main` loads that file. Never logged.
    pub audit_key: super::db::chain::AuditKey,
    /// Whether `ROSTER_AUDIT_KEY` set the key.
    pub audit_key_configured: bool,
    /// `ROSTER_METRICS_ADDR`: where `GET /metrics` is served, apart from the app (and so never
    /// public by accident); `None`, the default, records and serves no metrics.
    pub metrics_addr: Option<SocketAddr>,
    /// `ROSTER_MAX_CONCURRENT_REQUESTS`: requests handled at once; the rest wait their turn.
    pub max_concurrent_requests: usize,
    /// `ROSTER_MAX_QUEUE_MS`: how long a request may wait for its turn before it is answered
    /// 503 (see `server::admission`).
    pub max_queue: Duration,
    /// `ROSTER_MAX_CONNECTIONS`: connections open at once; by default what the open-file
    /// limit leaves (see `server::connections`).
    pub max_connections: Option<usize>,
}

/// `ROSTER_LOG_FORMAT`: how the server writes its log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// `text`, the default: tracing's human-readable lines (the end-to-end tests read emailed
    /// links from them).
    Text,
    /// `json`: one JSON object per line, for a log collector.
    Json,
}

impl LogFormat {
    /// Read on its own, before [`Config`]: the log is set up first, so that configuration
    /// errors are logged in the chosen format.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<LogFormat, ConfigError> {
        match lookup("ROSTER_LOG_FORMAT").as_deref().map(str::trim) {
            None | Some("" | "text") => Ok(LogFormat::Text),
            Some("json") => Ok(LogFormat::Json),
            Some(other) => Err(ConfigError {
                name: "ROSTER_LOG_FORMAT",
                message: format!("'{other}' is not text or json"),
            }),
        }
    }
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
        let metrics_addr = lookup("ROSTER_METRICS_ADDR")
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .map(|text| {
                text.parse::<SocketAddr>().map_err(|_| ConfigError {
                    name: "ROSTER_METRICS_ADDR",
                    message: format!("'{text}' is not an address like 127.0.0.1:9090"),
                })
            })
            .transpose()?;
        if metrics_addr == Some(addr) {
            return Err(ConfigError {
                name: "ROSTER_METRICS_ADDR",
                message: "must differ from ROSTER_ADDR: the metrics are not for the public".into(),
            });
        }
        let smtp_url = smtp_url(&lookup)?;
        let mail_from = mail_from(&lookup, &public_url)?;
        let audit_key = match lookup("ROSTER_AUDIT_KEY").filter(|k| !k.trim().is_empty()) {
            None => None,
            // The message never repeats the value.
            Some(text) => Some(super::db::chain::AuditKey::from_hex(&text).ok_or(ConfigError {
                name: "ROSTER_AUDIT_KEY",
                message: "must be 64 hex digits (32 bytes), e.g. from `openssl rand -hex 32`".into(),
            })?),
        };
        Ok(Config {
            addr,
            database_url: get("DATABASE_URL", DEFAULT_DATABASE_URL),
            demo: flag(&lookup, "ROSTER_DEMO", false)?,
            demo_users: number(&lookup, "ROSTER_DEMO_USERS", 40)? as usize,
            secure_cookies: flag(&lookup, "ROSTER_SECURE_COOKIES", https)?,
            public_url,
            session_idle: Duration::from_secs(60 * number(&lookup, "ROSTER_SESSION_IDLE_MINUTES", 12 * 60)?),
            session_max: Duration::from_secs(3600 * number(&lookup, "ROSTER_SESSION_MAX_HOURS", 30 * 24)?),
            login_throttle: flag(&lookup, "ROSTER_LOGIN_THROTTLE", true)?,
            smtp_url,
            mail_from,
            modules: modules(&get("ROSTER_MODULES", "Pricing, Payments, Reports, Orders"))?.into(),
            mail_limits: mail_limits(&lookup)?,
            audit_key_configured: audit_key.is_some(),
            audit_key: audit_key.unwrap_or_else(super::db::chain::AuditKey::generate),
            metrics_addr,
            max_concurrent_requests: number(&lookup, "ROSTER_MAX_CONCURRENT_REQUESTS", 64)? as usize,
            max_queue: Duration::from_millis(number(&lookup, "ROSTER_MAX_QUEUE_MS", 1000)?),
            max_connections: match lookup("ROSTER_MAX_CONNECTIONS") {
                Some(_) => Some(number(&lookup, "ROSTER_MAX_CONNECTIONS", 1)? as usize),
                None => None,
            },
        })
    }

    /// Where the audit key is kept when `ROSTER_AUDIT_KEY` is not set: `audit.key` beside the
    /// SQLite file, or in `data/` for PostgreSQL. Not in the database: whoever can edit the
    /// database must not be able to recompute the chain.
    pub fn audit_key_file(&self) -> std::path::PathBuf {
        let sqlite = self
            .database_url
            .strip_prefix("sqlite://")
            .or_else(|| self.database_url.strip_prefix("sqlite:"))
            .map(|rest| rest.split('?').next().unwrap_or_default())
            .filter(|path| !path.is_empty() && *path != ":memory:");
        let folder = match sqlite {
            Some(path) => std::path::Path::new(path)
                .parent()
                .map(std::path::Path::to_path_buf)
                .unwrap_or_default(),
            None => std::path::PathBuf::from("data"),
        };
        folder.join("audit.key")
    }

    /// Reads the audit key from [`Config::audit_key_file`] unless `ROSTER_AUDIT_KEY` set it;
    /// creates the file (readable by its owner only) with this config's fresh key when there is
    /// none, and says so, with a warning to back it up. `create`: false for commands that only
    /// read (`roster audit verify`), which fail without a key instead.
    pub fn load_audit_key(&mut self, create: bool) -> Result<(), String> {
        if self.audit_key_configured {
            return Ok(());
        }
        let path = self.audit_key_file();
        let failed = |e: std::io::Error| format!("{}: {e}", path.display());
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
                if self.write_new_key(&path).map_err(failed)? {
                    tracing::warn!(
                        "generated the audit log's key in {}: back it up (without it the audit log can't \
                         be verified), or set ROSTER_AUDIT_KEY; several instances must share one key",
                        path.display()
                    );
                    return Ok(());
                }
                // Another instance starting beside this one wrote it first: theirs it is.
                std::fs::read_to_string(&path).map_err(failed)?
            }
            Err(e) => {
                return Err(format!(
                    "ROSTER_AUDIT_KEY is not set and {} can't be read: {e}",
                    path.display()
                ))
            }
        };
        self.audit_key = super::db::chain::AuditKey::from_hex(&text)
            .ok_or_else(|| format!("{}: not 64 hex digits", path.display()))?;
        Ok(())
    }

    /// Writes this config's key to `path` whole or not at all (readable by its owner only):
    /// into a file of its own first, then linked in place, which fails when another instance
    /// starting at the same time got there first (false). A reader never sees half a key.
    fn write_new_key(&self, path: &std::path::Path) -> std::io::Result<bool> {
        if let Some(folder) = path.parent().filter(|f| !f.as_os_str().is_empty()) {
            std::fs::create_dir_all(folder)?;
        }
        // Named by the key itself, random: no two writers share it.
        let hex = self.audit_key.to_hex();
        let own = path.with_extension(format!("key.{}.tmp", &hex[..16]));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let written = options.open(&own).and_then(|mut file| {
            std::io::Write::write_all(&mut file, format!("{hex}\n").as_bytes())?;
            file.sync_all()
        });
        let linked = written.and_then(|()| std::fs::hard_link(&own, path));
        let _ = std::fs::remove_file(&own);
        match linked {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// What writes that send email need from the configuration.
    pub fn mailing(&self) -> super::db::quota::Mailing<'_> {
        super::db::quota::Mailing {
            public_url: &self.public_url,
            limits: &self.mail_limits,
        }
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

fn mail_limits(lookup: &impl Fn(&str) -> Option<String>) -> Result<crate::model::MailLimits, ConfigError> {
    let d = crate::model::MailLimits::default();
    let get = |name, default: i64, least| {
        number_from(lookup, name, default as u64, least).map(|n| n.min(i64::MAX as u64) as i64)
    };
    Ok(crate::model::MailLimits {
        invitations_per_day: get("ROSTER_INVITATIONS_PER_DAY", d.invitations_per_day, 1)?,
        free_users: get("ROSTER_INVITATIONS_FREE_USERS", d.free_users, 1)?,
        // 0 sends again at once (the end-to-end tests resend within seconds).
        resend_minutes: get("ROSTER_RESEND_MINUTES", d.resend_minutes, 0)?,
        email_changes_per_day: get("ROSTER_EMAIL_CHANGES_PER_DAY", d.email_changes_per_day, 1)?,
        signups_per_hour: get("ROSTER_SIGNUPS_PER_HOUR", d.signups_per_hour, 1)?,
    })
}

/// `ROSTER_MODULES`: names separated by commas, each distinct.
fn modules(list: &str) -> Result<Vec<crate::model::Module>, ConfigError> {
    let mut modules: Vec<crate::model::Module> = Vec::new();
    for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let module = crate::model::Module::named(name);
        if module.key.len() <= crate::model::Module::PREFIX.len()
            || modules.iter().any(|m| m.key == module.key)
        {
            return Err(ConfigError {
                name: "ROSTER_MODULES",
                message: format!("'{name}' is not a distinct module name"),
            });
        }
        modules.push(module);
    }
    Ok(modules)
}

/// `ROSTER_SMTP_URL`, checked the way the mailer will read it; empty means unset.
fn smtp_url(lookup: &impl Fn(&str) -> Option<String>) -> Result<Option<String>, ConfigError> {
    const NAME: &str = "ROSTER_SMTP_URL";
    let Some(text) = lookup(NAME)
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
    else {
        return Ok(None);
    };
    // The message never repeats the URL, which may carry a password.
    let error = |message: String| ConfigError { name: NAME, message };
    let url = url::Url::parse(&text).map_err(|e| error(format!("not a URL like smtp://host:port ({e})")))?;
    if !matches!(url.scheme(), "smtp" | "smtps") {
        return Err(error(format!(
            "the scheme must be smtp or smtps, not '{}'",
            url.scheme()
        )));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(error("names no host, as in smtp://host:port".into()));
    }
    lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(&text)
        .map_err(|e| error(format!("not usable for SMTP: {e}")))?;
    Ok(Some(text))
}

/// `ROSTER_MAIL_FROM`, by default `Roster <roster@host>` with the host of the public URL
/// (`localhost` when that is an IP address, which is no mail domain).
fn mail_from(
    lookup: &impl Fn(&str) -> Option<String>,
    public_url: &str,
) -> Result<lettre::message::Mailbox, ConfigError> {
    const NAME: &str = "ROSTER_MAIL_FROM";
    let text = match lookup(NAME)
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
    {
        Some(text) => text,
        None => {
            let host = match url::Url::parse(public_url)
                .ok()
                .and_then(|u| u.host().map(|h| h.to_owned()))
            {
                Some(url::Host::Domain(domain)) => domain,
                _ => "localhost".to_string(),
            };
            format!("Roster <roster@{host}>")
        }
    };
    text.parse().map_err(|e| ConfigError {
        name: NAME,
        message: format!("'{text}' is not a mailbox like 'Roster <roster@example.com>' ({e})"),
    })
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
    number_from(lookup, name, default, 1)
}

/// A whole number of at least `least`.
fn number_from(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: u64,
    least: u64,
) -> Result<u64, ConfigError> {
    match lookup(name) {
        None => Ok(default),
        Some(text) => match text.trim().parse::<u64>() {
            Ok(n) if n >= least => Ok(n),
            _ => Err(ConfigError {
                name,
                message: match least {
                    0 => format!("'{text}' is not a whole number"),
                    1 => format!("'{text}' is not a positive whole number"),
                    _ => format!("'{text}' is not a whole number of at least {least}"),
                },
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
    fn instances_starting_together_without_a_key_file_share_the_one_that_gets_written() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/roster.db", dir.path().display());
        for _ in 0..20 {
            let _ = std::fs::remove_file(dir.path().join("audit.key"));
            let barrier = std::sync::Arc::new(std::sync::Barrier::new(4));
            let keys: Vec<Result<String, String>> = (0..4)
                .map(|_| {
                    let (url, barrier) = (url.clone(), barrier.clone());
                    std::thread::spawn(move || {
                        let mut c = config(&[("DATABASE_URL", url.as_str())]).unwrap();
                        barrier.wait();
                        c.load_audit_key(true).map(|()| c.audit_key.to_hex())
                    })
                })
                .collect::<Vec<_>>()
                .into_iter()
                .map(|t| t.join().unwrap())
                .collect();
            let written = std::fs::read_to_string(dir.path().join("audit.key")).unwrap();
            for key in keys {
                assert_eq!(key.as_deref(), Ok(written.trim()));
            }
            let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
            assert_eq!(left.len(), 1, "no temporary file stays behind");
        }
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
        assert_eq!(c.smtp_url, None);
        assert_eq!(c.mail_from.to_string(), "Roster <roster@localhost>");
        assert_eq!(c.metrics_addr, None, "no metrics unless asked for");
        assert_eq!(c.max_concurrent_requests, 64);
        assert_eq!(c.max_queue, Duration::from_secs(1));
        assert_eq!(c.max_connections, None, "from the open-file limit");
    }

    #[test]
    fn metrics_are_served_on_their_own_address_only() {
        let c = config(&[("ROSTER_METRICS_ADDR", "127.0.0.1:9090")]).unwrap();
        assert_eq!(c.metrics_addr, Some("127.0.0.1:9090".parse().unwrap()));
        assert_eq!(
            config(&[("ROSTER_METRICS_ADDR", " ")]).unwrap().metrics_addr,
            None
        );
        for addr in ["9090", "127.0.0.1:3000"] {
            let err = config(&[("ROSTER_METRICS_ADDR", addr)]).unwrap_err().to_string();
            assert!(err.starts_with("ROSTER_METRICS_ADDR: "), "{addr}: {err}");
        }
    }

    #[test]
    fn the_log_is_text_unless_json_is_asked_for() {
        let format = |value: Option<&str>| LogFormat::from_lookup(|_| value.map(str::to_string));
        assert_eq!(format(None).unwrap(), LogFormat::Text);
        assert_eq!(format(Some("text")).unwrap(), LogFormat::Text);
        assert_eq!(format(Some(" json ")).unwrap(), LogFormat::Json);
        assert!(format(Some("JSON lines")).is_err());
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
        assert_eq!(config(&[]).unwrap().modules.len(), 4);
        assert_eq!(
            config(&[("ROSTER_MODULES", "Billing, ,Maps")]).unwrap().modules[1].name,
            "Maps"
        );
        assert!(config(&[("ROSTER_MODULES", "Maps, maps")]).is_err());
        let err = config(&[("ROSTER_DEMO", "maybe")]).unwrap_err();
        assert!(err.to_string().starts_with("ROSTER_DEMO"));
        assert!(config(&[("ROSTER_ADDR", "nowhere")]).is_err());
    }

    #[test]
    fn invitations_may_be_resent_at_once_but_every_other_email_limit_must_be_positive() {
        let c = config(&[("ROSTER_RESEND_MINUTES", "0")]).unwrap();
        assert_eq!(c.mail_limits.resend_minutes, 0);
        assert_eq!(
            c.mail_limits,
            crate::model::MailLimits {
                resend_minutes: 0,
                ..Default::default()
            }
        );
        for name in [
            "ROSTER_INVITATIONS_PER_DAY",
            "ROSTER_EMAIL_CHANGES_PER_DAY",
            "ROSTER_SIGNUPS_PER_HOUR",
        ] {
            let err = config(&[(name, "0")]).unwrap_err().to_string();
            assert!(err.starts_with(name) && err.contains("positive"), "{err}");
        }
        let err = config(&[("ROSTER_RESEND_MINUTES", "-1")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a whole number"), "{err}");
    }

    #[test]
    fn an_smtp_url_is_kept_when_it_names_an_smtp_server() {
        for url in [
            "smtp://127.0.0.1:2525",
            "smtps://user:secret@mail.example.com",
            "smtp://user:secret@mail.example.com:587?tls=required",
        ] {
            assert_eq!(
                config(&[("ROSTER_SMTP_URL", url)]).unwrap().smtp_url.as_deref(),
                Some(url)
            );
        }
        assert_eq!(config(&[("ROSTER_SMTP_URL", " ")]).unwrap().smtp_url, None);
    }

    #[test]
    fn a_bad_smtp_url_is_refused_without_showing_its_password() {
        for url in [
            "mail.example.com",
            "http://mail.example.com",
            "smtp://",
            "smtp://user:secret@mail.example.com?tls=sometimes",
        ] {
            let err = config(&[("ROSTER_SMTP_URL", url)]).unwrap_err().to_string();
            assert!(err.starts_with("ROSTER_SMTP_URL: "), "{url}: {err}");
            assert!(!err.contains("secret"), "{url}: {err}");
        }
    }

    #[test]
    fn the_sender_comes_from_the_public_host_unless_set() {
        let c = config(&[("ROSTER_PUBLIC_URL", "https://roster.example.com")]).unwrap();
        assert_eq!(c.mail_from.to_string(), "Roster <roster@roster.example.com>");
        let c = config(&[("ROSTER_MAIL_FROM", "Acme People <people@acme.example>")]).unwrap();
        assert_eq!(c.mail_from.email.to_string(), "people@acme.example");
        assert_eq!(c.mail_from.name.as_deref(), Some("Acme People"));
        let c = config(&[("ROSTER_MAIL_FROM", "people@acme.example")]).unwrap();
        assert_eq!(c.mail_from.to_string(), "people@acme.example");
    }

    #[test]
    fn a_sender_that_is_no_mailbox_is_refused() {
        for from in ["Roster", "Roster <roster>", "roster@", "<@example.com>"] {
            let err = config(&[("ROSTER_MAIL_FROM", from)]).unwrap_err().to_string();
            assert!(err.starts_with("ROSTER_MAIL_FROM: "), "{from}: {err}");
        }
    }
}

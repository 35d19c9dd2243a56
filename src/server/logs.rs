//! The server's log: tracing's text lines by default, or one JSON object per line
//! (`ROSTER_LOG_FORMAT=json`) for a log collector. The text lines stay as they are: the
//! end-to-end tests read emailed links from them.

use super::config::LogFormat;
use tracing_subscriber::{fmt::MakeWriter, util::SubscriberInitExt, EnvFilter};

/// What is logged unless `RUST_LOG` says otherwise.
pub const DEFAULT_FILTER: &str = "info,sqlx=warn,tower_http=warn";

/// Logs to standard output for the rest of the process, filtered by `RUST_LOG`.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| DEFAULT_FILTER.into());
    // Colours only for a terminal, not for log files.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    subscriber(format, filter, std::io::stdout, ansi).init();
}

/// A subscriber writing `format` to `writer` (tests pass a buffer); `ansi` colours text lines.
pub fn subscriber<W>(format: LogFormat, filter: EnvFilter, writer: W, ansi: bool) -> tracing::Dispatch
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    match format {
        LogFormat::Text => tracing::Dispatch::new(builder.with_ansi(ansi).finish()),
        // An event's fields at the top level beside its time, level and target, so a
        // collector finds `message`, `route` or `error` without unwrapping.
        LogFormat::Json => {
            tracing::Dispatch::new(builder.json().flatten_event(true).with_ansi(false).finish())
        }
    }
}

//! The one error type of Roster. It crosses from the server to the browser as JSON, so every
//! message here is written for the person using Roster; database details are logged on the
//! server and never leave it.

use serde::{Deserialize, Serialize};
use server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum AppError {
    /// 401: nobody is signed in, or the session ended.
    #[error("Please sign in to continue.")]
    Unauthenticated,
    /// 403: signed in, but the role does not allow this.
    #[error("You don't have access to this.")]
    Forbidden,
    /// 403: the caller may do this, but not to this person: they hold as much as the caller
    /// or more (the hierarchy rule).
    #[error("{0}")]
    Outranked(String),
    /// 401: sign-in failed. Deliberately the same for an unknown email and a wrong password.
    #[error("The email or password is incorrect.")]
    BadCredentials,
    /// 429: too many failed sign-ins for this account or this client.
    #[error("Too many failed sign-in attempts. Try again in {retry_after_secs} seconds.")]
    TooManyAttempts { retry_after_secs: u64 },
    /// 429: a limit on how much email may be caused was reached; the message says which and
    /// when it resets.
    #[error("{0}")]
    LimitReached(String),
    /// 403: the credentials are right but the account may not sign in (deactivated, pending).
    #[error("{0}")]
    AccountUnavailable(String),
    /// 422: an input is invalid; `field` names the form field when there is one.
    #[error("{message}")]
    Invalid { field: Option<String>, message: String },
    /// 404
    #[error("{0} was not found.")]
    NotFound(String),
    /// 410: an emailed link was used, has expired, or its account is no longer active.
    #[error("This link has expired or was already used. Ask an admin of your company for a new one.")]
    LinkExpired,
    /// 409: the change conflicts with the current state.
    #[error("{0}")]
    Conflict(String),
    /// 400: the request itself could not be read (bad encoding, missing arguments).
    #[error("The request could not be read: {0}")]
    BadRequest(String),
    /// 503: the server is handling as many requests as it may, and this one waited too long
    /// for its turn (`server::admission`).
    #[error("Roster is busy right now. Please try again in a moment.")]
    Busy,
    /// 500: something failed on the server; the details are in the server log.
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// The browser could not reach the server or read its answer.
    #[error("Roster could not be reached. Check your connection and try again.")]
    Network,
}

impl AppError {
    /// An error that belongs to one form field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        AppError::Invalid {
            field: Some(field.to_string()),
            message: message.into(),
        }
    }

    /// The form field this error belongs to, if any.
    pub fn field_name(&self) -> Option<&str> {
        match self {
            AppError::Invalid { field, .. } => field.as_deref(),
            _ => None,
        }
    }

    /// The HTTP status this error stands for.
    #[cfg(feature = "ssr")]
    pub fn status(&self) -> http::StatusCode {
        use http::StatusCode;
        match self {
            AppError::Unauthenticated | AppError::BadCredentials => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::Outranked(_) | AppError::AccountUnavailable(_) => {
                StatusCode::FORBIDDEN
            }
            AppError::TooManyAttempts { .. } | AppError::LimitReached(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::LinkExpired => StatusCode::GONE,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal | AppError::Network => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The variant's name, as `/metrics` counts errors by kind (never the message, which
    /// may name a person).
    #[cfg(feature = "ssr")]
    pub fn kind(&self) -> &'static str {
        match self {
            AppError::Unauthenticated => "Unauthenticated",
            AppError::Forbidden => "Forbidden",
            AppError::Outranked(_) => "Outranked",
            AppError::BadCredentials => "BadCredentials",
            AppError::TooManyAttempts { .. } => "TooManyAttempts",
            AppError::LimitReached(_) => "LimitReached",
            AppError::AccountUnavailable(_) => "AccountUnavailable",
            AppError::Invalid { .. } => "Invalid",
            AppError::NotFound(_) => "NotFound",
            AppError::LinkExpired => "LinkExpired",
            AppError::Conflict(_) => "Conflict",
            AppError::BadRequest(_) => "BadRequest",
            AppError::Busy => "Busy",
            AppError::Internal => "Internal",
            AppError::Network => "Network",
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) => AppError::Network,
            ServerFnErrorErr::Args(m)
            | ServerFnErrorErr::MissingArg(m)
            | ServerFnErrorErr::Deserialization(m) => AppError::BadRequest(m),
            _ => AppError::Internal,
        }
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        tracing::error!(%error, "database error");
        AppError::Internal
    }
}

pub type AppResult<T> = Result<T, AppError>;

//! Serves only the public host. A request whose `Host` names anything but the authority of
//! `ROSTER_PUBLIC_URL` is answered 421 Misdirected Request: a page reached through another
//! name (DNS rebinding: an attacker's name that resolves to this server) gets nothing of
//! Roster, and nothing is served under a name that is not Roster's.

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};
use http::{header, StatusCode};
use std::sync::Arc;

/// The one authority Roster answers to: the public URL's host and port (the scheme's
/// default port when it names none).
#[derive(Clone, Debug)]
pub struct PublicHost {
    host: Arc<str>,
    port: Option<u16>,
    default_port: Option<u16>,
    /// Said to a misdirected request.
    refusal: Arc<str>,
}

impl PublicHost {
    /// The authority of `public_url` (`Config::public_url`, checked to be a URL at start-up).
    pub fn of(public_url: &str) -> PublicHost {
        let url = url::Url::parse(public_url).ok();
        PublicHost {
            host: url.as_ref().and_then(|u| u.host_str()).unwrap_or_default().into(),
            port: url.as_ref().and_then(url::Url::port_or_known_default),
            default_port: url.as_ref().and_then(|u| default_port(u.scheme())),
            refusal: format!("This Roster is served at {public_url}").into(),
        }
    }

    /// Whether `authority` (a `Host` value: `host` or `host:port`) names this host: the host
    /// compared case-insensitively, no port standing for the scheme's default port.
    pub fn is(&self, authority: &str) -> bool {
        let Ok(authority) = authority.parse::<http::uri::Authority>() else {
            return false;
        };
        let port = authority.port_u16().or(self.default_port);
        !authority.as_str().contains('@')
            && !self.host.is_empty()
            && authority.host().eq_ignore_ascii_case(&self.host)
            && port == self.port
    }
}

/// The value of the request's one `Host` header; none for two, which name no single host.
fn single_host(headers: &http::HeaderMap) -> Option<&str> {
    let mut hosts = headers.get_all(header::HOST).iter();
    match (hosts.next(), hosts.next()) {
        (Some(host), None) => host.to_str().ok(),
        _ => None,
    }
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    }
}

/// Axum middleware: a request for another host is answered 421, saying where Roster is.
pub async fn refuse_misdirected(State(public): State<PublicHost>, request: Request, next: Next) -> Response {
    // RFC 9112 3.2.2: an absolute-form target (as HTTP/2's :authority) names the host,
    // else the one Host header does.
    let named = match request.uri().authority() {
        Some(authority) => Some(authority.as_str()),
        None => single_host(request.headers()),
    };
    // No Host is refused: HTTP/1.1 requires one, and a request that names no host isn't for us.
    if named.is_some_and(|authority| public.is(authority)) {
        return next.run(request).await;
    }
    tracing::debug!(host = ?named, path = %request.uri().path(), "refused a request for another host");
    (StatusCode::MISDIRECTED_REQUEST, public.refusal.to_string()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_public_authority_matches_in_any_case_with_or_without_its_default_port() {
        let public = PublicHost::of("https://Roster.example.com");
        for host in ["roster.example.com", "ROSTER.EXAMPLE.COM:443"] {
            assert!(public.is(host), "{host}");
        }
        for host in [
            "roster.example.com:80",
            "roster.example.com:8443",
            "evil.example",
            "roster.example.com.evil.example",
            "user@roster.example.com",
            "",
        ] {
            assert!(!public.is(host), "{host}");
        }
        let local = PublicHost::of("http://127.0.0.1:3000");
        assert!(local.is("127.0.0.1:3000"));
        assert!(!local.is("127.0.0.1") && !local.is("localhost:3000") && !local.is("127.0.0.1:4000"));
        let v6 = PublicHost::of("http://[::1]:3000");
        assert!(v6.is("[::1]:3000") && !v6.is("[::2]:3000"));
    }
}

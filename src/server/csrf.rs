//! Refuses state-changing requests that a browser sent from another site (CSRF). Programs
//! that send no `Origin` are not browsers and pass; SameSite=Lax cookies are the second wall.

use super::state::AppState;
use axum::{
    extract::{Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};
use http::{header, HeaderMap, Method, StatusCode};

pub async fn refuse_foreign_origin(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let safe_method = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if safe_method || is_same_origin(request.headers(), &state.config.public_url) {
        next.run(request).await
    } else {
        tracing::warn!(origin = ?request.headers().get(header::ORIGIN), path = %request.uri().path(), "refused a cross-site request");
        (StatusCode::FORBIDDEN, "Requests from other sites are refused.").into_response()
    }
}

/// True unless the request carries evidence of coming from another site: an `Origin` that is
/// neither this host nor the public URL, or `Sec-Fetch-Site` saying cross-site.
pub fn is_same_origin(headers: &HeaderMap, public_url: &str) -> bool {
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &http::HeaderValue| v.to_str().ok())
    };
    match text(header::ORIGIN) {
        Some(origin) => {
            let Ok(origin) = url::Url::parse(origin) else {
                return false; // includes the opaque origin "null"
            };
            let host_matches = origin.host_str().is_some_and(|host| {
                let authority = match origin.port() {
                    Some(port) => format!("{host}:{port}"),
                    None => host.to_string(),
                };
                text(header::HOST).is_some_and(|h| h.eq_ignore_ascii_case(&authority))
            });
            let public_matches =
                url::Url::parse(public_url).is_ok_and(|public| public.origin() == origin.origin());
            host_matches || public_matches
        }
        None => !matches!(
            text(http::HeaderName::from_static("sec-fetch-site")),
            Some("cross-site" | "same-site")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    const PUBLIC: &str = "https://roster.example.com";

    #[test]
    fn an_origin_matching_the_host_or_the_public_url_passes() {
        assert!(is_same_origin(
            &headers(&[("origin", "http://127.0.0.1:3000"), ("host", "127.0.0.1:3000")]),
            PUBLIC
        ));
        assert!(is_same_origin(
            &headers(&[
                ("origin", "https://roster.example.com"),
                ("host", "10.0.0.5:3000")
            ]),
            PUBLIC
        ));
    }

    #[test]
    fn a_foreign_or_opaque_origin_is_refused() {
        assert!(!is_same_origin(
            &headers(&[("origin", "https://evil.example"), ("host", "127.0.0.1:3000")]),
            PUBLIC
        ));
        assert!(!is_same_origin(
            &headers(&[("origin", "http://127.0.0.1:4000"), ("host", "127.0.0.1:3000")]),
            PUBLIC
        ));
        assert!(!is_same_origin(
            &headers(&[("origin", "null"), ("host", "127.0.0.1:3000")]),
            PUBLIC
        ));
    }

    #[test]
    fn no_origin_passes_unless_fetch_metadata_says_cross_site() {
        assert!(is_same_origin(&headers(&[("host", "127.0.0.1:3000")]), PUBLIC));
        assert!(!is_same_origin(
            &headers(&[("sec-fetch-site", "cross-site")]),
            PUBLIC
        ));
    }
}

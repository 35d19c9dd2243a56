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
/// not the public URL's (never compared to `Host`, which the sender chooses), or, without
/// `Origin`, `Sec-Fetch-Site` saying cross-site or same-site.
pub fn is_same_origin(headers: &HeaderMap, public_url: &str) -> bool {
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &http::HeaderValue| v.to_str().ok())
    };
    match text(header::ORIGIN) {
        // An unparsable origin includes the opaque origin "null".
        Some(origin) => url::Url::parse(origin).is_ok_and(|origin| {
            url::Url::parse(public_url).is_ok_and(|public| public.origin() == origin.origin())
        }),
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
    fn an_origin_matching_the_public_url_passes_whatever_the_host() {
        for host in ["roster.example.com", "10.0.0.5:3000"] {
            assert!(is_same_origin(
                &headers(&[("origin", "https://roster.example.com"), ("host", host)]),
                PUBLIC
            ));
        }
        assert!(is_same_origin(
            &headers(&[("origin", "https://ROSTER.example.com:443")]),
            PUBLIC
        ));
    }

    #[test]
    fn an_origin_equal_to_a_forged_host_but_not_the_public_url_is_refused() {
        for (origin, host) in [
            ("http://evil.example", "evil.example"),
            ("http://127.0.0.1:3000", "127.0.0.1:3000"),
            // The public host over plain http is another origin.
            ("http://roster.example.com", "roster.example.com"),
        ] {
            assert!(
                !is_same_origin(&headers(&[("origin", origin), ("host", host)]), PUBLIC),
                "{origin}"
            );
        }
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

use crate::{error::AppError, model::Me};
use leptos::prelude::*;

/// The signed-in user, or `None` when signed out.
#[server(endpoint = "auth/me")]
pub async fn get_me() -> Result<Option<Me>, AppError> {
    use crate::server::auth;
    auth::respond(auth::optional_user().await.map(|u| u.map(|u| u.me())))
}

/// Creates a company with the caller as its owner and signs them in.
#[server(endpoint = "auth/signup")]
pub async fn sign_up(
    company_name: String,
    name: String,
    email: String,
    password: String,
) -> Result<(), AppError> {
    use crate::server::{auth, signin};
    auth::respond(
        async {
            let state = auth::state()?;
            let parts = auth::request_parts()?;
            let (ip, user_agent) = auth::client_of(&parts);
            let form = signin::SignUp {
                company_name: &company_name,
                name: &name,
                email: &email,
                password: &password,
            };
            let client = signin::Client {
                ip: &ip,
                user_agent: &user_agent,
            };
            let token = signin::sign_up(&state, form, client).await?;
            signin::hand_over_session(&state, &parts.headers, &token).await?;
            leptos_axum::redirect("/users");
            Ok(())
        }
        .await,
    )
}

/// Signs in with email and password, then goes to `next` (a path inside Roster) or home.
#[server(endpoint = "auth/signin")]
pub async fn sign_in(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use crate::server::{auth, signin};
    auth::respond(
        async {
            let state = auth::state()?;
            let parts = auth::request_parts()?;
            let (ip, user_agent) = auth::client_of(&parts);
            let client = signin::Client {
                ip: &ip,
                user_agent: &user_agent,
            };
            let device = auth::device_token(&parts.headers, &state.config);
            let signed_in = signin::sign_in(&state, &email, &password, device.as_deref(), client).await?;
            // A fresh token at every sign-in; any session this browser had is ended.
            signin::hand_over_session(&state, &parts.headers, &signed_in.session).await?;
            if let Some(device) = &signed_in.new_device {
                auth::set_cookie(&auth::device_cookie(&state.config, device));
            }
            leptos_axum::redirect(&safe_next(next.as_deref()));
            Ok(())
        }
        .await,
    )
}

/// Ends the caller's session on the server and removes the cookie.
#[server(endpoint = "auth/signout")]
pub async fn sign_out() -> Result<(), AppError> {
    use crate::server::{auth, signin};
    auth::respond(
        async {
            let state = auth::state()?;
            if let Some(user) = auth::optional_user().await? {
                signin::sign_out(&state, &user).await?;
            }
            auth::set_cookie(&auth::cleared_session_cookie(&state.config));
            leptos_axum::redirect("/login");
            Ok(())
        }
        .await,
    )
}

/// Where to go after signing in: a path on Roster's own origin, never another site, and
/// always a valid `Location` header. Anything else leads home ("/"), which sends each person
/// to the first page their role allows.
#[cfg(feature = "ssr")]
pub fn safe_next(next: Option<&str>) -> String {
    let public_url = crate::server::auth::state()
        .ok()
        .and_then(|state| url::Url::parse(&state.config.public_url).ok());
    match public_url {
        Some(public_url) => safe_next_on(next, &public_url),
        None => "/".to_string(),
    }
}

/// `next` resolved against `public_url`, as the path, query and fragment the parsed URL
/// normalises it to, when it stays on the same origin. It must start with a single `/` (an
/// absolute URL, even one of Roster's own origin, leads home) and hold no control character or
/// backslash, raw or percent-encoded: browsers drop tabs and newlines and read `\` as `/`, so
/// `/\t/evil.example` or `/\/evil.example` would lead to another host.
#[cfg(feature = "ssr")]
pub fn safe_next_on(next: Option<&str>, public_url: &url::Url) -> String {
    let unsafe_byte = |b: u8| b.is_ascii_control() || b == b'\\';
    let accepted = next
        .filter(|n| n.starts_with('/') && !n.starts_with("//"))
        .filter(|n| !n.chars().any(char::is_control) && !percent_decoded(n).into_iter().any(unsafe_byte))
        .and_then(|n| public_url.join(n).ok())
        .filter(|url| url.origin() == public_url.origin());
    match accepted {
        // Normalising can leave a path that starts `//` (`/.//evil.example`), which a browser
        // reads as another host.
        Some(url) if !url.path().starts_with("//") => url[url::Position::BeforePath..].to_string(),
        _ => "/".to_string(),
    }
}

/// `text` with its `%XX` escapes decoded once, as bytes.
#[cfg(feature = "ssr")]
fn percent_decoded(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    out
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::safe_next_on;
    use proptest::prelude::*;

    fn public_url() -> url::Url {
        url::Url::parse("http://127.0.0.1:3000").unwrap()
    }

    fn safe_next(next: Option<&str>) -> String {
        safe_next_on(next, &public_url())
    }

    #[test]
    fn next_leads_to_paths_on_roster_only() {
        assert_eq!(safe_next(Some("/users?tab=active")), "/users?tab=active");
        assert_eq!(safe_next(Some("/teams/3#members")), "/teams/3#members");
        assert_eq!(safe_next(Some("/users/../teams")), "/teams", "normalised");
        assert_eq!(
            safe_next(Some("/users?q=a b")),
            "/users?q=a%20b",
            "a valid header"
        );
        assert_eq!(safe_next(None), "/");
        for next in [
            "",
            "users",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "/%09/evil.example",
            "/%0a/evil.example",
            "/%5c/evil.example",
            "/\\/evil",
            "/\\evil.example",
            "//evil",
            "//evil.example/users",
            "/.//evil.example",
            "/a/..//evil.example",
            "\\\\evil",
            "\\/evil",
            "https://evil.example",
            "javascript:alert(1)",
            " /users",
            "/users\u{85}",
            // Roster's own origin, but not a path: home, like every absolute URL.
            "http://127.0.0.1:3000/users",
        ] {
            assert_eq!(safe_next(Some(next)), "/", "{next:?}");
        }
    }

    /// Pieces browsers and URL parsers treat specially, to be mixed in any order.
    fn piece() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "/",
            "//",
            "\\",
            "\t",
            "\n",
            "\r",
            " ",
            "%09",
            "%0a",
            "%5c",
            "%2f",
            "%",
            ":",
            "@",
            ".",
            "..",
            "?",
            "#",
            "a",
            "evil",
            "example",
            "127.0.0.1",
            "3000",
            "http:",
            "https:",
            "javascript:",
            "\u{0}",
            "\u{85}",
            "é",
        ])
    }

    proptest! {
        #![proptest_config(crate::proptest_config::config(4096))]
        #[test]
        fn whatever_next_yields_resolves_to_roster_s_own_origin(
            pieces in prop::collection::vec(piece(), 0..12),
            text in any::<String>(),
        ) {
            let pieces = pieces.concat();
            for next in [format!("/{pieces}"), pieces, format!("/{text}"), text.clone()] {
                let out = safe_next(Some(&next));
                let resolved = public_url().join(&out).unwrap();
                prop_assert_eq!(resolved.origin(), public_url().origin(), "{:?} gave {:?}", next, out);
                prop_assert!(out.starts_with('/') && !out.starts_with("//"), "{:?} gave {:?}", next, out);
                prop_assert!(http::HeaderValue::from_str(&out).is_ok(), "{:?} gave {:?}", next, out);
            }
        }
    }
}

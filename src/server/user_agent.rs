//! Naming a device by its User-Agent header, for the devices list and new-device emails, with
//! the maintained `woothee` parser instead of hand-written string matching.

/// Browser (with its major version) and operating system, e.g. ("Firefox 128", "Linux").
pub fn describe(ua: &str) -> (String, String) {
    let Some(found) = woothee::parser::Parser::new().parse(ua) else {
        return ("Unknown browser".into(), "Unknown system".into());
    };
    // Crawlers and HTTP libraries (curl) are named by woothee too, but are no browser.
    let is_browser = found.browser_type == "browser";
    let major = found
        .version
        .split('.')
        .next()
        .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()));
    let browser = match (is_browser, major) {
        (false, _) => "Unknown browser".to_string(),
        (true, Some(major)) => format!("{} {major}", found.name),
        (true, None) => found.name.to_string(),
    };
    let os = match found.os {
        os if os.starts_with("Windows") => "Windows",
        "Mac OSX" => "macOS",
        "iPhone" | "iPad" | "iPod" => "iOS",
        "Android" => "Android",
        "ChromeOS" => "ChromeOS",
        "Linux" => "Linux",
        _ => "Unknown system",
    };
    (browser, os.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_user_agents_are_named_by_browser_and_system() {
        let cases = [
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36", "Chrome 126", "Windows"),
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.87", "Edge 126", "Windows"),
            ("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", "Firefox 128", "Linux"),
            ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15", "Safari 17", "macOS"),
            ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", "Safari 17", "iOS"),
            ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36", "Chrome 126", "Android"),
            ("curl/8.5.0", "Unknown browser", "Unknown system"),
        ];
        for (ua, browser, os) in cases {
            assert_eq!(describe(ua), (browser.to_string(), os.to_string()), "{ua}");
        }
    }
}

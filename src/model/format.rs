//! Text made from values, the same in the browser and on the server: query values for URLs,
//! and times (relative, "3 hours ago", and exact UTC) computed from the server's `now`, so
//! server rendering, hydration and emails agree.

/// Percent-encodes a query value (paths and cursors can hold any character).
pub fn urlencode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            b => format!("%{b:02X}"),
        })
        .collect()
}

/// "just now", "5 minutes ago", "yesterday", "3 weeks ago" ...; ahead: "in 6 days", "tomorrow".
pub fn relative(now_ms: i64, then_ms: i64) -> String {
    let ahead = then_ms > now_ms;
    let secs = (now_ms - then_ms).abs() / 1000;
    // Past times round down ("6 days ago" until the 7th day); times ahead to the nearest unit,
    // so a link valid for 7 days reads "in 7 days", not "in 6 days", a second after sending.
    let count = |unit: i64| {
        if ahead {
            (secs + unit / 2) / unit
        } else {
            secs / unit
        }
    };
    let plural = |unit: i64, name: &str| {
        let n = count(unit);
        let s = if n == 1 { "" } else { "s" };
        if ahead {
            format!("in {n} {name}{s}")
        } else {
            format!("{n} {name}{s} ago")
        }
    };
    match secs {
        0..60 => "just now".into(),
        60..3600 => plural(60, "minute"),
        3600..86_400 => plural(3600, "hour"),
        86_400..172_800 if ahead => "tomorrow".into(),
        86_400..172_800 => "yesterday".into(),
        172_800..1_209_600 => plural(86_400, "day"),
        1_209_600..5_184_000 => plural(604_800, "week"),
        5_184_000..31_536_000 => plural(2_592_000, "month"),
        _ => plural(31_536_000, "year"),
    }
}

/// (year, month, day, hour, minute, second) in UTC of a Unix-millisecond time.
fn utc_parts(ms: i64) -> (i64, u32, u32, i64, i64, i64) {
    let secs = ms.div_euclid(1000);
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    (y, m, d, rest / 3600, rest % 3600 / 60, rest % 60)
}

/// The exact time in UTC, e.g. "2026-11-22 14:05 UTC".
pub fn exact_utc(ms: i64) -> String {
    let (y, m, d, h, min, _) = utc_parts(ms);
    format!("{y:04}-{m:02}-{d:02} {h:02}:{min:02} UTC")
}

/// RFC 3339 for `<time datetime>`.
pub fn rfc3339(ms: i64) -> String {
    let (y, m, d, h, min, sec) = utc_parts(ms);
    format!("{y:04}-{m:02}-{d:02}T{h:02}:{min:02}:{sec:02}Z")
}

/// Days since 1970-01-01 to (year, month, day), Howard Hinnant's algorithm.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;

    #[test]
    fn relative_times_read_naturally() {
        let now = 1_800_000_000_000;
        assert_eq!(relative(now, now - 5_000), "just now");
        assert_eq!(relative(now, now - MIN), "1 minute ago");
        assert_eq!(relative(now, now - 5 * MIN), "5 minutes ago");
        assert_eq!(relative(now, now - 3 * 60 * MIN), "3 hours ago");
        assert_eq!(relative(now, now - 30 * 60 * MIN), "yesterday");
        assert_eq!(relative(now, now - 3 * 1440 * MIN), "3 days ago");
        assert_eq!(relative(now, now - 21 * 1440 * MIN), "3 weeks ago");
        assert_eq!(relative(now, now - 400 * 1440 * MIN), "1 year ago");
    }

    #[test]
    fn times_ahead_read_as_in_so_long() {
        let now = 1_800_000_000_000;
        assert_eq!(relative(now, now + 7 * 1440 * MIN), "in 7 days");
        assert_eq!(relative(now, now + 7 * 1440 * MIN - 5_000), "in 7 days");
        assert_eq!(relative(now, now + 30 * 60 * MIN), "tomorrow");
        assert_eq!(relative(now, now + 2 * 60 * MIN), "in 2 hours");
    }

    #[test]
    fn exact_times_are_utc_calendar_dates() {
        assert_eq!(exact_utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(exact_utc(1_795_357_500_000), "2026-11-22 14:25 UTC");
        assert_eq!(rfc3339(951_782_400_000), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(urlencode("12:Ana Ruiz & co"), "12%3AAna%20Ruiz%20%26%20co");
        assert_eq!(urlencode("/users?a=1"), "/users%3Fa%3D1");
        assert_eq!(urlencode("é"), "%C3%A9");
    }
}

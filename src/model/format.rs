//! Text made from values, the same in the browser and on the server: query values for URLs,
//! and times: relative ("3 hours ago", computed from the server's `now`, so server rendering
//! and hydration agree) and exact in a time zone, named ("22 Nov 2026, 15:25 Europe/Paris").
//! The server finds a zone's offsets with jiff and its own copy of the zone database; the
//! browser asks `Intl.DateTimeFormat`, so the WASM carries no zone database.

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

/// A query string (without `?`) of `(name, value)` pairs, each value percent-encoded.
pub fn query_string(parts: &[(&str, String)]) -> String {
    parts
        .iter()
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
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

/// A moment's calendar date and wall-clock time in some zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct WallTime {
    year: i64,
    month: u32,
    day: u32,
    hour: i64,
    minute: i64,
}

fn utc_wall_time(ms: i64) -> WallTime {
    let (year, month, day, hour, minute, _) = utc_parts(ms);
    WallTime {
        year,
        month,
        day,
        hour,
        minute,
    }
}

/// The wall time in an IANA zone, on the server; `None` for a zone it does not know.
#[cfg(feature = "ssr")]
fn wall_time(ms: i64, zone: &str) -> Option<WallTime> {
    let zoned = jiff::Timestamp::from_millisecond(ms).ok()?.in_tz(zone).ok()?;
    Some(WallTime {
        year: i64::from(zoned.year()),
        month: zoned.month() as u32,
        day: zoned.day() as u32,
        hour: i64::from(zoned.hour()),
        minute: i64::from(zoned.minute()),
    })
}

/// The wall time in an IANA zone, in the browser (`Intl.DateTimeFormat`); `None` for a zone
/// it does not know.
#[cfg(all(feature = "hydrate", not(feature = "ssr")))]
fn wall_time(ms: i64, zone: &str) -> Option<WallTime> {
    use js_sys::{Array, Date, Object, Reflect};
    use wasm_bindgen::{JsCast, JsValue};
    let options = Object::new();
    for (key, value) in [
        ("timeZone", zone),
        ("hourCycle", "h23"),
        ("year", "numeric"),
        ("month", "numeric"),
        ("day", "numeric"),
        ("hour", "numeric"),
        ("minute", "numeric"),
    ] {
        Reflect::set(&options, &key.into(), &value.into()).ok()?;
    }
    let format = intl::date_time_format(&Array::of1(&"en-US".into()), &options).ok()?;
    let parts = format.format_to_parts(&Date::new(&JsValue::from_f64(ms as f64)));
    let mut time = WallTime {
        year: 0,
        month: 0,
        day: 0,
        hour: 0,
        minute: 0,
    };
    for part in parts.iter() {
        let part: &Object = part.unchecked_ref();
        let field = |name: &str| Reflect::get(part, &name.into()).ok().and_then(|v| v.as_string());
        let (Some(kind), Some(value)) = (field("type"), field("value")) else {
            continue;
        };
        let number = || value.parse::<i64>().ok();
        match kind.as_str() {
            "year" => time.year = number()?,
            "month" => time.month = number()? as u32,
            "day" => time.day = number()? as u32,
            "hour" => time.hour = number()?,
            "minute" => time.minute = number()?,
            _ => {}
        }
    }
    Some(time)
}

/// The browser's own time zone, as `Intl` names it (e.g. "Europe/Paris").
#[cfg(all(feature = "hydrate", not(feature = "ssr")))]
pub fn browser_time_zone() -> Option<String> {
    let format = intl::date_time_format(&js_sys::Array::new(), &js_sys::Object::new()).ok()?;
    js_sys::Reflect::get(&format.resolved_options(), &"timeZone".into())
        .ok()?
        .as_string()
}

/// `Intl.DateTimeFormat` called so that an unknown zone is an `Err`, not a thrown exception.
#[cfg(all(feature = "hydrate", not(feature = "ssr")))]
mod intl {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(catch, js_namespace = Intl, js_name = DateTimeFormat)]
        pub fn date_time_format(
            locales: &js_sys::Array,
            options: &js_sys::Object,
        ) -> Result<js_sys::Intl::DateTimeFormat, JsValue>;
    }
}

/// Without either side's zone support (a build with neither feature) only UTC is known.
#[cfg(not(any(feature = "ssr", feature = "hydrate")))]
fn wall_time(ms: i64, zone: &str) -> Option<WallTime> {
    (zone == "UTC").then(|| utc_wall_time(ms))
}

/// A time zone as people read it: "Europe/Paris", "America/New York".
pub fn zone_name(zone: &str) -> String {
    zone.replace('_', " ")
}

/// The exact time in `zone` (an IANA name such as "Europe/Paris", or "UTC"), with the zone
/// named: "22 Nov 2026, 15:25 Europe/Paris". A zone this side does not know shows UTC.
pub fn exact_in(ms: i64, zone: &str) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (time, zone) = match (zone != "UTC").then(|| wall_time(ms, zone)).flatten() {
        Some(time) => (time, zone),
        None => (utc_wall_time(ms), "UTC"),
    };
    let month = MONTHS[(time.month.clamp(1, 12) - 1) as usize];
    format!(
        "{} {month} {}, {:02}:{:02} {}",
        time.day,
        time.year,
        time.hour,
        time.minute,
        zone_name(zone)
    )
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
    fn exact_times_are_calendar_dates_in_utc() {
        assert_eq!(exact_in(0, "UTC"), "1 Jan 1970, 00:00 UTC");
        assert_eq!(exact_in(1_795_357_500_000, "UTC"), "22 Nov 2026, 14:25 UTC");
        assert_eq!(rfc3339(951_782_400_000), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn exact_times_are_shown_in_the_zone_they_name() {
        // Winter and summer time in Paris; New York on the other side of UTC; half hours.
        assert_eq!(
            exact_in(1_795_357_500_000, "Europe/Paris"),
            "22 Nov 2026, 15:25 Europe/Paris"
        );
        assert_eq!(
            exact_in(1_782_130_500_000, "Europe/Paris"),
            "22 Jun 2026, 14:15 Europe/Paris"
        );
        assert_eq!(
            exact_in(1_795_357_500_000, "America/New_York"),
            "22 Nov 2026, 09:25 America/New York"
        );
        assert_eq!(
            exact_in(1_795_357_500_000, "Asia/Kolkata"),
            "22 Nov 2026, 19:55 Asia/Kolkata"
        );
        assert_eq!(
            exact_in(0, "Mars/Olympus_Mons"),
            "1 Jan 1970, 00:00 UTC",
            "an unknown zone"
        );
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(urlencode("12:Ana Ruiz & co"), "12%3AAna%20Ruiz%20%26%20co");
        assert_eq!(urlencode("/users?a=1"), "/users%3Fa%3D1");
        assert_eq!(urlencode("é"), "%C3%A9");
    }
}

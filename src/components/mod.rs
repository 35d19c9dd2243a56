//! Reusable pieces of the interface.

pub mod devices;
pub mod field;
pub mod layout;
pub mod live;
pub mod menu;
pub mod modal;
pub mod notice;
pub mod time;
pub mod title;
pub mod toast;
pub mod user_menu;

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

#[cfg(test)]
mod tests {
    use super::urlencode;

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(urlencode("12:Ana Ruiz & co"), "12%3AAna%20Ruiz%20%26%20co");
        assert_eq!(urlencode("/users?a=1"), "/users%3Fa%3D1");
        assert_eq!(urlencode("é"), "%C3%A9");
    }
}

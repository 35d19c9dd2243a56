//! Every public parser of untrusted text, fed arbitrary strings and bytes: none panics, and
//! what one accepts comes back unchanged through its written form. The private ones (the
//! pages' cursors, `next`) have their properties beside them, in `properties` test modules.
//!
//! How many cases, and from which seed: src/proptest_config.rs.

#[path = "../src/proptest_config.rs"]
mod proptest_config;

use proptest::prelude::*;
use proptest_config::config;
use roster::{
    model::{
        all_recipients, day_of_ms, day_start_ms, split_recipients, AccountName, AuditQuery, CompanyName,
        Email, JobTitle, PersonName, Phone, Recipient, RoleName, TeamName, UserListQuery,
    },
    server::user_agent,
};
use std::collections::HashMap;

/// Text as it may arrive: any characters, or any bytes read leniently as UTF-8.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        prop::collection::vec(any::<u8>(), 0..80).prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        pieces(),
    ]
}

/// Text made of the pieces the parsers treat specially, in any order.
fn pieces() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "a",
        "Ana",
        "Ruiz",
        "x.com",
        "@",
        ".",
        "..",
        "-",
        " ",
        "  ",
        "\t",
        "\n",
        "\r",
        ",",
        ";",
        "<",
        ">",
        "\"",
        "'",
        "%",
        "%2",
        "%41",
        "+",
        "&",
        "=",
        "?",
        "#",
        "/",
        "\\",
        "é",
        "e\u{301}",
        "ß",
        "\u{200B}",
        "\u{202E}",
        "\u{0}",
        "\u{85}",
        "\u{FEFF}",
        "0",
        "-1",
        "9223372036854775807",
        "99999999999999999999",
        "tab",
        "q",
        "sort",
        "dir",
        "desc",
        "per",
        "after",
        "before",
    ]);
    prop::collection::vec(piece, 0..16).prop_map(|p| p.concat())
}

/// Query parameters a person may type or edit, as a page reads them.
fn params(names: &'static [&'static str]) -> impl Strategy<Value = HashMap<String, String>> {
    let value = prop_oneof![
        text(),
        any::<i64>().prop_map(|n| n.to_string()),
        prop::sample::select(vec![
            "",
            "25",
            "50",
            "100",
            "desc",
            "1",
            "active",
            "deactivated",
            "invited",
            "awaiting",
            "email",
            "status",
            "last_seen",
            "created",
            "user.created,user.deleted",
            "user.role_changed",
        ])
        .prop_map(str::to_string),
    ];
    prop::collection::hash_map(
        prop::sample::select(names.to_vec()).prop_map(str::to_string),
        value,
        0..8,
    )
}

/// The parameters of a query string, decoded as a browser's URL is.
fn decode(query: &str) -> HashMap<String, String> {
    url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

const USER_PARAMS: &[&str] = &[
    "tab", "q", "role", "team", "account", "sort", "dir", "after", "before", "per", "x",
];
const AUDIT_PARAMS: &[&str] = &[
    "actor", "action", "not", "target", "account", "from", "until", "q", "after", "before", "x",
];

/// `parse` never panics, and a value it accepts reads the same when parsed again from its text.
macro_rules! value_round_trips {
    ($input:expr, $($value:ty),+) => {$(
        if let Ok(value) = <$value>::parse($input) {
            prop_assert_eq!(<$value>::parse(value.as_str()).ok(), Some(value.clone()), "{}", stringify!($value));
        }
    )+};
}

proptest! {
    #![proptest_config(config(2048))]

    #[test]
    fn values_never_panic_and_accepted_ones_round_trip(input in text()) {
        value_round_trips!(&input, Email, PersonName, CompanyName, TeamName, RoleName, AccountName, Phone, JobTitle);
        if let Ok(email) = Email::parse(&input) {
            let text = email.as_str();
            prop_assert!(text.len() <= Email::MAX_LEN && text.contains('@'), "{:?}", text);
            prop_assert!(!text.chars().any(|c| c.is_whitespace() || c.is_control()), "{:?}", text);
        }
    }

    #[test]
    fn an_invite_list_is_split_into_trimmed_entries_whatever_is_typed(input in text()) {
        let (entries, rest) = split_recipients(&input);
        prop_assert_eq!(&rest, rest.trim_start());
        for entry in entries.iter().chain(&all_recipients(&input)) {
            prop_assert!(!entry.is_empty() && entry.trim() == entry, "{:?}", entry);
            let recipient = Recipient::parse(entry);
            prop_assert_eq!(recipient.address.trim(), recipient.address.as_str());
        }
    }

    #[test]
    fn a_written_invite_list_reads_back_as_its_names_and_addresses(
        people in prop::collection::vec(("[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ .'-]{0,20}", "[a-z0-9._+-]{1,12}@[a-z0-9-]{1,10}\\.[a-z]{2,6}"), 1..8),
        separator in prop::sample::select(vec![", ", ",", ";", "\n", "\r\n", "\t", " "]),
    ) {
        let written: Vec<String> = people
            .iter()
            .map(|(name, address)| match name.trim() {
                "" => address.clone(),
                name => format!("{name} <{address}>"),
            })
            .collect();
        let read: Vec<(String, String)> = all_recipients(&written.join(separator))
            .iter()
            .map(|entry| Recipient::parse(entry))
            .map(|r| (r.name, r.address))
            .collect();
        let expected: Vec<(String, String)> =
            people.iter().map(|(name, address)| (name.trim().to_string(), address.clone())).collect();
        prop_assert_eq!(read, expected);
    }

    #[test]
    fn the_users_view_reads_any_query_and_its_link_reads_back_the_same(raw in text(), given in params(USER_PARAMS)) {
        let decoded = decode(&raw);
        UserListQuery::from_params(|name| decoded.get(name).cloned());
        let view = UserListQuery::from_params(|name| given.get(name).cloned());
        let link = decode(&view.to_query_string());
        prop_assert_eq!(UserListQuery::from_params(|name| link.get(name).cloned()), view);
    }

    #[test]
    fn the_audit_view_reads_any_query_and_its_link_reads_back_the_same(raw in text(), given in params(AUDIT_PARAMS)) {
        let decoded = decode(&raw);
        AuditQuery::from_params(|name| decoded.get(name).cloned());
        let view = AuditQuery::from_params(|name| given.get(name).cloned());
        let link = decode(&view.to_query_string());
        prop_assert_eq!(AuditQuery::from_params(|name| link.get(name).cloned()), view);
    }

    #[test]
    fn a_typed_day_never_panics_and_a_real_one_round_trips(
        input in prop_oneof![
            text(),
            (any::<i64>(), 0..14u8, 0..33u8).prop_map(|(y, m, d)| format!("{y}-{m:02}-{d:02}")),
        ],
        // 0001-01-01 to 9999-12-31, a date input's range.
        ms in -62_135_596_800_000i64..253_402_300_800_000,
    ) {
        day_start_ms(&input);
        let day = day_of_ms(ms);
        let start = day_start_ms(&day).expect("a real day");
        prop_assert!(start <= ms && ms - start < 86_400_000, "{} starts at {}", day, start);
        prop_assert_eq!(day_of_ms(start), day);
    }

    #[test]
    fn any_user_agent_names_a_known_system(input in text()) {
        let (browser, system) = user_agent::describe(&input);
        prop_assert!(!browser.is_empty());
        prop_assert!(
            ["Windows", "macOS", "iOS", "Android", "ChromeOS", "Linux", "Unknown system"].contains(&system.as_str()),
            "{:?}", system
        );
    }
}

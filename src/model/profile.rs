//! The signed-in user's own profile: details, notification preferences and signed-in devices,
//! with the lists the profile form chooses from.

use super::SessionId;
use serde::{Deserialize, Serialize};

/// The profile as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub name: String,
    pub email: String,
    pub phone: String,
    /// A name from [`COUNTRIES`], or empty.
    pub country: String,
    /// A code from [`LANGUAGES`], or one offered earlier that the person kept.
    pub locale: String,
    /// A zone from [`TIME_ZONES`], or empty: automatic (see [`TIME_ZONE_AUTOMATIC`]).
    pub time_zone: String,
    pub theme: Theme,
    pub notifications: NotificationPrefs,
}

/// The details form: every field is saved as sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileDetails {
    pub name: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub country: String,
    pub locale: String,
    pub time_zone: String,
}

/// How a user wants to be told about things; each is a switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NotificationPrefs {
    /// Desktop notifications while Roster is open (the browser asks for permission).
    #[serde(default)]
    pub desktop: bool,
    /// A count on the browser tab's badge.
    #[serde(default)]
    pub badge: bool,
    #[serde(default)]
    pub sounds: bool,
    /// An email when someone the user invited joins.
    #[serde(default)]
    pub invitee_joined_email: bool,
}

/// One signed-in device (a session).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    pub id: SessionId,
    pub browser: String,
    pub os: String,
    pub ip: String,
    /// Unix ms.
    pub signed_in_at: i64,
    /// Unix ms.
    pub last_active_at: i64,
    /// The device this request comes from.
    pub current: bool,
}

/// A user's devices, with the server's "now" (Unix ms) to show their times against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Devices {
    pub now: i64,
    pub devices: Vec<Device>,
}

/// The languages the interface speaks, which the profile offers: (locale code, name in that
/// language).
pub const LANGUAGES: &[(&str, &str)] = &[("en", "English")];

/// Languages the profile offered before the interface spoke them. A person who chose one keeps
/// it (and sees English) until they choose another; these names say which it is.
const EARLIER_LANGUAGES: &[(&str, &str)] = &[
    ("de", "Deutsch"),
    ("es", "Español"),
    ("fr", "Français"),
    ("it", "Italiano"),
    ("nl", "Nederlands"),
    ("pl", "Polski"),
    ("pt", "Português"),
    ("sv", "Svenska"),
    ("tr", "Türkçe"),
    ("ja", "日本語"),
    ("ko", "한국어"),
    ("zh", "中文"),
];

/// Whether the interface speaks `code`, so the profile may offer it.
pub fn language_offered(code: &str) -> bool {
    LANGUAGES.iter().any(|(c, _)| *c == code)
}

/// A stored language as the profile lists it: its own name, and for one the interface does
/// not speak yet, that it is shown in English.
pub fn language_label(code: &str) -> String {
    match LANGUAGES
        .iter()
        .chain(EARLIER_LANGUAGES)
        .find(|(c, _)| *c == code)
    {
        Some((c, name)) if language_offered(c) => name.to_string(),
        Some((_, name)) => format!("{name} (not available yet — shown in English)"),
        None => format!("{code} (not available — shown in English)"),
    }
}

/// The stored time zone that means "this browser's zone" (and UTC in emails).
pub const TIME_ZONE_AUTOMATIC: &str = "";

/// Whether `zone` may be stored: automatic or one of [`TIME_ZONES`].
pub fn time_zone_offered(zone: &str) -> bool {
    zone == TIME_ZONE_AUTOMATIC || TIME_ZONES.contains(&zone)
}

/// How the interface is coloured: like the device (light or dark as it asks), or always one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    #[default]
    System,
    Light,
    Dark,
}

impl Theme {
    pub const ALL: [Theme; 3] = [Theme::System, Theme::Light, Theme::Dark];

    /// The stored and sent value.
    pub fn key(self) -> &'static str {
        match self {
            Theme::System => "system",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    pub fn parse(key: &str) -> Option<Theme> {
        Theme::ALL.into_iter().find(|t| t.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            Theme::System => "System",
            Theme::Light => "Light",
            Theme::Dark => "Dark",
        }
    }

    /// The `data-theme` of `<html>`, which the stylesheet reads; none follows the device.
    pub fn data_theme(self) -> Option<&'static str> {
        match self {
            Theme::System => None,
            theme => Some(theme.key()),
        }
    }
}

/// Common IANA time zones.
pub const TIME_ZONES: &[&str] = &[
    "UTC",
    "Pacific/Honolulu",
    "America/Anchorage",
    "America/Los_Angeles",
    "America/Denver",
    "America/Phoenix",
    "America/Chicago",
    "America/New_York",
    "America/Halifax",
    "America/Mexico_City",
    "America/Bogota",
    "America/Lima",
    "America/Santiago",
    "America/Sao_Paulo",
    "America/Argentina/Buenos_Aires",
    "America/St_Johns",
    "Atlantic/Reykjavik",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Europe/Madrid",
    "Europe/Paris",
    "Europe/Brussels",
    "Europe/Amsterdam",
    "Europe/Berlin",
    "Europe/Zurich",
    "Europe/Rome",
    "Europe/Vienna",
    "Europe/Stockholm",
    "Europe/Oslo",
    "Europe/Copenhagen",
    "Europe/Warsaw",
    "Europe/Prague",
    "Europe/Budapest",
    "Europe/Athens",
    "Europe/Helsinki",
    "Europe/Bucharest",
    "Europe/Kyiv",
    "Europe/Istanbul",
    "Europe/Moscow",
    "Africa/Casablanca",
    "Africa/Lagos",
    "Africa/Cairo",
    "Africa/Johannesburg",
    "Africa/Nairobi",
    "Asia/Jerusalem",
    "Asia/Riyadh",
    "Asia/Dubai",
    "Asia/Tehran",
    "Asia/Karachi",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Asia/Dhaka",
    "Asia/Bangkok",
    "Asia/Jakarta",
    "Asia/Singapore",
    "Asia/Hong_Kong",
    "Asia/Shanghai",
    "Asia/Taipei",
    "Asia/Manila",
    "Asia/Seoul",
    "Asia/Tokyo",
    "Australia/Perth",
    "Australia/Adelaide",
    "Australia/Brisbane",
    "Australia/Sydney",
    "Pacific/Auckland",
];

/// Countries by their ISO 3166 short names in English.
pub const COUNTRIES: &[&str] = &[
    "Afghanistan",
    "Åland Islands",
    "Albania",
    "Algeria",
    "American Samoa",
    "Andorra",
    "Angola",
    "Anguilla",
    "Antarctica",
    "Antigua and Barbuda",
    "Argentina",
    "Armenia",
    "Aruba",
    "Australia",
    "Austria",
    "Azerbaijan",
    "Bahamas",
    "Bahrain",
    "Bangladesh",
    "Barbados",
    "Belarus",
    "Belgium",
    "Belize",
    "Benin",
    "Bermuda",
    "Bhutan",
    "Bolivia",
    "Bonaire, Sint Eustatius and Saba",
    "Bosnia and Herzegovina",
    "Botswana",
    "Bouvet Island",
    "Brazil",
    "British Indian Ocean Territory",
    "Brunei Darussalam",
    "Bulgaria",
    "Burkina Faso",
    "Burundi",
    "Cabo Verde",
    "Cambodia",
    "Cameroon",
    "Canada",
    "Cayman Islands",
    "Central African Republic",
    "Chad",
    "Chile",
    "China",
    "Christmas Island",
    "Cocos (Keeling) Islands",
    "Colombia",
    "Comoros",
    "Congo",
    "Congo, Democratic Republic of the",
    "Cook Islands",
    "Costa Rica",
    "Côte d'Ivoire",
    "Croatia",
    "Cuba",
    "Curaçao",
    "Cyprus",
    "Czechia",
    "Denmark",
    "Djibouti",
    "Dominica",
    "Dominican Republic",
    "Ecuador",
    "Egypt",
    "El Salvador",
    "Equatorial Guinea",
    "Eritrea",
    "Estonia",
    "Eswatini",
    "Ethiopia",
    "Falkland Islands (Malvinas)",
    "Faroe Islands",
    "Fiji",
    "Finland",
    "France",
    "French Guiana",
    "French Polynesia",
    "French Southern Territories",
    "Gabon",
    "Gambia",
    "Georgia",
    "Germany",
    "Ghana",
    "Gibraltar",
    "Greece",
    "Greenland",
    "Grenada",
    "Guadeloupe",
    "Guam",
    "Guatemala",
    "Guernsey",
    "Guinea",
    "Guinea-Bissau",
    "Guyana",
    "Haiti",
    "Heard Island and McDonald Islands",
    "Holy See",
    "Honduras",
    "Hong Kong",
    "Hungary",
    "Iceland",
    "India",
    "Indonesia",
    "Iran",
    "Iraq",
    "Ireland",
    "Isle of Man",
    "Israel",
    "Italy",
    "Jamaica",
    "Japan",
    "Jersey",
    "Jordan",
    "Kazakhstan",
    "Kenya",
    "Kiribati",
    "Korea, North",
    "Korea, South",
    "Kuwait",
    "Kyrgyzstan",
    "Lao People's Democratic Republic",
    "Latvia",
    "Lebanon",
    "Lesotho",
    "Liberia",
    "Libya",
    "Liechtenstein",
    "Lithuania",
    "Luxembourg",
    "Macao",
    "Madagascar",
    "Malawi",
    "Malaysia",
    "Maldives",
    "Mali",
    "Malta",
    "Marshall Islands",
    "Martinique",
    "Mauritania",
    "Mauritius",
    "Mayotte",
    "Mexico",
    "Micronesia",
    "Moldova",
    "Monaco",
    "Mongolia",
    "Montenegro",
    "Montserrat",
    "Morocco",
    "Mozambique",
    "Myanmar",
    "Namibia",
    "Nauru",
    "Nepal",
    "Netherlands",
    "New Caledonia",
    "New Zealand",
    "Nicaragua",
    "Niger",
    "Nigeria",
    "Niue",
    "Norfolk Island",
    "North Macedonia",
    "Northern Mariana Islands",
    "Norway",
    "Oman",
    "Pakistan",
    "Palau",
    "Palestine, State of",
    "Panama",
    "Papua New Guinea",
    "Paraguay",
    "Peru",
    "Philippines",
    "Pitcairn",
    "Poland",
    "Portugal",
    "Puerto Rico",
    "Qatar",
    "Réunion",
    "Romania",
    "Russian Federation",
    "Rwanda",
    "Saint Barthélemy",
    "Saint Helena, Ascension and Tristan da Cunha",
    "Saint Kitts and Nevis",
    "Saint Lucia",
    "Saint Martin (French part)",
    "Saint Pierre and Miquelon",
    "Saint Vincent and the Grenadines",
    "Samoa",
    "San Marino",
    "Sao Tome and Principe",
    "Saudi Arabia",
    "Senegal",
    "Serbia",
    "Seychelles",
    "Sierra Leone",
    "Singapore",
    "Sint Maarten (Dutch part)",
    "Slovakia",
    "Slovenia",
    "Solomon Islands",
    "Somalia",
    "South Africa",
    "South Georgia and the South Sandwich Islands",
    "South Sudan",
    "Spain",
    "Sri Lanka",
    "Sudan",
    "Suriname",
    "Svalbard and Jan Mayen",
    "Sweden",
    "Switzerland",
    "Syrian Arab Republic",
    "Taiwan",
    "Tajikistan",
    "Tanzania",
    "Thailand",
    "Timor-Leste",
    "Togo",
    "Tokelau",
    "Tonga",
    "Trinidad and Tobago",
    "Tunisia",
    "Türkiye",
    "Turkmenistan",
    "Turks and Caicos Islands",
    "Tuvalu",
    "Uganda",
    "Ukraine",
    "United Arab Emirates",
    "United Kingdom",
    "United States",
    "United States Minor Outlying Islands",
    "Uruguay",
    "Uzbekistan",
    "Vanuatu",
    "Venezuela",
    "Viet Nam",
    "Virgin Islands (British)",
    "Virgin Islands (U.S.)",
    "Wallis and Futuna",
    "Western Sahara",
    "Yemen",
    "Zambia",
    "Zimbabwe",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lists_have_no_repeats() {
        let mut countries = COUNTRIES.to_vec();
        countries.sort();
        countries.dedup();
        assert_eq!(countries.len(), COUNTRIES.len());
        assert!(time_zone_offered(""), "the schema's default zone: automatic");
        assert!(TIME_ZONES.contains(&"UTC"));
        assert!(language_offered("en"), "the schema's default locale");
        for theme in Theme::ALL {
            assert_eq!(Theme::parse(theme.key()), Some(theme));
        }
        assert_eq!(
            Theme::parse("system"),
            Some(Theme::default()),
            "the schema's default theme"
        );
    }

    #[test]
    fn a_language_no_longer_offered_is_named_as_shown_in_english() {
        assert_eq!(language_label("en"), "English");
        assert_eq!(
            language_label("de"),
            "Deutsch (not available yet — shown in English)"
        );
        assert!(!language_offered("de"));
    }
}

/// What an emailed confirmation link confirmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailVerified {
    /// The address confirmed.
    pub email: String,
    /// True when it is now the login (an email change); false when it already was (a new
    /// company's owner confirming their address).
    pub changed: bool,
}

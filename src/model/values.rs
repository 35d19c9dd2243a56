//! Validated values. Each `parse` runs in the browser for quick feedback and again on the
//! server, which never trusts the browser.

use crate::error::AppError;
use serde::{Deserialize, Serialize};

/// An email address, trimmed and lower-cased: the email is the login, so `Ada@X.com` and
/// `ada@x.com` are the same person.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    pub const MAX_LEN: usize = 254;

    pub fn parse(input: &str) -> Result<Email, AppError> {
        let email = input.trim().to_lowercase();
        let invalid = || AppError::field("email", "Enter an email address like name@example.com.");
        if email.is_empty() {
            return Err(AppError::field("email", "Enter your email address."));
        }
        if email.len() > Self::MAX_LEN
            || email
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || is_invisible(c))
        {
            return Err(invalid());
        }
        let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && !domain.contains('@')
            && domain
                .split('.')
                .all(|label| !label.is_empty() && !label.starts_with('-') && !label.ends_with('-'));
        if local.is_empty() || local.len() > 64 || !domain_ok {
            return Err(invalid());
        }
        Ok(Email(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A trimmed, non-empty name of at most `max` characters, for people, companies, teams, roles
/// and accounts, composed (NFC) on the server.
pub(super) fn parse_name(input: &str, field: &str, what: &str, max: usize) -> Result<String, AppError> {
    let name = compose(input.split_whitespace().collect::<Vec<_>>().join(" "));
    if name.is_empty() {
        return Err(AppError::field(field, format!("Enter {what}.")));
    }
    if name.chars().count() > max {
        return Err(AppError::field(
            field,
            format!("Keep {what} to {max} characters or fewer."),
        ));
    }
    if name.chars().any(|c| c.is_control() || is_invisible(c)) {
        return Err(AppError::field(
            field,
            format!("Remove control and invisible characters from {what}."),
        ));
    }
    Ok(name)
}

/// Composes characters (NFC), so "e\u{301}" and "é" are one name to show, count and compare.
/// `unicode-normalization` is the Unicode normalisation (UAX #15) the Rust ecosystem shares, and
/// already in the build through sqlx; it is server-only, which keeps its tables out of the WASM
/// bundle: the browser's parse is quick feedback, and the server parses every name again.
#[cfg(feature = "ssr")]
fn compose(name: String) -> String {
    use unicode_normalization::UnicodeNormalization;
    name.nfc().collect()
}

#[cfg(not(feature = "ssr"))]
fn compose(name: String) -> String {
    name
}

/// Invisible characters that change how text around them reads: zero-width characters,
/// bidirectional overrides (U+202E turns "txt.exe" into "exe.txt" on screen), soft hyphens,
/// fillers and tag characters. Names and addresses land in emails and pages, so they may not
/// hide such tricks.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2069}'
            | '\u{061C}'
            | '\u{FEFF}'
            | '\u{00AD}'
            | '\u{034F}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{180E}'
            | '\u{3164}'
            | '\u{FFA0}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{E0000}'..='\u{E007F}'
    )
}

/// Whether the dot at `i` in `chars` joins a name to a top-level-domain-like run of at least two
/// letters, as in "evil.example" or "acme.co.uk" (but not "J. R. Smith", "J.R." or "2.0"): text
/// that mail clients turn into a link.
pub fn is_domain_dot(chars: &[char], i: usize) -> bool {
    // Ideographic full stops count: IDNA (and so browsers) read them as dots.
    matches!(chars.get(i), Some('.' | '\u{FF0E}' | '\u{3002}' | '\u{FF61}'))
        && i > 0
        && chars[i - 1].is_alphanumeric()
        && chars
            .get(i + 1..i + 3)
            .is_some_and(|next| next.iter().all(|c| c.is_alphabetic()))
}

/// Whether `text` holds a web address: a scheme ("https://"), "www." or a domain.
fn has_web_address(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    text.contains("://") || text.contains("www.") || (0..chars.len()).any(|i| is_domain_dot(&chars, i))
}

/// `name` lower-cased, with compatibility forms folded on the server (NFKC: fullwidth
/// "Ｈｔｔｐｓ：／／", ligatures).
fn fold_compatible(name: &str) -> String {
    #[cfg(feature = "ssr")]
    let name: String = unicode_normalization::UnicodeNormalization::nfkc(name).collect();
    name.to_lowercase()
}

/// `name` folded as [`fold_compatible`], without combining marks on the server ("Róster",
/// "R̶oster"), then with lookalike letters folded to the Latin ones they imitate ("Rοster" with
/// a Greek omicron reads "roster"). The table keeps to common Cyrillic, Greek, Armenian,
/// Cherokee and small-capital lookalikes, which NFKC leaves alone.
fn fold_lookalikes(name: &str) -> String {
    let folded = fold_compatible(name);
    #[cfg(feature = "ssr")]
    let folded: String = unicode_normalization::UnicodeNormalization::nfkd(folded.as_str())
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .collect();
    folded
        .chars()
        .map(|c| match c {
            'а' | 'α' => 'a',
            'в' | 'β' => 'b',
            'с' | 'ϲ' => 'c',
            'ԁ' => 'd',
            'е' | 'ε' => 'e',
            'һ' | 'н' => 'h',
            'і' | 'ι' | 'ı' => 'i',
            'ј' => 'j',
            'к' | 'κ' => 'k',
            'ӏ' => 'l',
            'м' => 'm',
            'о' | 'ο' | '0' | 'օ' | 'ᴏ' => 'o',
            'р' | 'ρ' => 'p',
            'ԛ' => 'q',
            'г' | 'ʀ' | 'ꭱ' | 'Ꭱ' => 'r',
            'ѕ' | 'ꜱ' => 's',
            'т' | 'τ' => 't',
            'υ' | 'ս' => 'u',
            'ν' | 'ѵ' => 'v',
            'ԝ' => 'w',
            'х' | 'χ' => 'x',
            'у' | 'γ' => 'y',
            other => other,
        })
        .collect()
}

/// A person's display name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(input: &str) -> Result<PersonName, AppError> {
        parse_name(input, "name", "your name", 100).map(PersonName)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A company's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanyName(String);

impl CompanyName {
    pub fn parse(input: &str) -> Result<CompanyName, AppError> {
        let name = parse_name(input, "company_name", "the company name", 100)?;
        // The company name is the one name in the subject of Roster's emails: it may not
        // carry a link or pass for Roster itself.
        if has_web_address(&fold_compatible(&name)) {
            return Err(AppError::field(
                "company_name",
                "Remove the web address from the company name.",
            ));
        }
        if fold_lookalikes(&name)
            .trim_start_matches(|c: char| !c.is_alphanumeric())
            .starts_with("roster")
        {
            return Err(AppError::field(
                "company_name",
                "Choose a company name that does not start with Roster.",
            ));
        }
        Ok(CompanyName(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A team's name: 1 to 60 characters, unique in its company.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamName(String);

impl TeamName {
    pub const MAX_LEN: usize = 60;

    pub fn parse(input: &str) -> Result<TeamName, AppError> {
        parse_name(input, "name", "the team name", Self::MAX_LEN).map(TeamName)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A role's name: 1 to 60 characters, unique in its company whatever the case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleName(String);

impl RoleName {
    pub const MAX_LEN: usize = 60;

    pub fn parse(input: &str) -> Result<RoleName, AppError> {
        parse_name(input, "name", "the role name", Self::MAX_LEN).map(RoleName)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An optional phone number: digits with the usual separators and an optional leading +.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Phone(String);

impl Phone {
    pub fn parse(input: &str) -> Result<Phone, AppError> {
        let phone = input.split_whitespace().collect::<Vec<_>>().join(" ");
        let digits = phone.chars().filter(char::is_ascii_digit).count();
        let allowed = phone
            .char_indices()
            .all(|(i, c)| c.is_ascii_digit() || " -().".contains(c) || (c == '+' && i == 0));
        if phone.is_empty() || (allowed && (5..=20).contains(&digits)) {
            Ok(Phone(phone))
        } else {
            Err(AppError::field(
                "phone",
                "Enter a phone number of 5 to 20 digits, like +44 20 7946 0958.",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An optional job title, trimmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobTitle(String);

impl JobTitle {
    pub const MAX_LEN: usize = 100;

    pub fn parse(input: &str) -> Result<JobTitle, AppError> {
        let title = input.trim();
        if title.chars().count() > Self::MAX_LEN {
            return Err(AppError::field(
                "job_title",
                format!("Keep the job title to {} characters or fewer.", Self::MAX_LEN),
            ));
        }
        Ok(JobTitle(title.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password that passed the length rule. The server also refuses common passwords
/// (see `server::password`), which needs a word list too big for the browser.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl NewPassword {
    pub const MIN_LEN: usize = 8;
    pub const MAX_LEN: usize = 128;

    pub fn parse(input: &str) -> Result<NewPassword, AppError> {
        let len = input.chars().count();
        if len < Self::MIN_LEN {
            return Err(AppError::field(
                "password",
                format!("Use at least {} characters for your password.", Self::MIN_LEN),
            ));
        }
        if len > Self::MAX_LEN {
            return Err(AppError::field(
                "password",
                format!("Use at most {} characters for your password.", Self::MAX_LEN),
            ));
        }
        Ok(NewPassword(input.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

// Never print a password, not even in a debug log.
impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_addresses_refuse_bidi_overrides_and_invisible_characters() {
        for sneaky in [
            "Apple\u{202E}gpj.exe",
            "Ada\u{200B}Admin",
            "Bob\u{2066}",
            "\u{FEFF}Eve",
            "Esc\u{1b}ape",
        ] {
            assert!(PersonName::parse(sneaky).is_err(), "{sneaky:?}");
            assert!(TeamName::parse(sneaky).is_err(), "{sneaky:?}");
        }
        assert!(Email::parse("ada\u{202E}@example.com").is_err());
        assert!(PersonName::parse("Zoë Ñúñez-O'Brien").is_ok());
    }

    #[test]
    fn email_is_trimmed_and_lower_cased() {
        assert_eq!(
            Email::parse("  Ada@Example.COM ").unwrap().as_str(),
            "ada@example.com"
        );
    }

    #[test]
    fn malformed_emails_are_refused_with_a_field_error() {
        for bad in [
            "",
            "ada",
            "ada@",
            "@x.com",
            "ada@x",
            "a da@x.com",
            "ada@x..com",
            "ada@-x.com",
            "a@b@c.com",
        ] {
            let err = Email::parse(bad).unwrap_err();
            assert_eq!(err.field_name(), Some("email"), "{bad:?} should be refused");
        }
    }

    #[test]
    fn names_collapse_whitespace_and_refuse_empty_or_overlong_input() {
        assert_eq!(
            PersonName::parse("  Ada   Lovelace ").unwrap().as_str(),
            "Ada Lovelace"
        );
        assert!(PersonName::parse("   ").is_err());
        assert!(CompanyName::parse(&"x".repeat(101)).is_err());
    }

    #[test]
    fn team_names_have_1_to_60_characters() {
        assert_eq!(
            TeamName::parse("  Night   shift ").unwrap().as_str(),
            "Night shift"
        );
        assert_eq!(TeamName::parse("").unwrap_err().field_name(), Some("name"));
        assert!(TeamName::parse(&"é".repeat(60)).is_ok());
        assert!(TeamName::parse(&"x".repeat(61)).is_err());
    }

    #[test]
    fn phones_are_optional_and_need_5_to_20_digits() {
        assert_eq!(Phone::parse("").unwrap().as_str(), "");
        assert_eq!(
            Phone::parse(" +44 20  7946 0958 ").unwrap().as_str(),
            "+44 20 7946 0958"
        );
        assert!(Phone::parse("(555) 123-4567").is_ok());
        for bad in ["12", "call me", "555+1234", &"1".repeat(21)] {
            assert_eq!(
                Phone::parse(bad).unwrap_err().field_name(),
                Some("phone"),
                "{bad}"
            );
        }
    }

    #[test]
    fn passwords_must_be_between_8_and_128_characters() {
        assert!(NewPassword::parse("short").is_err());
        assert!(NewPassword::parse(&"a".repeat(8)).is_ok());
        assert!(NewPassword::parse(&"é".repeat(128)).is_ok());
        assert!(NewPassword::parse(&"a".repeat(129)).is_err());
    }

    #[test]
    fn a_password_never_appears_in_debug_output() {
        let p = NewPassword::parse("hunter2hunter2").unwrap();
        assert!(!format!("{p:?}").contains("hunter2"));
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn names_are_stored_composed_so_a_decomposed_accent_is_the_same_name() {
        assert_eq!(PersonName::parse("Rene\u{301}e").unwrap().as_str(), "Ren\u{e9}e");
        assert_eq!(CompanyName::parse("Cafe\u{301}").unwrap().as_str(), "Caf\u{e9}");
        assert_eq!(TeamName::parse("E\u{301}quipe").unwrap().as_str(), "\u{c9}quipe");
        assert_eq!(RoleName::parse("Ge\u{301}rant").unwrap().as_str(), "G\u{e9}rant");
    }

    #[test]
    fn company_names_with_a_web_address_or_domain_are_refused() {
        for bad in [
            "Apple Support: verify at https://evil.example/login",
            "ftp://files",
            "www.acme",
            "Visit evil.example today",
            "roster.app",
            "Acme.COM",
            "Acme (acme.co.uk)",
            "evil\u{3002}com Team",
            "evil\u{FF61}com",
        ] {
            let err = CompanyName::parse(bad).unwrap_err();
            assert_eq!(err.field_name(), Some("company_name"), "{bad:?}");
            assert!(err.to_string().contains("web address"), "{bad:?}: {err}");
        }
    }

    #[test]
    fn company_names_that_start_with_roster_are_refused_even_in_lookalike_letters() {
        for bad in [
            "Roster",
            "ROSTER",
            "Roster Support",
            "roster-security",
            "R\u{3bf}ster",
            "R\u{43e}\u{455}ter Team",
            "R\u{39f}STER",
            "  \u{201c}Roster\u{201d} Billing",
            "R\u{585}ster Security",
            "\u{13A1}oster Security",
            "R\u{1D0F}ster",
            "Ro\u{336}ster",
            "R\u{F3}ster",
        ] {
            let err = CompanyName::parse(bad).unwrap_err();
            assert_eq!(err.field_name(), Some("company_name"), "{bad:?}");
            assert!(err.to_string().contains("Roster"), "{bad:?}: {err}");
        }
    }

    #[test]
    fn ordinary_names_with_dots_that_are_not_domains_are_accepted() {
        for good in [
            "J. R. Smith",
            "J.R.R. Tolkien Estate",
            "Acme Inc.",
            "St. Mary's",
            "Ph.D. Consulting",
            "Version 2.0 Labs",
            "The Roster Company",
        ] {
            assert!(CompanyName::parse(good).is_ok(), "{good:?}");
            assert!(PersonName::parse(good).is_ok(), "{good:?}");
        }
    }

    #[test]
    fn every_kind_of_name_refuses_control_and_bidi_override_characters() {
        for sneaky in [
            "Acme\u{202E}gpj.exe",
            "Acme\u{202D}Corp",
            "Acme\u{2067}Corp",
            "Acme\u{200F}Corp",
            "Acme\u{AD}Corp",
            "Acme\u{E0041}Corp",
            "Acme\u{7}Corp",
            "Acme\u{9B}Corp",
        ] {
            assert!(PersonName::parse(sneaky).is_err(), "person {sneaky:?}");
            assert!(CompanyName::parse(sneaky).is_err(), "company {sneaky:?}");
            assert!(TeamName::parse(sneaky).is_err(), "team {sneaky:?}");
            assert!(RoleName::parse(sneaky).is_err(), "role {sneaky:?}");
            assert!(
                crate::model::AccountName::parse(sneaky).is_err(),
                "account {sneaky:?}"
            );
        }
    }

    #[test]
    fn a_job_title_is_trimmed_and_at_most_100_characters() {
        assert_eq!(JobTitle::parse("  Head of Ops ").unwrap().as_str(), "Head of Ops");
        assert_eq!(JobTitle::parse("").unwrap().as_str(), "");
        assert!(JobTitle::parse(&"é".repeat(100)).is_ok());
        let error = JobTitle::parse(&"é".repeat(101)).unwrap_err();
        assert_eq!(error.field_name(), Some("job_title"));
    }
}

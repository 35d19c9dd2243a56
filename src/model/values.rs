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

/// A trimmed, non-empty name of at most `max` characters, for people, companies and teams.
pub(super) fn parse_name(input: &str, field: &str, what: &str, max: usize) -> Result<String, AppError> {
    let name = input.split_whitespace().collect::<Vec<_>>().join(" ");
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

/// Invisible characters that change how text around them reads: zero-width characters and
/// bidirectional overrides (U+202E turns "txt.exe" into "exe.txt" on screen). Names and
/// addresses land in emails and pages, so they may not hide such tricks.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{061C}' | '\u{FEFF}'
    )
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
        parse_name(input, "company_name", "the company name", 100).map(CompanyName)
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
}

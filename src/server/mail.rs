//! The emails Roster sends, as text and HTML.
//!
//! The sentences are Roster's; every name someone typed (company, person, role, account)
//! appears only through [`quoted`], and no subject carries a name but the company's.

use crate::model::{format::exact_in, is_domain_dot, is_invisible};

/// One email's content.
#[derive(Debug, Clone)]
pub struct Message {
    pub subject: String,
    pub text: String,
    pub html: String,
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Paragraphs as HTML, a line break kept within a paragraph.
fn html_paragraphs(paragraphs: &[String]) -> String {
    paragraphs
        .iter()
        .map(|p| format!("<p>{}</p>", escape(p).replace('\n', "<br>")))
        .collect()
}

/// A name someone typed, as an email shows it: in quotes, so it reads as theirs and not as
/// Roster's; without control, invisible or bidi characters; and with its web addresses
/// defanged, so no mail client turns it into a link.
fn quoted(name: &str) -> String {
    let visible: String = name
        .chars()
        .filter(|&c| !is_invisible(c))
        .map(|c| match c {
            // A name may not close its own quotes and go on as if Roster were speaking.
            '“' | '”' | '„' | '‟' => '"',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    let chars: Vec<char> = visible
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .collect();
    let mut defanged = String::with_capacity(chars.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        // Brackets (evil[.]example) survive every client and copy-paste; zero-width breaks may be stripped.
        if c == ':' && chars[i + 1..].starts_with(&['/', '/']) {
            defanged.push_str("[:]");
        } else if is_domain_dot(&chars, i) {
            defanged.push_str(&format!("[{c}]"));
        } else {
            defanged.push(c);
        }
    }
    format!("“{defanged}”")
}

/// Account names, quoted: the first five, then how many more.
fn account_list(accounts: &[String]) -> String {
    const SHOWN: usize = 5;
    let mut list: Vec<String> = accounts.iter().take(SHOWN).map(|a| quoted(a)).collect();
    if accounts.len() > SHOWN {
        list.push(format!("… and {} more", accounts.len() - SHOWN));
    }
    list.join(", ")
}

/// An exact time as an email to a person shows it: in their stored time zone, or in UTC when
/// they left it automatic (an email can't know the browser's), the zone named either way.
pub fn exact_for(ms: i64, stored_zone: &str) -> String {
    exact_in(
        ms,
        if stored_zone.is_empty() {
            "UTC"
        } else {
            stored_zone
        },
    )
}

/// A message of a few paragraphs and one button-like link.
fn with_link(subject: String, paragraphs: &[String], link_label: &str, link: &str, footer: &str) -> Message {
    let text = format!(
        "{}\n\n{link_label}: {link}\n\n{footer}\n",
        paragraphs.join("\n\n")
    );
    let html = format!(
        "<!doctype html><html><body style=\"font-family:system-ui,sans-serif;line-height:1.5\">{}\
         <p><a href=\"{}\" style=\"display:inline-block;background:#4338ca;color:#fff;padding:10px 16px;border-radius:6px;text-decoration:none\">{}</a></p>\
         <p style=\"color:#59636e\">{}</p></body></html>",
        html_paragraphs(paragraphs),
        escape(link),
        escape(link_label),
        escape(footer)
    );
    Message { subject, text, html }
}

/// To a user an admin added: set a password and sign in.
pub fn account_setup(company: &str, added_by: &str, email: &str, link: &str, valid_days: i64) -> Message {
    let company = quoted(company);
    with_link(
        format!("Set up your {company} account on Roster"),
        &[
            format!("{} added you to {company} on Roster.", quoted(added_by)),
            format!("You will sign in with this email address: {email}."),
        ],
        "Set your password",
        link,
        &format!(
            "The link works once and for {valid_days} days. If you did not expect this email, ignore it."
        ),
    )
}

/// To an invited person: who invites them where, as what, and until when the link works.
pub struct Invitation<'a> {
    pub company: &'a str,
    pub invited_by: &'a str,
    pub role: &'a str,
    pub accounts: &'a [String],
    pub email: &'a str,
    pub link: &'a str,
    /// Unix ms.
    pub expires_at: i64,
}

/// The invitation: the names the inviting company chose stand apart, in a labelled block.
pub fn invitation(i: &Invitation<'_>) -> Message {
    with_link(
        format!("Invitation to join {} on Roster", quoted(i.company)),
        &[
            "You are invited to join a company on Roster. \
             The names below were written by people at that company, not by Roster."
                .to_string(),
            [
                format!("Company: {}", quoted(i.company)),
                format!("Invited by: {}", quoted(i.invited_by)),
                format!("Role: {}", quoted(i.role)),
                format!("Accounts: {}", account_list(i.accounts)),
            ]
            .join("\n"),
            format!("You will sign in with this email address: {}.", i.email),
        ],
        "Accept invitation",
        i.link,
        &format!(
            "The link works once, until {}. If you did not expect this email, ignore it.",
            exact_in(i.expires_at, "UTC")
        ),
    )
}

/// To a reactivated user: the way back in.
pub fn reactivation(company: &str, by: &str, email: &str, link: &str, valid_days: i64) -> Message {
    let company = quoted(company);
    with_link(
        format!("Finish reactivating your {company} account"),
        &[
            format!("{} reactivated your account at {company} on Roster.", quoted(by)),
            format!("Use the link to sign in again as {email}, and set a password if you don't have one."),
        ],
        "Finish reactivating",
        link,
        &format!("The link works once and for {valid_days} days."),
    )
}

/// A message of a few paragraphs and no link.
fn plain(subject: String, paragraphs: &[String]) -> Message {
    let text = format!("{}\n", paragraphs.join("\n\n"));
    let html = format!(
        "<!doctype html><html><body style=\"font-family:system-ui,sans-serif;line-height:1.5\">{}</body></html>",
        html_paragraphs(paragraphs)
    );
    Message { subject, text, html }
}

/// To the new address of an email change: the link that makes it the login, and until when
/// (`until`, from [`exact_for`]).
pub fn email_change_verify(
    name: &str,
    new_email: &str,
    link: &str,
    asked_by: Option<&str>,
    until: &str,
) -> Message {
    let name = quoted(name);
    let asked = match asked_by {
        None => format!("{name}, you asked to sign in to Roster with a new email address."),
        Some(admin) => format!(
            "{}, an admin of your company, changed the Roster login of {name} to this address.",
            quoted(admin)
        ),
    };
    with_link(
        "Confirm your new email address for Roster".to_string(),
        &[
            asked,
            format!("Once you confirm, you will sign in with this email address: {new_email}."),
        ],
        "Confirm new email",
        link,
        &format!(
            "The link works once, until {until}. Until it is used, the current email stays the login. If you did not expect this, ignore this email."
        ),
    )
}

/// To the old address of an email change: what was asked and when (`asked_at`, from
/// [`exact_for`]), so a stranger's change is noticed; the link opens the profile's Password.
pub struct EmailChangeNotice<'a> {
    pub name: &'a str,
    pub old_email: &'a str,
    pub new_email: &'a str,
    pub asked_by: Option<&'a str>,
    pub asked_at: &'a str,
    pub public_url: &'a str,
}

pub fn email_change_notice(n: &EmailChangeNotice<'_>) -> Message {
    let (old_email, new_email) = (n.old_email, n.new_email);
    let who = match n.asked_by {
        None => format!("someone signed in as {old_email}"),
        Some(admin) => format!("{}, an admin of your company,", quoted(admin)),
    };
    with_link(
        "Your Roster login email is about to change".to_string(),
        &[
            format!(
                "{}, {who} asked on {} that you sign in to Roster with {new_email} instead of {old_email}.",
                quoted(n.name),
                n.asked_at
            ),
            "The change happens only when the link sent to the new address is used. Until then you keep signing in as before.".to_string(),
            "If you did not expect this, change your password from your profile and tell an admin of your company.".to_string(),
        ],
        "Change your password",
        &format!("{}/profile#password", n.public_url.trim_end_matches('/')),
        "",
    )
}

/// How a password was changed, for [`password_changed`].
pub enum PasswordChange {
    /// From the profile, with the current password.
    Profile,
    /// With a reset link sent by email.
    ResetLink,
    /// With the link an admin's reactivation sent.
    WelcomeLink,
}

/// To the person whose password just changed: if it was not them, they hear of it at once and
/// are shown where to see their devices.
pub fn password_changed(
    name: &str,
    email: &str,
    when: &str,
    how: PasswordChange,
    public_url: &str,
) -> Message {
    let how = match how {
        PasswordChange::Profile => "from the profile page",
        PasswordChange::ResetLink => "with a password reset link",
        PasswordChange::WelcomeLink => "with the link sent when your account was reactivated",
    };
    let base = public_url.trim_end_matches('/');
    with_link(
        "Your Roster password was changed".to_string(),
        &[
            format!(
                "{}, the password for {email} was changed {how} on {when}.",
                quoted(name)
            ),
            "If that was you, there is nothing to do.".to_string(),
            format!(
                "If it was not, reset your password at once at {base}/reset, sign out the devices you don't recognise, and tell an admin of your company."
            ),
        ],
        "See your signed-in devices",
        &format!("{base}/profile#devices"),
        "",
    )
}

/// To an inviter who wants to know: the person they invited has joined.
pub fn invitee_joined(company: &str, name: &str, email: &str) -> Message {
    let company = quoted(company);
    plain(
        format!("Someone you invited joined {company} on Roster"),
        &[
            format!(
                "{} ({email}) accepted your invitation and joined {company} on Roster.",
                quoted(name)
            ),
            "You get this email because \"Email me when someone I invited joins\" is on in your profile."
                .to_string(),
        ],
    )
}

/// To someone who asked to reset their password; the link works until `until` (from
/// [`exact_for`]).
pub fn password_reset(company: &str, email: &str, link: &str, until: &str) -> Message {
    with_link(
        "Reset your Roster password".to_string(),
        &[
            format!(
                "Someone asked to reset the password of your {} account on Roster.",
                quoted(company)
            ),
            format!("You sign in with this email address: {email}."),
        ],
        "Choose a new password",
        link,
        &format!(
            "The link works once, until {until}. Using it signs you out everywhere else. \
             If you did not ask for this, ignore this email: your password stays as it is."
        ),
    )
}

/// To someone who asked to join a company: confirm the address.
pub fn join_verify(company: &str, email: &str, link: &str) -> Message {
    let company = quoted(company);
    with_link(
        format!("Confirm your email to join {company} on Roster"),
        &[
            format!("You asked to join {company} on Roster."),
            format!("Confirm that this is your email address: {email}. Then an admin of {company} reviews your request."),
        ],
        "Confirm my email address",
        link,
        "The link works once and for 24 hours. If you did not ask to join, ignore this email.",
    )
}

/// To an address that already has an account when someone asks to join with it. The join
/// form answers the same either way, so only the owner of the address learns this.
pub fn join_already_registered(company: &str, email: &str, public_url: &str) -> Message {
    let company = quoted(company);
    with_link(
        format!("About your request to join {company} on Roster"),
        &[
            format!("Someone asked to join {company} on Roster with this email address: {email}."),
            "This address already has a Roster account, so nothing was created. Sign in, or reset your password from the sign-in page if you forgot it.".to_string(),
        ],
        "Sign in",
        &format!("{public_url}/login"),
        "If it was not you, ignore this email.",
    )
}

/// To a person whose join request an admin approved.
pub fn join_approved(company: &str, by: &str, email: &str, public_url: &str) -> Message {
    let company = quoted(company);
    with_link(
        format!("Welcome to {company} on Roster"),
        &[
            format!(
                "{} approved your request to join {company} on Roster.",
                quoted(by)
            ),
            format!("Sign in with this email address: {email}, and the password you chose."),
        ],
        "Sign in",
        &format!("{public_url}/login"),
        "",
    )
}

/// To a person whose join request an admin declined.
pub fn join_rejected(company: &str, email: &str) -> Message {
    let company = quoted(company);
    plain(
        format!("Your request to join {company} on Roster"),
        &[
            format!("Your request to join {company} on Roster was declined, and the request with this email address: {email} was removed."),
            format!("If you think this is a mistake, contact someone at {company}."),
        ],
    )
}

/// To an address invited by a company while it has an account with another: what happened,
/// without the link (the address can't accept), so the inviting company learns nothing.
pub fn invitation_to_taken_address(i: &Invitation<'_>) -> Message {
    plain(
        format!("Invitation to join {} on Roster", quoted(i.company)),
        &[
            format!(
                "{} invited {} to join {} on Roster.",
                quoted(i.invited_by),
                i.email,
                quoted(i.company)
            ),
            "This address already has a Roster account, with another company, and a Roster account belongs to one company, so the invitation can't be accepted with it. To join, ask them to invite another of your addresses. The company was not told that this address has an account.".to_string(),
            "If you did not expect this email, ignore it.".to_string(),
        ],
    )
}

/// To an address an admin added to their company while it has an account with another:
/// what happened, without a link, so the adding company learns nothing.
pub fn addition_to_taken_address(company: &str, added_by: &str, email: &str) -> Message {
    let company = quoted(company);
    plain(
        format!("Set up your {company} account on Roster"),
        &[
            format!("{} added {email} to {company} on Roster.", quoted(added_by)),
            "This address already has a Roster account, with another company, and a Roster account belongs to one company, so no second account was made with it. To join, ask them to add another of your addresses. The company was not told that this address has an account.".to_string(),
            "If you did not expect this email, ignore it.".to_string(),
        ],
    )
}

/// To a new company's owner: confirm the address before Roster sends email for the company.
pub fn owner_confirmation(company: &str, name: &str, email: &str, link: &str) -> Message {
    with_link(
        format!("Confirm your email address for {} on Roster", quoted(company)),
        &[
            format!("Hello {},", quoted(name)),
            format!(
                "You created {} on Roster with this email address: {email}. Confirm it is yours: until then Roster sends no invitations or set-up emails for the company.",
                quoted(company)
            ),
        ],
        "Confirm email",
        link,
        "The link works once and for 7 days. If you did not create a company on Roster, ignore this email.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_setup_email_names_the_company_the_admin_the_login_and_the_link() {
        let m = account_setup(
            "Acme <Corp>",
            "Olivia",
            "ana@acme.example",
            "https://r.example/welcome/abc",
            7,
        );
        assert_eq!(m.subject, "Set up your “Acme <Corp>” account on Roster");
        for part in [
            "Olivia",
            "ana@acme.example",
            "https://r.example/welcome/abc",
            "7 days",
        ] {
            assert!(m.text.contains(part), "{part}");
        }
        assert!(m.html.contains("Acme &lt;Corp&gt;"), "HTML is escaped");
    }

    #[test]
    fn the_invitation_names_company_inviter_role_accounts_login_link_and_expiry() {
        let m = invitation(&Invitation {
            company: "Acme",
            invited_by: "Olivia",
            role: "Admin",
            accounts: &["Acme".into(), "Acme EU".into()],
            email: "bo@x.example",
            link: "https://r.example/invite/abc",
            expires_at: 1_795_000_000_000,
        });
        assert_eq!(m.subject, "Invitation to join “Acme” on Roster");
        for part in [
            "Company: “Acme”",
            "Invited by: “Olivia”",
            "Role: “Admin”",
            "Accounts: “Acme”, “Acme EU”",
            "bo@x.example",
            "https://r.example/invite/abc",
            "18 Nov 2026, 11:06 UTC",
        ] {
            assert!(m.text.contains(part), "{part}");
            assert!(m.html.contains(part), "{part}");
        }
    }

    #[test]
    fn an_invitation_shows_names_quoted_without_bidi_controls_or_links() {
        let evil = "https://evil.example/login";
        let mut accounts = vec![evil.to_string(), "Acme Europe\u{202E}".into(), "Acme Asia".into()];
        accounts.extend((4..=30).map(|i| format!("Branch {i}")));
        let m = invitation(&Invitation {
            company: &format!("Acme \u{202E}{evil}"),
            invited_by: &format!("Apple Support: verify at {evil}"),
            role: "Security\u{202E} Team",
            accounts: &accounts,
            email: "bo@x.example",
            link: "https://r.example/invite/abc",
            expires_at: 1_795_000_000_000,
        });
        assert_eq!(
            m.subject,
            "Invitation to join “Acme https[:]//evil[.]example/login” on Roster"
        );
        assert_eq!(
            m.text,
            "You are invited to join a company on Roster. \
             The names below were written by people at that company, not by Roster.\n\
             \n\
             Company: “Acme https[:]//evil[.]example/login”\n\
             Invited by: “Apple Support: verify at https[:]//evil[.]example/login”\n\
             Role: “Security Team”\n\
             Accounts: “https[:]//evil[.]example/login”, “Acme Europe”, “Acme Asia”, “Branch 4”, “Branch 5”, … and 25 more\n\
             \n\
             You will sign in with this email address: bo@x.example.\n\
             \n\
             Accept invitation: https://r.example/invite/abc\n\
             \n\
             The link works once, until 18 Nov 2026, 11:06 UTC. If you did not expect this email, ignore it.\n"
        );
        assert_eq!(
            m.html,
            "<!doctype html><html><body style=\"font-family:system-ui,sans-serif;line-height:1.5\">\
             <p>You are invited to join a company on Roster. \
             The names below were written by people at that company, not by Roster.</p>\
             <p>Company: “Acme https[:]//evil[.]example/login”<br>\
             Invited by: “Apple Support: verify at https[:]//evil[.]example/login”<br>\
             Role: “Security Team”<br>\
             Accounts: “https[:]//evil[.]example/login”, “Acme Europe”, “Acme Asia”, “Branch 4”, “Branch 5”, … and 25 more</p>\
             <p>You will sign in with this email address: bo@x.example.</p>\
             <p><a href=\"https://r.example/invite/abc\" style=\"display:inline-block;background:#4338ca;color:#fff;padding:10px 16px;border-radius:6px;text-decoration:none\">Accept invitation</a></p>\
             <p style=\"color:#59636e\">The link works once, until 18 Nov 2026, 11:06 UTC. If you did not expect this email, ignore it.</p>\
             </body></html>"
        );
        for part in [&m.subject, &m.text, &m.html] {
            assert!(!part.contains('\u{202E}') && !part.contains(evil), "{part}");
        }
    }

    #[test]
    fn every_email_quotes_names_defanged_and_keeps_people_out_of_its_subject() {
        let (company, person) = ("Acme\u{202E}", "Eve https://evil.example");
        let (link, url) = ("https://r.example/t/abc", "https://r.example");
        let messages = [
            account_setup(company, person, "a@x.example", link, 7),
            reactivation(company, person, "a@x.example", link, 7),
            email_change_verify(person, "a@x.example", link, Some(person), "1 Jan 2027, 10:00 UTC"),
            email_change_notice(&EmailChangeNotice {
                name: person,
                old_email: "a@x.example",
                new_email: "b@x.example",
                asked_by: Some(person),
                asked_at: "1 Jan 2027, 10:00 UTC",
                public_url: url,
            }),
            invitee_joined(company, person, "a@x.example"),
            join_approved(company, person, "a@x.example", url),
        ];
        for m in &messages {
            assert!(!m.subject.contains("Eve"), "{}", m.subject);
            assert!(
                !m.subject.contains("Acme") || m.subject.contains("“Acme”"),
                "{}",
                m.subject
            );
            for part in [&m.subject, &m.text, &m.html] {
                assert!(
                    !part.contains('\u{202E}') && !part.contains("evil.example"),
                    "{part}"
                );
            }
            assert!(m.text.contains("“Eve https[:]//evil[.]example”"), "{}", m.text);
        }
        for m in [
            password_reset(company, "a@x.example", link, "1 Jan 2027, 10:00 UTC"),
            join_verify(company, "a@x.example", link),
            join_already_registered(company, "a@x.example", url),
            join_rejected(company, "a@x.example"),
        ] {
            assert!(m.subject.contains("Roster"), "{}", m.subject);
            assert!(
                m.text.contains("“Acme”") && !m.text.contains('\u{202E}'),
                "{}",
                m.text
            );
        }
    }
}

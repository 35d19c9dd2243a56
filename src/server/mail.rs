//! The emails Roster sends, as text and HTML.

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
        paragraphs.iter().map(|p| format!("<p>{}</p>", escape(p))).collect::<String>(),
        escape(link),
        escape(link_label),
        escape(footer)
    );
    Message { subject, text, html }
}

/// To a user an admin added: set a password and sign in.
pub fn account_setup(company: &str, added_by: &str, email: &str, link: &str, valid_days: i64) -> Message {
    with_link(
        format!("Set up your {company} account on Roster"),
        &[
            format!("{added_by} added you to {company} on Roster."),
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

pub fn invitation(i: &Invitation<'_>) -> Message {
    with_link(
        format!("{} invited you to {} on Roster", i.invited_by, i.company),
        &[
            format!(
                "{} invited you to join {} on Roster as {}.",
                i.invited_by, i.company, i.role
            ),
            format!("You will have access to: {}.", i.accounts.join(", ")),
            format!("You will sign in with this email address: {}.", i.email),
        ],
        "Accept invitation",
        i.link,
        &format!(
            "The link works once, until {}. If you did not expect this email, ignore it.",
            crate::components::time::exact_utc(i.expires_at)
        ),
    )
}

/// To a reactivated user: the way back in.
pub fn reactivation(company: &str, by: &str, email: &str, link: &str, valid_days: i64) -> Message {
    with_link(
        format!("Finish reactivating your {company} account"),
        &[
            format!("{by} reactivated your account at {company} on Roster."),
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
        paragraphs.iter().map(|p| format!("<p>{}</p>", escape(p))).collect::<String>()
    );
    Message { subject, text, html }
}

/// To the new address of an email change: the link that makes it the login.
pub fn email_change_verify(name: &str, new_email: &str, link: &str, asked_by: Option<&str>) -> Message {
    let asked = match asked_by {
        None => format!("{name}, you asked to sign in to Roster with a new email address."),
        Some(admin) => {
            format!("{admin}, an admin of your company, changed the Roster login of {name} to this address.")
        }
    };
    with_link(
        "Confirm your new email address for Roster".to_string(),
        &[
            asked,
            format!("Once you confirm, you will sign in with this email address: {new_email}."),
        ],
        "Confirm new email",
        link,
        "The link works once and for 24 hours. Until it is used, the current email stays the login. If you did not expect this, ignore this email.",
    )
}

/// To the old address of an email change: what was asked, so a stranger's change is noticed.
pub fn email_change_notice(name: &str, old_email: &str, new_email: &str, asked_by: Option<&str>) -> Message {
    let who = match asked_by {
        None => format!("someone signed in as {old_email}"),
        Some(admin) => format!("{admin}, an admin of your company,"),
    };
    plain(
        "Your Roster login email is about to change".to_string(),
        &[
            format!("{name}, {who} asked that you sign in to Roster with {new_email} instead of {old_email}."),
            "The change happens only when the link sent to the new address is used. Until then you keep signing in as before.".to_string(),
            "If you did not expect this, change your password from your profile and tell an admin of your company.".to_string(),
        ],
    )
}

/// To an inviter who wants to know: the person they invited has joined.
pub fn invitee_joined(company: &str, name: &str, email: &str) -> Message {
    plain(
        format!("{name} joined {company}"),
        &[
            format!("{name} ({email}) accepted your invitation and joined {company} on Roster."),
            "You get this email because \"Email me when someone I invited joins\" is on in your profile."
                .to_string(),
        ],
    )
}

/// To someone who asked to reset their password.
pub fn password_reset(company: &str, email: &str, link: &str) -> Message {
    with_link(
        "Reset your Roster password".to_string(),
        &[
            format!("Someone asked to reset the password of your {company} account on Roster."),
            format!("You sign in with this email address: {email}."),
        ],
        "Choose a new password",
        link,
        "The link works once and for one hour. Using it signs you out everywhere else. \
         If you did not ask for this, ignore this email: your password stays as it is.",
    )
}

/// To someone who asked to join a company: confirm the address.
pub fn join_verify(company: &str, email: &str, link: &str) -> Message {
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
    with_link(
        format!("Welcome to {company} on Roster"),
        &[
            format!("{by} approved your request to join {company} on Roster."),
            format!("Sign in with this email address: {email}, and the password you chose."),
        ],
        "Sign in",
        &format!("{public_url}/login"),
        "",
    )
}

/// To a person whose join request an admin declined.
pub fn join_rejected(company: &str, email: &str) -> Message {
    let text = format!(
        "Your request to join {company} on Roster was declined, and the request with this email address: {email} was removed.\n\nIf you think this is a mistake, contact someone at {company}.\n"
    );
    let html = format!(
        "<!doctype html><html><body style=\"font-family:system-ui,sans-serif;line-height:1.5\"><p>{}</p></body></html>",
        escape(&text)
    );
    Message {
        subject: format!("Your request to join {company} on Roster"),
        text,
        html,
    }
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
        assert_eq!(m.subject, "Set up your Acme <Corp> account on Roster");
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
        assert_eq!(m.subject, "Olivia invited you to Acme on Roster");
        for part in [
            "join Acme on Roster as Admin",
            "Acme, Acme EU",
            "bo@x.example",
            "https://r.example/invite/abc",
            "2026-11-18 11:06 UTC",
        ] {
            assert!(m.text.contains(part), "{part}");
            assert!(m.html.contains(part), "{part}");
        }
    }
}

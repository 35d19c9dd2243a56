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

//! Email the use cases send: rendered from `templates/mail/` (plain text and HTML, with the
//! business's name) and queued in the caller's transaction, so a message goes out exactly when
//! what it announces was committed. The mail job sends it; nothing waits for SMTP.

use super::access::{self, AdminAction, Who};
use super::{Crm, Error, Result};
use crate::db::{self, mail::MailRow};
use rusqlite::Connection;
use time::OffsetDateTime;

/// What the install says about itself in email.
#[derive(Debug, Clone, Default)]
pub struct Site {
    /// The business's name.
    pub business: String,
    /// The public base URL links are built from (never a request's `Host`).
    pub public_url: String,
    /// True when `[smtp]` is set up: mail is sent; otherwise links are shown to admins.
    pub mail: bool,
    /// The mail server, for the test email: `host:port (starttls)`.
    pub server: String,
}

/// A message a use case sends.
#[derive(Debug, Clone)]
pub enum Mail {
    /// Settings → "Send a test email".
    Test,
    /// An invitation with its one-time link.
    Invitation {
        /// Who invited.
        inviter: String,
        /// The role offered.
        role: String,
        /// The `/account/{token}` link.
        link: String,
        /// Until when it works.
        until: OffsetDateTime,
    },
    /// A password-reset link asked for on the login page.
    PasswordReset {
        /// The `/account/{token}` link.
        link: String,
        /// How long it works.
        minutes: i64,
    },
    /// A conversation was assigned to the recipient.
    Assigned {
        /// Who assigned it.
        by: String,
        /// The customer's name.
        contact: String,
        /// The conversation's link.
        link: String,
    },
    /// A customer wrote in the recipient's conversation while they were away.
    CustomerWrote {
        /// The customer's name.
        contact: String,
        /// The conversation's link.
        link: String,
    },
    /// Meta sent an account alert.
    Alert {
        /// One line.
        title: String,
        /// In words.
        detail: String,
        /// `critical` or `warning`.
        severity: String,
        /// True when Meta sent it; false for FlowCRM's own (a failed backup).
        from_meta: bool,
    },
    /// The account's two-factor sign-in changed.
    TwoFactor {
        /// The account.
        email: String,
        /// What happened, in a sentence.
        what: String,
        /// When.
        when: OffsetDateTime,
    },
    /// The account's sign-in email was changed (sent to the old address).
    EmailChanged {
        /// The new address.
        new: String,
        /// When.
        when: OffsetDateTime,
    },
    /// The account's password was changed.
    PasswordChanged {
        /// The account.
        email: String,
        /// When.
        when: OffsetDateTime,
    },
}

fn stamp(t: OffsetDateTime) -> String {
    let f =
        time::macros::format_description!("[day] [month repr:short] [year], [hour]:[minute] UTC");
    t.format(f).unwrap_or_default()
}

/// One module per email with its text and HTML templates and a `both` that renders the pair
/// from the same fields.
macro_rules! mail_templates {
    ($($name:ident, $text:literal, $html:literal, { $($field:ident: $ty:ty),* });*) => {
        $(
            mod $name {
                use askama::Template as _;
                #[derive(askama::Template)]
                #[template(path = $text, escape = "none")]
                struct Text<'a> { business: &'a str, $($field: $ty),* }
                #[derive(askama::Template)]
                #[template(path = $html)]
                struct Html<'a> { business: &'a str, $($field: $ty),* }
                /// (plain text, HTML).
                pub(super) fn both<'a>(business: &'a str, $($field: $ty),*) -> askama::Result<(String, String)> {
                    Ok((Text { business, $($field),* }.render()?, Html { business, $($field),* }.render()?))
                }
            }
        )*
    };
}

mail_templates! {
    test_mail, "mail/test.txt", "mail/test.html", { server: &'a str };
    invitation, "mail/invitation.txt", "mail/invitation.html", { inviter: &'a str, role: &'a str, link: &'a str, until: &'a str };
    reset, "mail/password_reset.txt", "mail/password_reset.html", { link: &'a str, minutes: i64 };
    changed, "mail/password_changed.txt", "mail/password_changed.html", { email: &'a str, when: &'a str, login: &'a str };
    email_changed, "mail/email_changed.txt", "mail/email_changed.html", { new: &'a str, when: &'a str };
    two_factor, "mail/two_factor.txt", "mail/two_factor.html", { email: &'a str, what: &'a str, when: &'a str, settings: &'a str };
    assigned, "mail/assigned.txt", "mail/assigned.html", { by: &'a str, contact: &'a str, link: &'a str };
    wrote, "mail/customer_wrote.txt", "mail/customer_wrote.html", { contact: &'a str, link: &'a str };
    alert, "mail/alert.txt", "mail/alert.html", { title: &'a str, detail: &'a str, severity: &'a str, link: &'a str, from_meta: bool }
}

/// Kind, subject, plain text and HTML of `mail`.
fn render(mail: &Mail, site: &Site) -> Result<(&'static str, String, String, String)> {
    let b = site.business.as_str();
    let (kind, subject, bodies) = match mail {
        Mail::Test => (
            "test",
            format!("Test email from {b}"),
            test_mail::both(b, &site.server),
        ),
        Mail::Invitation {
            inviter,
            role,
            link,
            until,
        } => (
            "invitation",
            format!("{inviter} invited you to {b} on FlowCRM"),
            invitation::both(b, inviter, role, link, &stamp(*until)),
        ),
        Mail::PasswordReset { link, minutes } => (
            "password_reset",
            format!("Reset your {b} FlowCRM password"),
            reset::both(b, link, *minutes),
        ),
        Mail::TwoFactor { email, what, when } => (
            "two_factor",
            format!("Two-factor sign-in changed on your {b} FlowCRM account"),
            two_factor::both(
                b,
                email,
                what,
                &stamp(*when),
                &format!("{}/settings/two-factor", site.public_url),
            ),
        ),
        Mail::EmailChanged { new, when } => (
            "email_changed",
            format!("Your {b} FlowCRM sign-in email was changed"),
            email_changed::both(b, new, &stamp(*when)),
        ),
        Mail::PasswordChanged { email, when } => (
            "password_changed",
            format!("Your {b} FlowCRM password was changed"),
            changed::both(
                b,
                email,
                &stamp(*when),
                &format!("{}/login", site.public_url),
            ),
        ),
        Mail::Assigned { by, contact, link } => (
            "assigned",
            format!("{by} assigned you the conversation with {contact}"),
            assigned::both(b, by, contact, link),
        ),
        Mail::CustomerWrote { contact, link } => (
            "customer_wrote",
            format!("{contact} wrote to {b} on WhatsApp"),
            wrote::both(b, contact, link),
        ),
        Mail::Alert {
            title,
            detail,
            severity,
            from_meta,
        } => (
            "alert",
            if *from_meta {
                format!("WhatsApp alert for {b}: {title}")
            } else {
                format!("FlowCRM alert for {b}: {title}")
            },
            alert::both(
                b,
                title,
                detail,
                severity,
                &format!("{}/settings/alerts", site.public_url),
                *from_meta,
            ),
        ),
    };
    let (text, html) =
        bodies.map_err(|e| Error::Db(db::Error::Task(format!("mail template: {e}"))))?;
    Ok((kind, subject, text, html))
}

/// Queues `mail` to `to` in the current transaction (when email is set up; otherwise nothing,
/// and the caller shows the link instead). Returns whether it was queued.
pub fn queue(
    conn: &Connection,
    site: &Site,
    to: &str,
    mail: &Mail,
    now: OffsetDateTime,
) -> Result<bool> {
    if !site.mail {
        return Ok(false);
    }
    let (kind, subject, text, html) = render(mail, site)?;
    let new = db::mail::NewMail {
        kind,
        to,
        subject: &subject,
        text: &text,
        html: &html,
    };
    db::mail::insert(conn, &new, now)?;
    Ok(true)
}

impl Crm {
    /// Queues a test email to `to` (admins); refused when email is not set up.
    pub async fn send_test_email(
        &self,
        to: &str,
        who: Who,
        actor: super::contacts::Actor,
    ) -> Result<()> {
        access::require(who, AdminAction::Email)?;
        if !self.site.mail {
            return Err(Error::Conflict(
                "Email is not set up: set [smtp] host and from_address in flowcrm.toml (and `flowcrm secret set smtp.password`), then restart.".into(),
            ));
        }
        let to = to.trim().to_string();
        if to.parse::<lettre::Address>().is_err() {
            return Err(Error::Invalid(vec![crate::model::FieldError::new(
                "to",
                format!("`{to}` is not an email address."),
            )]));
        }
        let (site, now) = (self.site.clone(), self.clock.now());
        self.db
            .write(move |c| -> Result<()> {
                queue(c, &site, &to, &Mail::Test, now)?;
                super::audit(c, &actor, "email.test", to.clone(), String::new(), now)?;
                Ok(())
            })
            .await?;
        self.mail_wakeup.notify_one();
        Ok(())
    }

    /// The newest queued, sent and failed emails, with the reason of each failure (admins).
    pub async fn mail_log(&self, who: Who) -> Result<Vec<MailRow>> {
        access::require(who, AdminAction::Email)?;
        Ok(self.db.read(|c| db::mail::recent(c, 20)).await?)
    }

    /// Wakes the mail job after a use case queued mail.
    pub fn wake_mailer(&self) {
        self.mail_wakeup.notify_one();
    }
}

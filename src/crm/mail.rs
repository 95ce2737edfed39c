//! Email the use cases send: rendered from `templates/mail/` (plain text and HTML, with the
//! business's name) and queued in the caller's transaction, so a message goes out exactly when
//! what it announces was committed. The mail job sends it; nothing waits for SMTP.

use super::access::{self, AdminAction, Who};
use super::{Crm, Error, Result};
use crate::db::{self, mail::MailRow};
use askama::Template;
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

macro_rules! mail_templates {
    ($($name:ident, $text:literal, $html:literal, { $($field:ident: $ty:ty),* });*) => {
        $(
            mod $name {
                #[derive(askama::Template)]
                #[template(path = $text, escape = "none")]
                pub(super) struct Text<'a> { pub business: &'a str, $(pub $field: $ty),* }
                #[derive(askama::Template)]
                #[template(path = $html)]
                pub(super) struct Html<'a> { pub business: &'a str, $(pub $field: $ty),* }
            }
        )*
    };
}

mail_templates! {
    test_mail, "mail/test.txt", "mail/test.html", { server: &'a str };
    invitation, "mail/invitation.txt", "mail/invitation.html", { inviter: &'a str, role: &'a str, link: &'a str, until: &'a str };
    reset, "mail/password_reset.txt", "mail/password_reset.html", { link: &'a str, minutes: i64 };
    changed, "mail/password_changed.txt", "mail/password_changed.html", { email: &'a str, when: &'a str, login: &'a str };
    assigned, "mail/assigned.txt", "mail/assigned.html", { by: &'a str, contact: &'a str, link: &'a str };
    wrote, "mail/customer_wrote.txt", "mail/customer_wrote.html", { contact: &'a str, link: &'a str };
    alert, "mail/alert.txt", "mail/alert.html", { title: &'a str, detail: &'a str, severity: &'a str, link: &'a str }
}

/// Kind, subject, plain text and HTML of `mail` (notifications: [`render_notification`]).
fn render(mail: &Mail, site: &Site) -> Result<(&'static str, String, String, String)> {
    let business = site.business.as_str();
    let bad = |e: askama::Error| Error::Db(db::Error::Task(format!("mail template: {e}")));
    Ok(match mail {
        Mail::Test => {
            let server = site.server.as_str();
            (
                "test",
                format!("Test email from {business}"),
                test_mail::Text { business, server }.render().map_err(bad)?,
                test_mail::Html { business, server }.render().map_err(bad)?,
            )
        }
        Mail::Invitation {
            inviter,
            role,
            link,
            until,
        } => {
            let until = stamp(*until);
            let (inviter, role, link, until) = (
                inviter.as_str(),
                role.as_str(),
                link.as_str(),
                until.as_str(),
            );
            (
                "invitation",
                format!("{inviter} invited you to {business} on FlowCRM"),
                invitation::Text {
                    business,
                    inviter,
                    role,
                    link,
                    until,
                }
                .render()
                .map_err(bad)?,
                invitation::Html {
                    business,
                    inviter,
                    role,
                    link,
                    until,
                }
                .render()
                .map_err(bad)?,
            )
        }
        Mail::PasswordReset { link, minutes } => (
            "password_reset",
            format!("Reset your {business} FlowCRM password"),
            reset::Text {
                business,
                link,
                minutes: *minutes,
            }
            .render()
            .map_err(bad)?,
            reset::Html {
                business,
                link,
                minutes: *minutes,
            }
            .render()
            .map_err(bad)?,
        ),
        Mail::PasswordChanged { email, when } => {
            let when = stamp(*when);
            let login = format!("{}/login", site.public_url);
            let (email, when, login) = (email.as_str(), when.as_str(), login.as_str());
            (
                "password_changed",
                format!("Your {business} FlowCRM password was changed"),
                changed::Text {
                    business,
                    email,
                    when,
                    login,
                }
                .render()
                .map_err(bad)?,
                changed::Html {
                    business,
                    email,
                    when,
                    login,
                }
                .render()
                .map_err(bad)?,
            )
        }
        _ => return render_notification(mail, site),
    })
}

/// Kind, subject, plain text and HTML of a notification (assigned, customer wrote, alert).
fn render_notification(mail: &Mail, site: &Site) -> Result<(&'static str, String, String, String)> {
    let business = site.business.as_str();
    let bad = |e: askama::Error| Error::Db(db::Error::Task(format!("mail template: {e}")));
    Ok(match mail {
        Mail::Assigned { by, contact, link } => {
            let (by, contact, link) = (by.as_str(), contact.as_str(), link.as_str());
            (
                "assigned",
                format!("{by} assigned you the conversation with {contact}"),
                assigned::Text {
                    business,
                    by,
                    contact,
                    link,
                }
                .render()
                .map_err(bad)?,
                assigned::Html {
                    business,
                    by,
                    contact,
                    link,
                }
                .render()
                .map_err(bad)?,
            )
        }
        Mail::CustomerWrote { contact, link } => {
            let (contact, link) = (contact.as_str(), link.as_str());
            (
                "customer_wrote",
                format!("{contact} wrote to {business} on WhatsApp"),
                wrote::Text {
                    business,
                    contact,
                    link,
                }
                .render()
                .map_err(bad)?,
                wrote::Html {
                    business,
                    contact,
                    link,
                }
                .render()
                .map_err(bad)?,
            )
        }
        Mail::Alert {
            title,
            detail,
            severity,
        } => {
            let link = format!("{}/settings/alerts", site.public_url);
            let (title, detail, severity, link) = (
                title.as_str(),
                detail.as_str(),
                severity.as_str(),
                link.as_str(),
            );
            (
                "alert",
                format!("WhatsApp alert for {business}: {title}"),
                alert::Text {
                    business,
                    title,
                    detail,
                    severity,
                    link,
                }
                .render()
                .map_err(bad)?,
                alert::Html {
                    business,
                    title,
                    detail,
                    severity,
                    link,
                }
                .render()
                .map_err(bad)?,
            )
        }
        _ => return Err(Error::Db(db::Error::Task("not a notification".into()))),
    })
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

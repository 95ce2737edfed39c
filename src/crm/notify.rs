//! Email notifications people opt into (Settings): a conversation assigned to them by someone
//! else; a customer writing in their conversation while they are away (no request for
//! [`AWAY`]; at most one email per conversation per [`EVERY`]); and Meta's account alerts for
//! admins. Message text is never put in an email.

use super::mail::{self, Mail, Site};
use super::{Crm, Result};
use crate::db;
use crate::model::UserId;
use rusqlite::Connection;
use time::{Duration, OffsetDateTime};

/// Someone who made no request for this long is away.
pub const AWAY: Duration = Duration::minutes(10);

/// At most one "a customer wrote" email per conversation this often.
pub const EVERY: Duration = Duration::minutes(15);

fn conversation_link(site: &Site, id: i64) -> String {
    format!("{}/conversations/{id}", site.public_url)
}

/// Emails `to` that `by` assigned them conversation `id`, when they want it (not when they
/// took it themselves).
pub fn assigned(
    conn: &Connection,
    site: &Site,
    id: i64,
    to: Option<UserId>,
    by: Option<UserId>,
    now: OffsetDateTime,
) -> db::Result<()> {
    let Some(to) = to.filter(|t| Some(*t) != by) else {
        return Ok(());
    };
    let Some(email) = db::notify::assign_recipient(conn, to)? else {
        return Ok(());
    };
    let by = match by {
        Some(b) => db::users::get(conn, b)?
            .map_or_else(|| "An admin".into(), |u| u.display_name().to_string()),
        None => "An API key".into(),
    };
    let contact = db::inbox::conversation_row(conn, id, now)?
        .map(|r| r.contact_name)
        .unwrap_or_default();
    let m = Mail::Assigned {
        by,
        contact,
        link: conversation_link(site, id),
    };
    mail::queue(conn, site, email.as_str(), &m, now).map_err(|e| match e {
        super::Error::Db(e) => e,
        other => db::Error::Task(other.to_string()),
    })?;
    Ok(())
}

/// A customer message older than this when the check runs is not emailed about (no burst of
/// emails for old unread conversations when the option is switched on).
pub const RECENT: Duration = Duration::hours(1);

impl Crm {
    /// Emails what is due (the mail loop runs it, and a webhook with news wakes it): admins
    /// about new alerts that matter, assignees who are away about customers who wrote. Nothing
    /// runs on the webhook's request path. Does nothing when email is off. Returns how many
    /// emails were queued.
    pub async fn notify_due(&self) -> Result<usize> {
        if !self.site.mail {
            return Ok(0);
        }
        let (site, now) = (self.site.clone(), self.clock.now());
        let queued = self
            .db
            .write(move |c| -> Result<usize> {
                let mut n = 0;
                let alerts = db::notify::take_unemailed_alerts(c, now)?;
                if !alerts.is_empty() {
                    let recipients = db::notify::alert_recipients(c)?;
                    for (title, detail, severity, field) in alerts {
                        for to in &recipients {
                            let m = Mail::Alert {
                                title: title.clone(),
                                detail: detail.clone(),
                                severity: severity.clone(),
                                from_meta: field != "flowcrm",
                            };
                            n += usize::from(mail::queue(c, &site, to.as_str(), &m, now)?);
                        }
                    }
                }
                for (id, to, contact) in
                    db::notify::take_away_assignees(c, now, RECENT, AWAY, EVERY)?
                {
                    let m = Mail::CustomerWrote {
                        contact,
                        link: conversation_link(&site, id),
                    };
                    n += usize::from(mail::queue(c, &site, to.as_str(), &m, now)?);
                }
                Ok(n)
            })
            .await?;
        Ok(queued)
    }
}

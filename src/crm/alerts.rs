//! Account alerts: what Meta told the business about its account, number and templates
//! (stored by the webhook), for the admins while they matter, and for everyone who types a
//! message when sending is blocked.

use super::access::{self, AdminAction, Who};
use super::{Crm, Error, Result};
use crate::db::{self, alerts::AlertRow};

/// Alerts per page of the history.
pub const HISTORY_PAGE: u32 = 50;

/// A page of the alert history.
#[derive(Debug, Clone)]
pub struct AlertHistory {
    /// The alerts, newest first.
    pub alerts: Vec<AlertRow>,
    /// True when there are older ones.
    pub more: bool,
}

impl Crm {
    /// The alerts in force: all of them for admins; for others only those that block sending
    /// (everyone who types a message must know).
    pub async fn alerts_in_force(&self, who: Who) -> Result<Vec<AlertRow>> {
        access::may_read(who)?;
        let all = self.db.read(db::alerts::in_force).await?;
        Ok(if who.is_admin() {
            all
        } else {
            all.into_iter().filter(|a| a.blocks_sending).collect()
        })
    }

    /// Why sending is blocked right now, if it is: the title and detail of the alert in force
    /// that blocks it.
    pub async fn sending_blocked(&self, who: Who) -> Result<Option<(String, String)>> {
        Ok(self
            .alerts_in_force(who)
            .await?
            .into_iter()
            .find(|a| a.blocks_sending)
            .map(|a| (a.title, a.detail)))
    }

    /// Page `page` (from 0) of every alert, newest first (admins).
    pub async fn alert_history(&self, who: Who, page: u32) -> Result<AlertHistory> {
        access::require(who, AdminAction::AccountAlerts)?;
        let offset = page.saturating_mul(HISTORY_PAGE);
        let mut alerts = self
            .db
            .read(move |c| db::alerts::history(c, HISTORY_PAGE + 1, offset))
            .await?;
        let more = alerts.len() > HISTORY_PAGE as usize;
        alerts.truncate(HISTORY_PAGE as usize);
        Ok(AlertHistory { alerts, more })
    }

    /// Marks alert `id` handled (admins): it leaves the banner, stays in the history.
    pub async fn dismiss_alert(
        &self,
        id: i64,
        who: Who,
        actor: super::contacts::Actor,
    ) -> Result<()> {
        access::require(who, AdminAction::AccountAlerts)?;
        let user = who.user.ok_or(Error::NotFound("team member"))?;
        let now = self.clock.now();
        let done = self
            .db
            .write(move |c| -> Result<bool> {
                let done = db::alerts::dismiss(c, id, user.0, now)?;
                if done {
                    super::audit(
                        c,
                        &actor,
                        "alert.handled",
                        format!("alert {id}"),
                        String::new(),
                        now,
                    )?;
                }
                Ok(done)
            })
            .await?;
        if done {
            Ok(())
        } else {
            Err(Error::NotFound("alert not yet handled"))
        }
    }

    /// Removes what is left of messages their sender deleted more than `days` ago (the kept
    /// content and the media files): a deleted message's content lives no longer than the raw
    /// webhook payloads that carried it. Returns the versions and files removed.
    pub async fn purge_deleted_messages(&self, days: u32) -> Result<(usize, usize)> {
        let before = self.clock.now() - time::Duration::days(days.into());
        let (versions, files) = self
            .db
            .write(move |c| db::message_changes::purge_deleted(c, before))
            .await?;
        for name in &files {
            if let Err(e) = tokio::fs::remove_file(self.media_dir.join(name)).await
                && e.kind() != std::io::ErrorKind::NotFound
            {
                tracing::warn!(file = %name, error = %e, "media of a deleted message not removed");
            }
        }
        Ok((versions, files.len()))
    }
}

/// An alert FlowCRM raises about itself (a failed backup or sync): topic, event, title.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OwnAlert {
    /// The topic a later recovery clears.
    pub topic: &'static str,
    /// The failure's event name.
    pub failed: &'static str,
    /// Its title.
    pub failed_title: &'static str,
    /// The recovery's event name.
    pub ok: &'static str,
    /// Its title.
    pub ok_title: &'static str,
    /// Its detail.
    pub ok_detail: &'static str,
}

impl OwnAlert {
    /// Raises the alert (the admin banner; email to admins when set up).
    pub(crate) fn raise(
        self,
        c: &rusqlite::Connection,
        why: &str,
        now: time::OffsetDateTime,
    ) -> db::Result<()> {
        self.insert(c, "warning", self.failed, self.failed_title, why, now)
    }

    /// Clears the alert when one is in force.
    pub(crate) fn clear(
        self,
        c: &rusqlite::Connection,
        now: time::OffsetDateTime,
    ) -> db::Result<()> {
        if db::alerts::latest_severity(c, self.topic)?.is_some_and(|s| s != "info") {
            self.insert(c, "info", self.ok, self.ok_title, self.ok_detail, now)?;
        }
        Ok(())
    }

    fn insert(
        self,
        c: &rusqlite::Connection,
        severity: &str,
        event: &str,
        title: &str,
        detail: &str,
        now: time::OffsetDateTime,
    ) -> db::Result<()> {
        let alert = db::alerts::NewAlert {
            at: now,
            field: "flowcrm",
            event,
            topic: self.topic,
            severity,
            blocks_sending: false,
            title,
            detail,
            value: "",
        };
        db::alerts::insert(c, &alert, now).map(|_| ())
    }
}

//! Reading the audit log (admins): filtered pages for the browser, every matching event for the
//! CSV export and the shell, and its retention (`retention.audit_days`). Reading it as CSV is
//! itself audited.

use super::access::{self, AdminAction, Who};
use super::contacts::Actor;
use super::{Crm, Result};
use crate::db::{self, audit::AuditFilter, audit::AuditRow};

/// Events per page.
pub const PAGE: u32 = 100;

/// Most events one export holds.
pub const EXPORT_MAX: u32 = 100_000;

impl Crm {
    /// A page of events matching `f`, older than the `before` row id; the second value is the
    /// cursor of the next page, when there is one.
    pub async fn audit_page(
        &self,
        who: Who,
        f: AuditFilter,
        before: Option<i64>,
    ) -> Result<(Vec<AuditRow>, Option<i64>)> {
        access::require(who, AdminAction::Audit)?;
        let mut rows = self
            .db
            .read(move |c| db::audit::search(c, &f, before, PAGE + 1))
            .await?;
        let more = rows.len() > PAGE as usize;
        rows.truncate(PAGE as usize);
        let next = more.then(|| rows.last().map(|r| r.id)).flatten();
        Ok((rows, next))
    }

    /// Every event matching `f` (at most [`EXPORT_MAX`]), newest first, for a download; the
    /// export is recorded in the log.
    pub async fn audit_export(
        &self,
        who: Who,
        f: AuditFilter,
        actor: Actor,
    ) -> Result<Vec<AuditRow>> {
        access::require(who, AdminAction::Audit)?;
        let now = self.clock.now();
        self.db
            .write(move |c| {
                let rows = db::audit::search(c, &f, None, EXPORT_MAX)?;
                super::audit(
                    c,
                    &actor,
                    "audit.exported",
                    String::new(),
                    format!("rows={}", rows.len()),
                    now,
                )?;
                Ok(rows)
            })
            .await
    }

    /// Removes audit events older than `days` days (the hourly job).
    pub async fn purge_audit(&self, days: u32) -> Result<usize> {
        let before = self.clock.now() - time::Duration::days(days.into());
        Ok(self
            .db
            .write(move |c| db::audit::purge_before(c, before))
            .await?)
    }
}

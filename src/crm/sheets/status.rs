//! What Settings and `flowcrm sheets status|check` show: the status panel's figures and the
//! setup checklist, which tests each step in order and names the first failure.

use super::run::{STALE_LEASE, explain};
use super::{Setup, Trigger, names, setup::setup};
use crate::crm::access::{self, AdminAction, Who};
use crate::crm::{Crm, Error, Result};
use crate::db;
use crate::db::sheets::Run;
use crate::sheets::ServiceAccount;
use time::OffsetDateTime;

/// One step of the setup checklist.
#[derive(Debug, Clone)]
pub struct Step {
    /// What is checked.
    pub name: &'static str,
    /// Passed, failed, or not reached.
    pub ok: Option<bool>,
    /// What was found, or what to do.
    pub detail: String,
}

/// The setup checklist, each step tested in order; the first failure names what to fix.
#[derive(Debug, Clone, Default)]
pub struct Checklist {
    /// The steps.
    pub steps: Vec<Step>,
}

/// What the status panel shows.
#[derive(Debug, Clone)]
pub struct Status {
    /// The setup in force (or why it cannot be read).
    pub setup: std::result::Result<Setup, String>,
    /// The last successful run.
    pub last_ok: Option<Run>,
    /// The newest runs.
    pub recent: Vec<Run>,
    /// The schedule, as written.
    pub schedule: Option<String>,
    /// The next scheduled run.
    pub next: Option<OffsetDateTime>,
    /// Backing off until.
    pub backoff_until: Option<OffsetDateTime>,
    /// A run holds the lease.
    pub running: bool,
}

impl Crm {
    /// The status panel's figures (admins).
    pub async fn sheets_status(&self, who: Who) -> Result<Status> {
        access::require(who, AdminAction::SheetsSync)?;
        let rt = self.sheets_runtime()?;
        let now = self.clock.now();
        let file = rt.file.clone();
        let (setup, last_ok, recent, state) = self
            .db
            .read(move |c| {
                let setup = match setup(c, &file) {
                    Ok(s) => Ok(s),
                    Err(Error::Db(e)) => return Err(Error::Db(e)),
                    Err(e) => Err(e.to_string()),
                };
                Ok::<_, Error>((
                    setup,
                    db::sheets::last_ok(c)?,
                    db::sheets::recent_runs(c, 10)?,
                    db::sheets::state(c)?,
                ))
            })
            .await?;
        let next = rt
            .schedule
            .as_ref()
            .and_then(|s| s.next_after(now, &rt.zone));
        let backoff_until = state.next_attempt_at.filter(|t| *t > now);
        Ok(Status {
            setup,
            last_ok,
            recent,
            schedule: rt.schedule.as_ref().map(ToString::to_string),
            next: next.map(|n| backoff_until.map_or(n, |b| n.max(b))),
            backoff_until,
            running: state.running_since.is_some_and(|t| t > now - STALE_LEASE),
        })
    }

    /// Tests each setup step in order and creates missing tabs and header rows; the last step
    /// is the first sync (run now when everything before passed). Admins.
    #[allow(clippy::too_many_lines)]
    pub async fn sheets_check(
        &self,
        who: Who,
        account: Option<ServiceAccount>,
    ) -> Result<Checklist> {
        access::require(who, AdminAction::SheetsSync)?;
        let rt = self.sheets_runtime()?;
        let file = rt.file.clone();
        let mut list = Checklist::default();
        let mut step = |name, ok, detail: String| {
            list.steps.push(Step {
                name,
                ok: Some(ok),
                detail,
            });
        };
        let Some(account) = account else {
            step(
                "Service-account key",
                false,
                format!(
                    "Upload the key's JSON file below, or run `flowcrm secret set {}`.",
                    names::KEY_SECRET
                ),
            );
            return Ok(list);
        };
        step(
            "Service-account key",
            true,
            format!(
                "Parsed. Share the spreadsheet with {} as Editor.",
                account.email()
            ),
        );
        let setup = match self.db.read(move |c| setup(c, &file)).await {
            Ok(s) => s,
            Err(e) => {
                step("Spreadsheet and columns", false, e.to_string());
                return Ok(list);
            }
        };
        let Some(id) = setup.spreadsheet.clone() else {
            step(
                "Spreadsheet and columns",
                false,
                "Paste the spreadsheet's address below.".into(),
            );
            return Ok(list);
        };
        if setup.tabs().is_empty() {
            step(
                "Spreadsheet and columns",
                false,
                "Choose the columns of at least one tab below.".into(),
            );
            return Ok(list);
        }
        step(
            "Spreadsheet and columns",
            true,
            format!("Spreadsheet {id}."),
        );
        let reached = match self.sheets_client(&account, &rt).await {
            Ok(client) => client.tabs(id.as_str()).await,
            Err(e) => Err(e),
        };
        match reached {
            Ok(tabs) => step(
                "Spreadsheet reachable",
                true,
                format!("{} tab(s) found.", tabs.len()),
            ),
            Err(e) => {
                step(
                    "Spreadsheet reachable",
                    false,
                    explain(&e, account.email(), id.as_str(), None),
                );
                return Ok(list);
            }
        }
        match self
            .sheets_sync(who, Some(account.clone()), Trigger::Setup, false)
            .await
        {
            Ok(o) => {
                step(
                    "Tabs and header rows",
                    true,
                    "Present (missing ones were created).".into(),
                );
                step(
                    "First sync",
                    true,
                    format!(
                        "{} rows added, {} updated, {} deleted.",
                        o.run.added, o.run.updated, o.run.deleted
                    ),
                );
            }
            Err(e) => step("Tabs, header rows and first sync", false, e.to_string()),
        }
        Ok(list)
    }
}

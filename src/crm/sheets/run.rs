//! The sync's door: checks, the lease (one run at a time, across processes), the run record,
//! and what a failure leaves behind (plain words with Google's message, a backoff with jitter
//! after a 429 or 5xx persisted for the schedule, an admin alert for failures a person must
//! fix). The cycle itself is in `cycle`; the status panel and the setup checklist here too.

use super::{Runtime, Trigger, names, setup::setup};
use crate::crm::access::{self, AdminAction, Who};
use crate::crm::{Crm, Error, Result};
use crate::db;
use crate::db::sheets::Run;
use crate::sheets::{Client, ErrorKind, ServiceAccount};
use std::sync::Arc;
use time::{Duration, OffsetDateTime};

/// A run whose lease is older than this died with its process; another may take over.
pub(super) const STALE_LEASE: Duration = Duration::hours(1);
/// Longest backoff after repeated 429s or 5xx.
const MAX_BACKOFF_SECS: i64 = 3600;
/// The alert topic of sync failures.
const ALERT_TOPIC: &str = "sheets";

/// How a run ended (also on record in `sheets_runs`).
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The run's record.
    pub run: Run,
}

/// Why a cycle stopped.
pub(super) enum Fail {
    /// Google (or the network) failed.
    Google(crate::sheets::Error),
    /// FlowCRM's side.
    Crm(Error),
}

impl From<crate::sheets::Error> for Fail {
    fn from(e: crate::sheets::Error) -> Self {
        Self::Google(e)
    }
}

impl From<Error> for Fail {
    fn from(e: Error) -> Self {
        Self::Crm(e)
    }
}

impl From<db::Error> for Fail {
    fn from(e: db::Error) -> Self {
        Self::Crm(e.into())
    }
}

/// The backoff after `failures` failed runs in a row: 1, 2, 4 … minutes up to an hour, with
/// ±20 % jitter so several installs do not retry in step.
fn backoff(failures: u32) -> Duration {
    let base = 60i64
        .saturating_mul(1i64 << failures.saturating_sub(1).min(6))
        .min(MAX_BACKOFF_SECS);
    let jitter = crate::crypto::random_bytes::<1>().map_or(128, |b| i64::from(b[0]));
    Duration::seconds(base * (80 + jitter * 40 / 255) / 100)
}

/// The failure in plain words, with Google's message.
pub(super) fn explain(
    e: &crate::sheets::Error,
    email: &str,
    spreadsheet: &str,
    retry: Option<OffsetDateTime>,
) -> String {
    let again = retry.map_or_else(String::new, |t| {
        format!(
            " FlowCRM tries again after {} UTC.",
            t.time().to_string().get(..5).unwrap_or_default()
        )
    });
    let google = &e.message;
    match e.kind {
        ErrorKind::NotShared => format!(
            "The spreadsheet is not shared with the service account: in Google Sheets, press Share and add {email} as Editor. Google said: {google}"
        ),
        ErrorKind::NotFound => format!(
            "Google has no spreadsheet {spreadsheet}: it was deleted, or the id is wrong. Google said: {google}"
        ),
        ErrorKind::Quota => format!(
            "Google's quota was used up (60 requests a minute per service account).{again} Google said: {google}"
        ),
        ErrorKind::Server => format!("Google's servers failed.{again} Google said: {google}"),
        ErrorKind::Network => format!("Google could not be reached: {google}.{again}"),
        ErrorKind::Auth => format!("Google did not accept the service-account key: {google}"),
        ErrorKind::Key => format!("The service-account key cannot be used: {google}"),
        ErrorKind::Invalid => format!("Google did not accept a request: {google}"),
    }
}

/// The sync's alert.
const ALERT: crate::crm::alerts::OwnAlert = crate::crm::alerts::OwnAlert {
    topic: ALERT_TOPIC,
    failed: "sheets_failed",
    failed_title: "Google Sheets sync failed",
    ok: "sheets_ok",
    ok_title: "Google Sheets sync works again",
    ok_detail: "The last sync succeeded.",
};

impl Crm {
    pub(super) fn sheets_runtime(&self) -> Result<Arc<Runtime>> {
        self.sheets.clone().ok_or_else(|| {
            Error::Conflict("Google Sheets sync is not set up in this process.".into())
        })
    }

    /// A client for `account`, kept while the key and addresses stay the same (its token
    /// lasts an hour, so a run every 15 minutes asks Google for one 4 times less).
    pub(super) async fn sheets_client(
        &self,
        account: &ServiceAccount,
        rt: &Runtime,
    ) -> std::result::Result<Arc<Client>, crate::sheets::Error> {
        let print = format!(
            "{}|{}|{}|{}",
            account.email(),
            account.key_id().unwrap_or_default(),
            rt.token_uri.as_deref().unwrap_or(account.token_uri()),
            rt.api_base
        );
        let mut cached = self.sheets_client.lock().await;
        if let Some((p, c)) = cached.as_ref()
            && *p == print
        {
            return Ok(c.clone());
        }
        let client = Arc::new(
            Client::connect(account, &rt.api_base, rt.token_uri.as_deref(), rt.timeout).await?,
        );
        *cached = Some((print, client.clone()));
        Ok(client)
    }

    /// Checks an uploaded service-account key; returns its email (share the spreadsheet with
    /// it). Admins.
    pub fn check_sheets_key(&self, who: Who, json: &str) -> Result<String> {
        access::require(who, AdminAction::SheetsSync)?;
        ServiceAccount::parse(json)
            .map(|a| a.email().to_string())
            .map_err(|e| Error::Invalid(vec![crate::model::FieldError::new("key", e.message)]))
    }

    /// Syncs now (or only plans, `dry_run`). `account` is the service-account key in force
    /// (from the vault or `sheets.service_account_file`). One run at a time: another is
    /// refused with a `Conflict`; a scheduled run is also refused while backing off.
    #[tracing::instrument(skip_all, fields(trigger = trigger.as_str(), dry_run), err(Display, level = "debug"))]
    pub async fn sheets_sync(
        &self,
        who: Who,
        account: Option<ServiceAccount>,
        trigger: Trigger,
        dry_run: bool,
    ) -> Result<Outcome> {
        access::require(who, AdminAction::SheetsSync)?;
        let rt = self.sheets_runtime()?;
        let file = rt.file.clone();
        let setup = self.db.read(move |c| setup(c, &file)).await?;
        let Some(spreadsheet) = setup.spreadsheet.clone() else {
            return Err(Error::Conflict(
                "No spreadsheet is set: an admin sets it in Settings → Google Sheets.".into(),
            ));
        };
        if setup.tabs().is_empty() {
            return Err(Error::Conflict("No columns are chosen for either tab: an admin chooses them in Settings → Google Sheets.".into()));
        }
        let Some(account) = account else {
            return Err(Error::Conflict(format!(
                "No service-account key is stored: upload it in Settings → Google Sheets or run `flowcrm secret set {}`.",
                names::KEY_SECRET
            )));
        };
        let now = self.clock.now();
        let label = trigger.as_str();
        let started = self
            .db
            .write(move |c| {
                let s = db::sheets::state(c)?;
                if trigger == Trigger::Schedule && s.next_attempt_at.is_some_and(|t| t > now) {
                    return Err(Error::Conflict(
                        "Backing off after Google's last refusal.".into(),
                    ));
                }
                if !db::sheets::take_lease(c, now, now - STALE_LEASE)? {
                    return Err(Error::Conflict(
                        "A Google Sheets sync is already running.".into(),
                    ));
                }
                Ok((db::sheets::start_run(c, label, dry_run, now)?, s))
            })
            .await?;
        let (id, state) = started;
        let mut run = Run {
            id,
            trigger: label.into(),
            dry_run,
            ..Run::default()
        };
        let result = match self.sheets_client(&account, &rt).await {
            Ok(client) => {
                let before = client.requests();
                let r = self
                    .sheets_cycle(&client, &rt, &setup, &state.layout, dry_run, &mut run)
                    .await;
                run.requests = client.requests() - before;
                r
            }
            Err(e) => Err(Fail::Google(e)),
        };
        self.sheets_finish(
            run,
            result,
            state.failures,
            account.email(),
            spreadsheet.as_str(),
        )
        .await
    }

    async fn sheets_finish(
        &self,
        mut run: Run,
        result: std::result::Result<(), Fail>,
        failures: u32,
        email: &str,
        spreadsheet: &str,
    ) -> Result<Outcome> {
        let now = self.clock.now();
        let mut crm_error = None;
        let mut backoff_until = None;
        match result {
            Ok(()) => run.ok = Some(true),
            Err(Fail::Google(e)) => {
                let retry = e.kind.backs_off().then(|| now + backoff(failures + 1));
                backoff_until = retry;
                run.ok = Some(false);
                run.error_kind = Some(e.kind.as_str().into());
                run.error = Some(explain(&e, email, spreadsheet, retry));
            }
            Err(Fail::Crm(e)) => {
                run.ok = Some(false);
                run.error_kind = Some("flowcrm".into());
                run.error = Some(e.to_string());
                crm_error = Some(e);
            }
        }
        let record = run.clone();
        self.db
            .write(move |c| {
                db::sheets::finish_run(c, &record, now)?;
                db::sheets::release_lease(c)?;
                if record.dry_run {
                    return Ok::<_, db::Error>(());
                }
                if record.ok == Some(true) {
                    db::sheets::set_backoff(c, 0, None)?;
                    ALERT.clear(c, now)?;
                } else if let Some(until) = backoff_until {
                    db::sheets::set_backoff(c, failures + 1, Some(until))?;
                    if failures + 1 >= 3 {
                        ALERT.raise(c, record.error.as_deref().unwrap_or_default(), now)?;
                    }
                } else if let Some(why) = &record.error {
                    ALERT.raise(c, why, now)?;
                }
                Ok(())
            })
            .await?;
        match (crm_error, run.ok) {
            (Some(e), _) => Err(e),
            (None, Some(true)) => Ok(Outcome { run }),
            (None, _) => Err(Error::Google(run.error.unwrap_or_default())),
        }
    }
}

//! The business hours: read by everyone (the reports say what business hours mean), set by
//! admins. Saved hours apply to events recorded from then on; the figures already recorded
//! keep the business seconds they were written with.

use super::record;
use crate::crm::access::{self, AdminAction, Who};
use crate::crm::contacts::Actor;
use crate::crm::{Crm, Error, Result};
use crate::db;
use crate::model::hours::{BusinessHours, HoursInput};

/// The hours in force and whether the owner saved them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoursView {
    /// The hours.
    pub hours: BusinessHours,
    /// Saved by the owner (else the default).
    pub saved: bool,
}

impl Crm {
    /// The satisfaction survey setting (every signed-in role).
    pub async fn csat_settings(&self, who: Who) -> Result<db::reports::CsatSettings> {
        access::may_read(who)?;
        Ok(self.db.read(db::reports::csat_settings).await?)
    }

    /// Turns the satisfaction survey on or off and sets its question (admins).
    pub async fn save_csat(
        &self,
        who: Who,
        enabled: bool,
        question: String,
        ip: String,
    ) -> Result<()> {
        access::require(who, AdminAction::BusinessHours)?;
        let s = super::csat::check(enabled, &question).map_err(Error::Invalid)?;
        let now = self.clock.now();
        self.db
            .write(move |c| {
                db::reports::save_csat(c, &s, who.user.map(|u| u.0), now)?;
                let actor = Actor { user: who.user, ip };
                let detail = if s.enabled { "on" } else { "off" }.to_string();
                crate::crm::audit(c, &actor, "settings.csat", String::new(), detail, now)?;
                Ok::<_, Error>(())
            })
            .await
    }

    /// The business hours in force (every signed-in role).
    pub async fn business_hours(&self, who: Who) -> Result<HoursView> {
        access::may_read(who)?;
        self.db
            .read(|c| {
                let saved = db::reports::hours(c)?;
                Ok(HoursView {
                    saved: saved.is_some(),
                    hours: saved.map_or_else(|| record::hours(c), Ok)?,
                })
            })
            .await
    }

    /// Saves the business hours (admins); every problem listed at once, nothing saved then.
    pub async fn save_business_hours(
        &self,
        who: Who,
        input: HoursInput,
        ip: String,
    ) -> Result<BusinessHours> {
        access::require(who, AdminAction::BusinessHours)?;
        let hours = input.parse().map_err(Error::Invalid)?;
        let now = self.clock.now();
        let saved = hours.clone();
        self.db
            .write(move |c| {
                let by = who.user.map(|u| u.0);
                db::reports::save_hours(c, &saved, by, now)?;
                let actor = Actor { user: who.user, ip };
                let detail = format!("zone {}, {} holidays", saved.zone, saved.holidays.len());
                crate::crm::audit(
                    c,
                    &actor,
                    "settings.business_hours",
                    String::new(),
                    detail,
                    now,
                )?;
                Ok::<_, Error>(())
            })
            .await?;
        Ok(hours)
    }
}

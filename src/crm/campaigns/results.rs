//! What a campaign shows: the preview (audience, who is left out and why, the estimate) and,
//! once started, its funnel, failures by code, actual cost and recipients (CSV too).

use super::audience;
use super::cost::{self, Cost};
use super::input::template_use;
use super::{Crm, Error, Result, access, get};
use crate::crm::access::Who;
use crate::db::{
    self, campaigns::Campaign, campaigns::Funnel, campaigns::RecipientRow, campaigns::Stage,
};
use crate::model::campaign::LeftOut;
use crate::model::{Now, Zone};
use rusqlite::Connection;
use time::OffsetDateTime;

/// Names listed per left-out reason in a preview.
pub const SAMPLE: usize = 20;

/// A campaign with its results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detail {
    /// The campaign.
    pub campaign: Campaign,
    /// The funnel (zeros before it starts).
    pub funnel: Funnel,
    /// Failures by error code.
    pub errors: Vec<(i64, i64)>,
    /// What Meta charged so far, priced with the rate table.
    pub actual: Cost,
}

/// Contacts left out for one reason: the reason, how many, the first few (contact id, name).
pub type LeftOutGroup = (LeftOut, i64, Vec<(i64, String)>);

/// Who a campaign reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    /// The template's category.
    pub category: String,
    /// Contacts who get it.
    pub recipients: i64,
    /// Left out: reason, count, the first few (contact id, name).
    pub left_out: Vec<LeftOutGroup>,
    /// The estimated cost.
    pub estimate: Cost,
    /// The audience as recorded when the campaign started (not computed now).
    pub recorded: bool,
}

fn rates(conn: &Connection) -> Result<(Vec<db::campaigns::rates::Rate>, String, bool)> {
    let (currency, example) = db::campaigns::rates::currency(conn)?;
    Ok((db::campaigns::rates::list(conn)?, currency, example))
}

pub(super) fn detail(conn: &Connection, c: Campaign) -> Result<Detail> {
    let (rates, currency, example) = rates(conn)?;
    let charged = db::campaigns::charged(conn, c.id)?;
    Ok(Detail {
        funnel: db::campaigns::funnel(conn, c.id)?,
        errors: db::campaigns::error_codes(conn, c.id)?,
        actual: cost::actual(charged, &rates, &currency, example),
        campaign: c,
    })
}

pub(super) fn preview(
    conn: &Connection,
    c: &Campaign,
    zone: &Zone,
    now: OffsetDateTime,
) -> Result<Preview> {
    let (rates, currency, example) = rates(conn)?;
    if c.started_at.is_some() {
        let members = db::campaigns::members(conn, c.id)?;
        let mut left_out = Vec::new();
        for (reason, n) in &c.left_out {
            let sample = db::campaigns::skipped(conn, c.id, *reason, SAMPLE)?;
            left_out.push((*reason, *n, sample));
        }
        return Ok(Preview {
            category: c.category.clone(),
            recipients: members.iter().map(|(_, _, n)| n).sum(),
            estimate: cost::estimate_counted(
                members.iter().map(|(m, open, n)| (m.as_str(), *open, *n)),
                &c.category,
                &rates,
                &currency,
                example,
            ),
            left_out,
            recorded: true,
        });
    }
    let t = template_use(conn, &c.template_name, &c.template_language)?;
    let zone_now = Now {
        at: now,
        zone: zone.clone(),
    };
    let a = audience::take(conn, c, &t, &zone_now, now)?;
    Ok(Preview {
        category: t.category.clone(),
        recipients: i64::try_from(a.members.len()).unwrap_or(i64::MAX),
        estimate: cost::estimate(&a.members, &t.category, &rates, &currency, example),
        left_out: a
            .left_out
            .into_iter()
            .map(|(r, who)| {
                let n = i64::try_from(who.len()).unwrap_or(i64::MAX);
                let sample = who
                    .into_iter()
                    .take(SAMPLE)
                    .map(|(id, name, _)| (id, name))
                    .collect();
                (r, n, sample)
            })
            .collect(),
        recorded: false,
    })
}

/// Recipients on one page of the list.
pub const PAGE: u32 = 100;

impl Crm {
    /// A page of a campaign's recipients at `stage`, after contact `after` (every role).
    pub async fn campaign_recipients(
        &self,
        who: Who,
        id: i64,
        stage: Stage,
        after: i64,
    ) -> Result<Vec<RecipientRow>> {
        access::may_read(who)?;
        self.db
            .read(move |c| {
                get(c, id)?;
                Ok(db::campaigns::recipients(c, id, stage, after, PAGE)?)
            })
            .await
    }

    /// A campaign's recipients at `stage` as table rows for a CSV export (admins: it is a list
    /// export), with each one's funnel stage, error code, reply and opt-out times (UTC); the
    /// first row names the columns.
    pub async fn campaign_rows(
        &self,
        who: Who,
        id: i64,
        stage: Stage,
    ) -> Result<Vec<[String; 10]>> {
        access::require(who, access::AdminAction::Export)?;
        self.db
            .read(move |c| {
                get(c, id)?;
                let mut out = vec![
                    [
                        "contact_id",
                        "name",
                        "address",
                        "market",
                        "stage",
                        "left_out_reason",
                        "error_code",
                        "queued_at",
                        "replied_at",
                        "opted_out_at",
                    ]
                    .map(String::from),
                ];
                let ts = |t: Option<OffsetDateTime>| {
                    t.and_then(|t| {
                        t.format(&time::format_description::well_known::Rfc3339)
                            .ok()
                    })
                    .unwrap_or_default()
                };
                let mut after = 0;
                loop {
                    let rows = db::campaigns::recipients(c, id, stage, after, 1000)?;
                    let Some(last) = rows.last() else { break };
                    after = last.contact_id;
                    out.extend(rows.iter().map(|r| {
                        [
                            r.contact_id.to_string(),
                            r.name.clone(),
                            r.address.clone(),
                            r.market.clone(),
                            r.stage().to_string(),
                            r.reason.clone().unwrap_or_default(),
                            r.error_code.map(|c| c.to_string()).unwrap_or_default(),
                            ts(r.queued_at),
                            ts(r.replied_at),
                            ts(r.opted_out_at),
                        ]
                    }));
                }
                Ok::<_, Error>(out)
            })
            .await
    }
}

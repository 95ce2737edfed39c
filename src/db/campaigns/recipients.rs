//! A started campaign's recipients: writing its audience, handing out turns, marking each
//! queued or skipped, cancelling the rest.

use crate::db::{Result, to_ts};
use crate::model::campaign::LeftOut;
use rusqlite::{Connection, params};
use time::OffsetDateTime;

/// A recipient row to write when the audience is taken.
#[derive(Debug, Clone, Copy)]
pub struct NewRecipient<'a> {
    /// Contact.
    pub contact_id: i64,
    /// Why they are left out; `None`: they get it.
    pub reason: Option<LeftOut>,
    /// Their pricing market.
    pub market: &'a str,
    /// The variables' values for them (JSON array), when they get it.
    pub params: Option<&'a str>,
    /// Their customer-service window was open when the campaign started.
    pub window_open: bool,
}

/// Writes the audience of a campaign.
pub fn insert_recipients(
    conn: &Connection,
    campaign: i64,
    rows: &[NewRecipient<'_>],
) -> Result<()> {
    let sql = "INSERT INTO campaign_recipients
                   (campaign_id, contact_id, state, reason, market, params, window_open)
               VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
    let mut stmt = conn.prepare_cached(sql)?;
    for r in rows {
        let state = if r.reason.is_some() {
            "skipped"
        } else {
            "pending"
        };
        stmt.execute(params![
            campaign,
            r.contact_id,
            state,
            r.reason.map(LeftOut::as_str),
            r.market,
            r.params,
            r.window_open
        ])?;
    }
    // The counters (V31), once for the whole audience; the triggers keep them from here.
    let sql = "INSERT INTO campaign_counts
               SELECT campaign_id, market, state, rank, COALESCE(error_code, 0),
                      COALESCE(charged, ''), replied_at IS NOT NULL, opted_out_at IS NOT NULL,
                      window_open, COUNT(*)
               FROM campaign_recipients WHERE campaign_id = ?1 GROUP BY 2, 3, 4, 5, 6, 7, 8, 9
               ON CONFLICT DO UPDATE SET n = excluded.n";
    conn.prepare_cached(sql)?.execute([campaign])?;
    Ok(())
}

/// A recipient whose turn came: the contact as they are now, and their variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turn {
    /// Contact id.
    pub contact_id: i64,
    /// The variables' values (JSON array).
    pub params: String,
    /// Consent now.
    pub opt_in: crate::model::OptIn,
    /// Processing restricted now.
    pub restricted: bool,
}

/// The next `limit` recipients waiting for their turn, with their consent and restriction as
/// they are now (either may have changed since the campaign started).
pub fn pending(conn: &Connection, campaign: i64, limit: u32) -> Result<Vec<Turn>> {
    let sql = "SELECT r.contact_id, COALESCE(r.params, '[]'), k.opt_in, k.restricted_at IS NOT NULL
               FROM campaign_recipients r JOIN contacts k ON k.id = r.contact_id
               WHERE r.campaign_id = ?1 AND r.state = 'pending'
               ORDER BY r.contact_id LIMIT ?2";
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params![campaign, limit], |r| {
        Ok(Turn {
            contact_id: r.get(0)?,
            params: r.get(1)?,
            opt_in: r
                .get::<_, String>(2)?
                .parse()
                .unwrap_or(crate::model::OptIn::Unknown),
            restricted: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A recipient's message was queued.
pub fn mark_queued(
    conn: &Connection,
    campaign: i64,
    contact: i64,
    message_id: i64,
    now: OffsetDateTime,
) -> Result<()> {
    let sql = "UPDATE campaign_recipients SET state = 'queued', message_id = ?3, queued_at = ?4
               WHERE campaign_id = ?1 AND contact_id = ?2";
    conn.prepare_cached(sql)?
        .execute(params![campaign, contact, message_id, to_ts(now)])?;
    Ok(())
}

/// A recipient turned out not to be sendable when their turn came.
pub fn mark_skipped(conn: &Connection, campaign: i64, contact: i64, reason: LeftOut) -> Result<()> {
    let sql = "UPDATE campaign_recipients SET state = 'skipped', reason = ?3
               WHERE campaign_id = ?1 AND contact_id = ?2";
    conn.prepare_cached(sql)?
        .execute(params![campaign, contact, reason.as_str()])?;
    Ok(())
}

/// Campaign messages the sender has not finished with (queued, being sent, or not settled).
pub fn in_outbox(conn: &Connection, campaign: i64) -> Result<i64> {
    let sql =
        "SELECT COUNT(*) FROM outbox WHERE campaign_id = ?1 AND state IN ('queued', 'sending')";
    Ok(conn
        .prepare_cached(sql)?
        .query_row([campaign], |r| r.get(0))?)
}

/// Recipients still waiting for their turn.
pub fn pending_count(conn: &Connection, campaign: i64) -> Result<i64> {
    let sql =
        "SELECT COUNT(*) FROM campaign_recipients WHERE campaign_id = ?1 AND state = 'pending'";
    Ok(conn
        .prepare_cached(sql)?
        .query_row([campaign], |r| r.get(0))?)
}

/// Cancels whoever has not been sent to: pending recipients, and queued messages the sender has
/// not picked up (their message rows are removed: they were never sent). Returns how many.
pub fn cancel_rest(conn: &Connection, campaign: i64) -> Result<usize> {
    let mut n = conn
        .prepare_cached(
            "UPDATE campaign_recipients SET state = 'cancelled' WHERE campaign_id = ?1 AND state = 'pending'",
        )?
        .execute([campaign])?;
    n += conn
        .prepare_cached(
            "UPDATE campaign_recipients SET state = 'cancelled'
             WHERE campaign_id = ?1 AND message_id IN
                   (SELECT message_id FROM outbox WHERE campaign_id = ?1 AND state = 'queued')",
        )?
        .execute([campaign])?;
    conn.prepare_cached(
        "DELETE FROM messages WHERE id IN (SELECT message_id FROM outbox WHERE campaign_id = ?1 AND state = 'queued')",
    )?
    .execute([campaign])?;
    Ok(n)
}

/// The recipients who got (or are getting) a started campaign, counted by market and by
/// whether their customer-service window was open when it started: (market, open, contacts),
/// for its estimate.
pub fn members(conn: &Connection, campaign: i64) -> Result<Vec<(String, bool, i64)>> {
    let sql = "SELECT market, window_open, SUM(n) FROM campaign_counts
               WHERE campaign_id = ?1 AND state IN ('pending', 'queued')
               GROUP BY 1, 2 HAVING SUM(n) > 0 ORDER BY 1, 2";
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([campaign], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The first `limit` contacts left out of a started campaign for `reason`: (id, name).
pub fn skipped(
    conn: &Connection,
    campaign: i64,
    reason: LeftOut,
    limit: usize,
) -> Result<Vec<(i64, String)>> {
    let sql = "SELECT r.contact_id, COALESCE(NULLIF(k.name, ''), NULLIF(k.profile_name, ''), k.phone, k.bsuid, '')
               FROM campaign_recipients r JOIN contacts k ON k.id = r.contact_id
               WHERE r.campaign_id = ?1 AND r.state = 'skipped' AND r.reason = ?2
               ORDER BY r.contact_id LIMIT ?3";
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(
        params![
            campaign,
            reason.as_str(),
            i64::try_from(limit).unwrap_or(i64::MAX)
        ],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

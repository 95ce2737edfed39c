//! A campaign's funnel, failures and charged messages from the counters the V31 triggers keep
//! (a few rows, whatever the audience), and its per-recipient list from the columns the V30
//! triggers copy from the messages.

use crate::db::{Result, from_ts};
use rusqlite::{Connection, params};
use time::OffsetDateTime;

/// Counts along the funnel. Each stage counts everyone who reached it (a read message was
/// delivered and sent), so statuses that arrive out of order count the same.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Funnel {
    /// Everyone in the audience when it started.
    pub audience: i64,
    /// Left out (with a reason).
    pub skipped: i64,
    /// Waiting for their turn.
    pub pending: i64,
    /// Handed to the sender.
    pub queued: i64,
    /// Accepted by WhatsApp.
    pub sent: i64,
    /// Delivered to the phone.
    pub delivered: i64,
    /// Read.
    pub read: i64,
    /// Wrote back within 72 hours.
    pub replied: i64,
    /// Failed (see the error codes).
    pub failed: i64,
    /// Opted out within 72 hours.
    pub opted_out: i64,
    /// Cancelled before they were sent to.
    pub cancelled: i64,
}

/// A funnel stage, to list its recipients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Everyone.
    All,
    /// Waiting.
    Pending,
    /// Handed to the sender.
    Queued,
    /// Accepted.
    Sent,
    /// Delivered.
    Delivered,
    /// Read.
    Read,
    /// Replied.
    Replied,
    /// Failed.
    Failed,
    /// Opted out.
    OptedOut,
    /// Left out.
    Skipped,
    /// Cancelled.
    Cancelled,
}

impl Stage {
    /// Every stage with its query name.
    pub const ALL: [(Self, &'static str); 11] = [
        (Self::All, "all"),
        (Self::Pending, "pending"),
        (Self::Queued, "queued"),
        (Self::Sent, "sent"),
        (Self::Delivered, "delivered"),
        (Self::Read, "read"),
        (Self::Replied, "replied"),
        (Self::Failed, "failed"),
        (Self::OptedOut, "opted_out"),
        (Self::Skipped, "skipped"),
        (Self::Cancelled, "cancelled"),
    ];

    /// Parses a query name.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().find(|(_, n)| *n == s).map(|(v, _)| *v)
    }

    /// The query name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(v, _)| *v == self)
            .map_or("all", |(_, n)| n)
    }

    fn clause(self) -> &'static str {
        match self {
            Self::All => "1",
            Self::Pending => "r.state = 'pending'",
            Self::Queued => "r.state = 'queued'",
            Self::Sent => "r.state = 'queued' AND (r.rank = 1 OR r.rank >= 3)",
            Self::Delivered => "r.rank >= 3",
            Self::Read => "r.rank >= 4",
            Self::Replied => "r.replied_at IS NOT NULL",
            Self::Failed => "r.rank = 2",
            Self::OptedOut => "r.opted_out_at IS NOT NULL",
            Self::Skipped => "r.state = 'skipped'",
            Self::Cancelled => "r.state = 'cancelled'",
        }
    }
}

/// The funnel of a campaign.
pub fn funnel(conn: &Connection, campaign: i64) -> Result<Funnel> {
    let sql = "SELECT TOTAL(n), TOTAL(n * (state = 'skipped')), TOTAL(n * (state = 'pending')),
                      TOTAL(n * (state = 'queued')),
                      TOTAL(n * (state = 'queued' AND (rank = 1 OR rank >= 3))),
                      TOTAL(n * (rank >= 3)), TOTAL(n * (rank >= 4)), TOTAL(n * replied),
                      TOTAL(n * (rank = 2)), TOTAL(n * opted_out), TOTAL(n * (state = 'cancelled'))
               FROM campaign_counts WHERE campaign_id = ?1";
    #[allow(clippy::cast_possible_truncation)]
    let n = |r: &rusqlite::Row<'_>, i: usize| -> rusqlite::Result<i64> {
        Ok(r.get::<_, f64>(i)? as i64)
    };
    Ok(conn.prepare_cached(sql)?.query_row([campaign], |r| {
        Ok(Funnel {
            audience: n(r, 0)?,
            skipped: n(r, 1)?,
            pending: n(r, 2)?,
            queued: n(r, 3)?,
            sent: n(r, 4)?,
            delivered: n(r, 5)?,
            read: n(r, 6)?,
            replied: n(r, 7)?,
            failed: n(r, 8)?,
            opted_out: n(r, 9)?,
            cancelled: n(r, 10)?,
        })
    })?)
}

/// Failures by Meta's error code (0: FlowCRM's own), most frequent first.
pub fn error_codes(conn: &Connection, campaign: i64) -> Result<Vec<(i64, i64)>> {
    let sql = "SELECT error_code, SUM(n) FROM campaign_counts
               WHERE campaign_id = ?1 AND rank = 2 GROUP BY 1 HAVING SUM(n) > 0 ORDER BY 2 DESC, 1";
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([campaign], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Messages Meta charged, by (market, category): the actual cost's counts.
pub fn charged(conn: &Connection, campaign: i64) -> Result<Vec<(String, String, i64)>> {
    let sql = "SELECT market, charged, SUM(n) FROM campaign_counts
               WHERE campaign_id = ?1 AND charged != '' GROUP BY 1, 2 HAVING SUM(n) > 0
               ORDER BY 1, 2";
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([campaign], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One recipient as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientRow {
    /// Contact id.
    pub contact_id: i64,
    /// Best name.
    pub name: String,
    /// Phone or WhatsApp user id.
    pub address: String,
    /// pending, queued, skipped, cancelled.
    pub state: String,
    /// Why they were left out.
    pub reason: Option<String>,
    /// Their market.
    pub market: String,
    /// Message status rank (1 sent, 2 failed, 3 delivered, 4 read).
    pub rank: i64,
    /// Meta's error code on failure.
    pub error_code: Option<i64>,
    /// When their message was queued.
    pub queued_at: Option<OffsetDateTime>,
    /// When they replied.
    pub replied_at: Option<OffsetDateTime>,
    /// When they opted out.
    pub opted_out_at: Option<OffsetDateTime>,
    /// The conversation the message went into.
    pub conversation_id: Option<i64>,
}

impl RecipientRow {
    /// Where they are in the funnel, in words: left out, cancelled, pending, failed, read,
    /// delivered, sent or queued.
    #[must_use]
    pub fn stage(&self) -> &'static str {
        match (self.state.as_str(), self.rank) {
            ("skipped", _) => "left out",
            ("cancelled", _) => "cancelled",
            ("pending", _) => "pending",
            (_, 2) => "failed",
            (_, 4..) => "read",
            (_, 3) => "delivered",
            (_, 1) => "sent",
            _ => "queued",
        }
    }
}

/// Recipients at `stage`, by contact id after `after`.
pub fn recipients(
    conn: &Connection,
    campaign: i64,
    stage: Stage,
    after: i64,
    limit: u32,
) -> Result<Vec<RecipientRow>> {
    let sql = format!(
        "SELECT r.contact_id, COALESCE(NULLIF(k.name, ''), NULLIF(k.profile_name, ''), k.phone, k.bsuid, ''),
                COALESCE(k.phone, k.bsuid, ''), r.state, r.reason, r.market, r.rank, r.error_code,
                r.queued_at, r.replied_at, r.opted_out_at,
                (SELECT conversation_id FROM messages m WHERE m.id = r.message_id)
         FROM campaign_recipients r JOIN contacts k ON k.id = r.contact_id
         WHERE r.campaign_id = ?1 AND r.contact_id > ?2 AND {}
         ORDER BY r.contact_id LIMIT ?3",
        stage.clause()
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![campaign, after, limit], |r| {
        Ok(RecipientRow {
            contact_id: r.get(0)?,
            name: r.get(1)?,
            address: r.get(2)?,
            state: r.get(3)?,
            reason: r.get(4)?,
            market: r.get(5)?,
            rank: r.get(6)?,
            error_code: r.get(7)?,
            queued_at: r.get::<_, Option<i64>>(8)?.map(from_ts),
            replied_at: r.get::<_, Option<i64>>(9)?.map(from_ts),
            opted_out_at: r.get::<_, Option<i64>>(10)?.map(from_ts),
            conversation_id: r.get(11)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

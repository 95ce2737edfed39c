//! What deciding a campaign's audience needs to know about every contact, in a few passes.

use crate::db::{Result, from_ts, to_ts};
use crate::model::OptIn;
use rusqlite::{Connection, params};
use std::collections::{HashMap, HashSet};
use time::OffsetDateTime;

/// One contact, as the audience rules see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    /// Contact id.
    pub id: i64,
    /// E.164 phone.
    pub phone: Option<String>,
    /// WhatsApp user id.
    pub bsuid: Option<String>,
    /// Name the business gave.
    pub name: String,
    /// WhatsApp profile name.
    pub profile_name: String,
    /// Email.
    pub email: Option<String>,
    /// Consent.
    pub opt_in: OptIn,
    /// Processing restricted.
    pub restricted: bool,
    /// Their last message to the business, any number.
    pub last_inbound_at: Option<OffsetDateTime>,
}

/// The facts of the contacts in `ids` (all of them when `ids` is `None`), by id.
pub fn facts<S: std::hash::BuildHasher>(
    conn: &Connection,
    ids: Option<&HashSet<i64, S>>,
) -> Result<Vec<Facts>> {
    let sql = "SELECT k.id, k.phone, k.bsuid, k.name, k.profile_name, k.email, k.opt_in,
                      k.restricted_at IS NOT NULL, w.last_in
               FROM contacts k
               LEFT JOIN (SELECT contact_id, MAX(last_inbound_at) AS last_in FROM conversations
                          GROUP BY contact_id) w ON w.contact_id = k.id
               ORDER BY k.id";
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::with_capacity(ids.map_or(1024, HashSet::len));
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        if ids.is_some_and(|s| !s.contains(&id)) {
            continue;
        }
        let opt_in: String = r.get(6)?;
        out.push(Facts {
            id,
            phone: r.get(1)?,
            bsuid: r.get(2)?,
            name: r.get(3)?,
            profile_name: r.get(4)?,
            email: r.get(5)?,
            opt_in: opt_in.parse().unwrap_or(OptIn::Unknown),
            restricted: r.get(7)?,
            last_inbound_at: r.get::<_, Option<i64>>(8)?.map(from_ts),
        });
    }
    Ok(out)
}

/// Contacts another marketing campaign (not `except`) queued a message for since `since`.
pub fn capped_since(conn: &Connection, since: OffsetDateTime, except: i64) -> Result<HashSet<i64>> {
    let sql =
        "SELECT r.contact_id FROM campaign_recipients r JOIN campaigns c ON c.id = r.campaign_id
               WHERE c.category = 'MARKETING' AND r.campaign_id <> ?2 AND r.state = 'queued'
                 AND r.queued_at >= ?1";
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params![to_ts(since), except], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Every contact's value of custom field `key`.
pub fn custom_values(conn: &Connection, key: &str) -> Result<HashMap<i64, String>> {
    let sql = "SELECT v.contact_id, v.value FROM contact_field_values v
               JOIN custom_fields f ON f.id = v.field_id WHERE f.key = ?1";
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([key], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

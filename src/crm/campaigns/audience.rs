//! Who a campaign reaches: the contacts of its segments minus its exclusion segments, each
//! either a member (with their variables and pricing market) or left out for the first reason
//! that applies (`LeftOut::ALL` order). The same rules decide the preview and the send, and are
//! checked again for each recipient when their turn comes (`feed`).

use super::input::TemplateUse;
use crate::crm::{Result, consent, subject::restrict};
use crate::db::{self, campaigns::Campaign, campaigns::Facts};
use crate::model::campaign::{Binding, LeftOut, first_name, market_of};
use crate::model::{Now, SERVICE_WINDOW, check_param};
use rusqlite::Connection;
use std::collections::{BTreeMap, HashMap, HashSet};
use time::{Duration, OffsetDateTime};

/// Default frequency cap for marketing campaigns, in hours (`campaigns.cap_hours`).
pub const DEFAULT_CAP_HOURS: i64 = 24;

/// A contact who gets the campaign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Contact id.
    pub contact_id: i64,
    /// Pricing market.
    pub market: &'static str,
    /// The variables' values.
    pub params: Vec<String>,
    /// Their customer-service window is open (a utility template is free then).
    pub window_open: bool,
}

/// The audience of a campaign.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Audience {
    /// Who gets it, by contact id.
    pub members: Vec<Member>,
    /// Who does not, by reason: (contact id, name, market).
    pub left_out: BTreeMap<LeftOut, Vec<(i64, String, &'static str)>>,
}

impl Audience {
    /// How many are left out for each reason.
    #[must_use]
    pub fn counts(&self) -> BTreeMap<LeftOut, i64> {
        self.left_out
            .iter()
            .map(|(k, v)| (*k, i64::try_from(v.len()).unwrap_or(i64::MAX)))
            .collect()
    }
}

/// The frequency cap in force (hours; 0: none).
pub fn cap_hours(conn: &Connection) -> Result<i64> {
    Ok(db::settings::get(conn, "campaigns.cap_hours")?
        .and_then(|s| s.value.parse().ok())
        .unwrap_or(DEFAULT_CAP_HOURS))
}

fn ids_of(conn: &Connection, segments: &[i64], now: &Now) -> Result<HashSet<i64>> {
    let mut out = HashSet::new();
    for id in segments {
        let s = db::segments::get(conn, *id)?.ok_or(crate::crm::Error::NotFound("segment"))?;
        out.extend(db::contacts::ids_matching(conn, s.filter()?, now)?);
    }
    Ok(out)
}

/// The value of `binding` for contact `f`, or `None` when it would be empty.
fn value_of(f: &Facts, b: &Binding, custom: &HashMap<String, HashMap<i64, String>>) -> String {
    let (field, fallback) = match b {
        Binding::Text { text } => return text.clone(),
        Binding::Field { field, fallback } => (field.as_str(), fallback.as_str()),
    };
    let name = [&f.name, &f.profile_name]
        .into_iter()
        .find(|n| !n.trim().is_empty())
        .map_or("", |n| n.trim());
    let v = match field {
        "name" => name.to_string(),
        "first_name" => first_name(name).to_string(),
        "phone" => f.phone.clone().unwrap_or_default(),
        "email" => f.email.clone().unwrap_or_default(),
        other => other
            .strip_prefix("field:")
            .and_then(|k| custom.get(k))
            .and_then(|m| m.get(&f.id))
            .cloned()
            .unwrap_or_default(),
    };
    if v.trim().is_empty() {
        fallback.to_string()
    } else {
        v.trim().to_string()
    }
}

/// The variables for contact `f`, or `None` when one would be refused by WhatsApp.
fn params_of(
    f: &Facts,
    bindings: &[Binding],
    custom: &HashMap<String, HashMap<i64, String>>,
) -> Option<Vec<String>> {
    let mut out = Vec::with_capacity(bindings.len());
    for (i, b) in bindings.iter().enumerate() {
        let v = value_of(f, b, custom);
        let mut e = Vec::new();
        check_param(&mut e, i + 1, &v);
        if !e.is_empty() {
            return None;
        }
        out.push(v);
    }
    Some(out)
}

/// Takes the audience of `c` (with template `t`) as of `now`.
pub fn take(
    conn: &Connection,
    c: &Campaign,
    t: &TemplateUse,
    zone_now: &Now,
    now: OffsetDateTime,
) -> Result<Audience> {
    let mut ids = ids_of(conn, &c.include, zone_now)?;
    for id in ids_of(conn, &c.exclude, zone_now)? {
        ids.remove(&id);
    }
    let capped = match cap_hours(conn)? {
        h if h > 0 && t.category == "MARKETING" => {
            db::campaigns::capped_since(conn, now - Duration::hours(h), c.id)?
        }
        _ => HashSet::new(),
    };
    let mut custom = HashMap::new();
    for key in c.variables.iter().filter_map(Binding::custom_key) {
        if !custom.contains_key(key) {
            custom.insert(key.to_string(), db::campaigns::custom_values(conn, key)?);
        }
    }
    let facts = db::campaigns::facts(conn, Some(&ids))?;
    let mut out = Audience {
        members: Vec::with_capacity(facts.len()),
        left_out: BTreeMap::new(),
    };
    for f in facts {
        let market = market_of(f.phone.as_deref());
        let params = params_of(&f, &c.variables, &custom);
        let reason = if restrict::excludes(restrict::Purpose::Broadcast, f.restricted) {
            Some(LeftOut::Restricted)
        } else if f.phone.is_none() && f.bsuid.is_none() {
            Some(LeftOut::NoIdentity)
        } else if let Some(r) = consent::broadcast_allowed(f.opt_in, &t.category, c.allow_unknown) {
            Some(r)
        } else if capped.contains(&f.id) {
            Some(LeftOut::Capped)
        } else if params.is_none() {
            Some(LeftOut::InvalidVariables)
        } else {
            None
        };
        match (reason, params) {
            (None, Some(params)) => out.members.push(Member {
                contact_id: f.id,
                market,
                params,
                window_open: f.last_inbound_at.is_some_and(|t| now - t < SERVICE_WINDOW),
            }),
            (r, _) => {
                let name = [&f.name, &f.profile_name]
                    .into_iter()
                    .find(|n| !n.trim().is_empty())
                    .cloned()
                    .or_else(|| f.phone.clone())
                    .or_else(|| f.bsuid.clone())
                    .unwrap_or_default();
                out.left_out
                    .entry(r.unwrap_or(LeftOut::InvalidVariables))
                    .or_default()
                    .push((f.id, name, market));
            }
        }
    }
    Ok(out)
}

/// One contact as `c` would treat them: their facts and variables (`None` when a variable
/// would be refused), or `None` when there is no such contact.
pub fn one(
    conn: &Connection,
    c: &Campaign,
    contact: i64,
) -> Result<Option<(Facts, Option<Vec<String>>)>> {
    let mut custom = HashMap::new();
    for key in c.variables.iter().filter_map(Binding::custom_key) {
        if !custom.contains_key(key) {
            custom.insert(key.to_string(), db::campaigns::custom_values(conn, key)?);
        }
    }
    let ids = HashSet::from([contact]);
    Ok(db::campaigns::facts(conn, Some(&ids))?
        .into_iter()
        .next()
        .map(|f| {
            let params = params_of(&f, &c.variables, &custom);
            (f, params)
        }))
}

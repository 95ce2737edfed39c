//! The contacts list: a `ContactFilter` as SQL (search through the trigram index, tags, custom fields, consent, orders, last message), in stable pages for every sort order, and its counts.

use super::*;
use crate::db::{Result, from_ts, to_ts};
use crate::model::{Contact, ContactFilter, ContactSort, FieldCondition, FieldOp, Now};
use rusqlite::types::Value;
use rusqlite::{Connection, params};
use time::OffsetDateTime;

/// A contact as listed.
#[derive(Debug, Clone)]
pub struct ListRow {
    /// The contact.
    pub contact: Contact,
    /// Last message either way, if any.
    pub last_message_at: Option<OffsetDateTime>,
}

/// Where a page of contacts ends: the sort key of its last row and its id. Its text form is
/// `t<unix>.<id>` (time sorts) or `n<hex of name key>.<id>` (name sort).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContactCursor {
    /// Creation time and id.
    Time(i64, i64),
    /// Lower-cased display name and id.
    Name(String, i64),
}

impl std::fmt::Display for ContactCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Time(t, id) => write!(f, "t{t}.{id}"),
            Self::Name(n, id) => write!(f, "n{}.{id}", hex::encode(n.as_bytes())),
        }
    }
}

impl std::str::FromStr for ContactCursor {
    type Err = ();
    fn from_str(s: &str) -> std::result::Result<Self, ()> {
        let (key, id) = s.get(1..).and_then(|r| r.rsplit_once('.')).ok_or(())?;
        let id = id.parse().map_err(|_| ())?;
        match s.as_bytes().first() {
            Some(b't') => Ok(Self::Time(key.parse().map_err(|_| ())?, id)),
            Some(b'n') => {
                let bytes = hex::decode(key).map_err(|_| ())?;
                Ok(Self::Name(String::from_utf8(bytes).map_err(|_| ())?, id))
            }
            _ => Err(()),
        }
    }
}

pub(super) fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// Contact ids whose name, WhatsApp name, email or username contains `q`, or whose phone
/// contains its digits, from the trigram index; `None` when the index cannot answer (fewer than
/// three characters) or the hits are too many to be worth listing.
pub(super) fn search_hits(conn: &Connection, q: &str) -> Result<Search> {
    let digits: String = q.chars().filter(char::is_ascii_digit).collect();
    if q.is_empty() || q.chars().count() < 3 || (!digits.is_empty() && digits.len() < 3) {
        return Ok(Search::Unindexed);
    }
    // An FTS5 string: quotes doubled, control characters (which end or break the query) dropped.
    let phrase = |s: &str| {
        let clean: String = s.chars().filter(|c| !c.is_control()).collect();
        format!("\"{}\"", clean.replace('"', "\"\""))
    };
    let mut expr = format!("{{name profile_name email username}} : {}", phrase(q));
    let phone = if digits.is_empty() { q } else { &digits };
    let _ = write!(expr, " OR phone : {}", phrase(phone));
    let mut stmt =
        conn.prepare_cached("SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH ?1 LIMIT ?2")?;
    let ids = stmt
        .query_map(params![expr, MAX_SEARCH_HITS + 1], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<i64>>>()?;
    Ok(
        if i64::try_from(ids.len()).unwrap_or(i64::MAX) <= MAX_SEARCH_HITS {
            Search::Ids(ids)
        } else {
            Search::Many
        },
    )
}

/// What the search index says about a search text.
pub(super) enum Search {
    /// The index cannot answer (short text): scan.
    Unindexed,
    /// More than `MAX_SEARCH_HITS` contacts match: scan in list order.
    Many,
    /// These contacts match.
    Ids(Vec<i64>),
}

/// SQL for one custom field condition; binds its values into `p`.
pub(super) fn field_condition(c: &FieldCondition, p: &mut Vec<Value>) -> String {
    let bind = |p: &mut Vec<Value>, v: Value| {
        p.push(v);
        format!("?{}", p.len())
    };
    let key = bind(p, Value::Text(c.key.clone()));
    let base = format!(
        "SELECT 1 FROM contact_field_values v JOIN custom_fields cf ON cf.id = v.field_id \
         WHERE v.contact_id = k.id AND cf.key = {key}"
    );
    match c.op {
        FieldOp::Set => format!("EXISTS ({base})"),
        FieldOp::Unset => format!("NOT EXISTS ({base})"),
        FieldOp::Eq | FieldOp::Ne => {
            let v = bind(p, Value::Text(c.value.clone()));
            let test = format!(
                "EXISTS ({base} AND CASE cf.kind WHEN 'number' THEN v.num = CAST({v} AS REAL) \
                 ELSE v.value = {v} COLLATE NOCASE END)"
            );
            if c.op == FieldOp::Eq {
                test
            } else {
                format!("NOT {test}")
            }
        }
        FieldOp::Contains => {
            let v = bind(p, Value::Text(format!("%{}%", like_escape(&c.value))));
            format!("EXISTS ({base} AND v.value LIKE {v} ESCAPE '\\')")
        }
        FieldOp::Gt | FieldOp::Lt => {
            let v = bind(p, Value::Text(c.value.clone()));
            let cmp = if c.op == FieldOp::Gt { ">" } else { "<" };
            format!(
                "EXISTS ({base} AND CASE cf.kind WHEN 'number' THEN v.num {cmp} CAST({v} AS REAL) \
                 ELSE v.value {cmp} {v} END)"
            )
        }
    }
}

/// `WHERE` clause and parameters for a filter, given what the search index said.
pub(super) fn where_with(f: &ContactFilter, hits: Search, now: &Now) -> (String, Vec<Value>) {
    let mut sql = vec!["1 = 1".to_string()];
    let mut p: Vec<Value> = Vec::new();
    let bind = |p: &mut Vec<Value>, v: Value| {
        p.push(v);
        format!("?{}", p.len())
    };
    if let Search::Ids(ids) = hits {
        let list = bind(
            &mut p,
            Value::Text(serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into())),
        );
        sql.push(format!("k.id IN (SELECT value FROM json_each({list}))"));
    } else if !f.q.is_empty() {
        let esc = like_escape(&f.q);
        let pat = bind(&mut p, Value::Text(format!("%{esc}%")));
        // Phone search ignores spaces, dashes and brackets the user may type.
        let digits: String = f.q.chars().filter(char::is_ascii_digit).collect();
        let phone = if digits.is_empty() {
            pat.clone()
        } else {
            bind(&mut p, Value::Text(format!("%{digits}%")))
        };
        sql.push(format!(
            "(k.name LIKE {pat} ESCAPE '\\' OR k.profile_name LIKE {pat} ESCAPE '\\' \
             OR k.phone LIKE {phone} ESCAPE '\\' OR k.email LIKE {pat} ESCAPE '\\' \
             OR k.username LIKE {pat} ESCAPE '\\')"
        ));
    }
    if !f.tags_any.is_empty() {
        let ids: Vec<String> = f
            .tags_any
            .iter()
            .map(|t| bind(&mut p, Value::Integer(*t)))
            .collect();
        sql.push(format!(
            "EXISTS (SELECT 1 FROM contact_tags ct WHERE ct.contact_id = k.id AND ct.tag_id IN ({}))",
            ids.join(", ")
        ));
    }
    for t in &f.tags_all {
        let id = bind(&mut p, Value::Integer(*t));
        sql.push(format!(
            "EXISTS (SELECT 1 FROM contact_tags ct WHERE ct.contact_id = k.id AND ct.tag_id = {id})"
        ));
    }
    for c in &f.fields {
        sql.push(field_condition(c, &mut p));
    }
    if let Some(o) = f.opt_in {
        let v = bind(&mut p, Value::Text(o.as_str().into()));
        sql.push(format!("k.opt_in = {v}"));
    }
    if let Some(h) = f.has_orders {
        let not = if h { "" } else { "NOT " };
        sql.push(format!(
            "{not}EXISTS (SELECT 1 FROM orders o WHERE o.contact_id = k.id)"
        ));
    }
    if let Some(r) = f.restricted {
        sql.push(
            if r {
                "k.restricted_at IS NOT NULL"
            } else {
                "k.restricted_at IS NULL"
            }
            .into(),
        );
    }
    if let Some(d) = f.inbound_within_days {
        let since = now.days_start(d);
        let v = bind(&mut p, Value::Integer(to_ts(since)));
        sql.push(format!(
            "EXISTS (SELECT 1 FROM conversations c WHERE c.contact_id = k.id AND c.last_inbound_at >= {v})"
        ));
    }
    (sql.join(" AND "), p)
}

/// Contacts matching the filter in its order, after `after`.
pub fn list(
    conn: &Connection,
    f: &ContactFilter,
    after: Option<&ContactCursor>,
    limit: u32,
    now: &Now,
) -> Result<Vec<(ListRow, ContactCursor)>> {
    let hits = search_hits(conn, &f.q)?;
    // With a list of matching ids, sort those few rows rather than walk the whole list
    // index checking each row against the list (`+` keeps SQLite off the index).
    let by_ids = matches!(hits, Search::Ids(_));
    let (mut clause, mut p) = where_with(f, hits, now);
    let (order, key) = match (f.sort, by_ids) {
        (ContactSort::Newest, false) => ("k.created_at DESC, k.id DESC", "k.created_at"),
        (ContactSort::Newest, true) => ("+k.created_at DESC, k.id DESC", "k.created_at"),
        (ContactSort::Oldest, false) => ("k.created_at ASC, k.id ASC", "k.created_at"),
        (ContactSort::Oldest, true) => ("+k.created_at ASC, k.id ASC", "k.created_at"),
        (ContactSort::Name, _) => (concat!(name_key!(), " ASC, k.id ASC"), NAME_KEY),
    };
    let cmp = if f.sort == ContactSort::Newest {
        "<"
    } else {
        ">"
    };
    if let Some(c) = after {
        let (k, id) = match c {
            ContactCursor::Time(t, id) => (Value::Integer(*t), *id),
            ContactCursor::Name(n, id) => (Value::Text(n.clone()), *id),
        };
        p.push(k);
        p.push(Value::Integer(id));
        let n = p.len();
        let _ = write!(clause, " AND ({key}, k.id) {cmp} (?{}, ?{n})", n - 1);
    }
    p.push(Value::Integer(i64::from(limit)));
    let sql = format!(
        "SELECT k.id, k.phone, k.bsuid, k.username, k.profile_name, k.name, k.created_at, k.email, k.opt_in,
                k.restricted_at, (SELECT MAX(last_message_at) FROM conversations c WHERE c.contact_id = k.id),
                {NAME_KEY}
         FROM contacts k WHERE {clause} ORDER BY {order} LIMIT ?{}",
        p.len()
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(p), |r| {
        let contact = from_row(r)?;
        let cursor = match f.sort {
            ContactSort::Name => ContactCursor::Name(r.get(11)?, contact.id.0),
            _ => ContactCursor::Time(r.get(6)?, contact.id.0),
        };
        Ok((
            ListRow {
                contact,
                last_message_at: r.get::<_, Option<i64>>(10)?.map(from_ts),
            },
            cursor,
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Number of contacts matching the filter.
pub fn count_matching(conn: &Connection, f: &ContactFilter, now: &Now) -> Result<i64> {
    count_matching_upto(conn, f, now, i64::MAX)
}

/// Number of contacts matching the filter, counting at most `cap` (a page shows "1,000+"
/// instead of scanning every contact for a common word).
pub fn count_matching_upto(
    conn: &Connection,
    f: &ContactFilter,
    now: &Now,
    cap: i64,
) -> Result<i64> {
    let hits = search_hits(conn, &f.q)?;
    // A search alone that the index says is common: there are at least `cap` matches.
    let search_only = ContactFilter {
        q: String::new(),
        ..f.clone()
    }
    .is_empty();
    if matches!(hits, Search::Many) && search_only && cap <= MAX_SEARCH_HITS + 1 {
        return Ok(cap);
    }
    let (clause, mut p) = where_with(f, hits, now);
    p.push(Value::Integer(cap));
    let sql = format!(
        "SELECT COUNT(*) FROM (SELECT 1 FROM contacts k WHERE {clause} LIMIT ?{})",
        p.len()
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_row(rusqlite::params_from_iter(p), |r| r.get(0))?)
}

/// The ids of every contact matching the filter (a campaign's audience), in id order.
pub fn ids_matching(conn: &Connection, f: &ContactFilter, now: &Now) -> Result<Vec<i64>> {
    let hits = search_hits(conn, &f.q)?;
    let (clause, p) = where_with(f, hits, now);
    let sql = format!("SELECT k.id FROM contacts k WHERE {clause} ORDER BY k.id");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(p), |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

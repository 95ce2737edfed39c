//! The `contacts` table: customers by phone and/or business-scoped user id.

use super::{Result, from_ts, to_ts};
use crate::model::{
    Contact, ContactFilter, ContactId, ContactSort, FieldCondition, FieldOp, PhoneE164,
};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params};
use std::fmt::Write as _;
use time::OffsetDateTime;

const COLUMNS: &str = "id, phone, bsuid, username, profile_name, name, created_at, email, opt_in";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Contact> {
    Ok(Contact {
        id: ContactId(r.get(0)?),
        phone: r.get::<_, Option<String>>(1)?.map(PhoneE164::from_stored),
        bsuid: r.get(2)?,
        username: r.get(3)?,
        profile_name: r.get(4)?,
        name: r.get(5)?,
        created_at: from_ts(r.get(6)?),
        email: r.get(7)?,
        opt_in: r.get::<_, String>(8)?.parse().unwrap_or_default(),
    })
}

/// One contact by id.
pub fn get(conn: &Connection, id: ContactId) -> Result<Option<Contact>> {
    let sql = format!("SELECT {COLUMNS} FROM contacts WHERE id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id.0], from_row)
        .optional()?)
}

/// The contact with this phone.
pub fn find_by_phone(conn: &Connection, phone: &PhoneE164) -> Result<Option<ContactId>> {
    let sql = "SELECT id FROM contacts WHERE phone = ?1";
    Ok(conn
        .prepare_cached(sql)?
        .query_row([phone.as_str()], |r| r.get(0).map(ContactId))
        .optional()?)
}

/// The contact with this business-scoped user id.
pub fn find_by_bsuid(conn: &Connection, bsuid: &str) -> Result<Option<ContactId>> {
    let sql = "SELECT id FROM contacts WHERE bsuid = ?1";
    Ok(conn
        .prepare_cached(sql)?
        .query_row([bsuid], |r| r.get(0).map(ContactId))
        .optional()?)
}

/// Creates a contact from what WhatsApp told us.
pub fn insert(
    conn: &Connection,
    phone: Option<&PhoneE164>,
    bsuid: Option<&str>,
    profile_name: &str,
    now: OffsetDateTime,
) -> Result<ContactId> {
    let sql = "INSERT INTO contacts (phone, bsuid, profile_name, created_at, updated_at)
               VALUES (?1, ?2, ?3, ?4, ?4)";
    conn.prepare_cached(sql)?.execute(params![
        phone.map(PhoneE164::as_str),
        bsuid,
        profile_name,
        to_ts(now)
    ])?;
    Ok(ContactId(conn.last_insert_rowid()))
}

/// Sets the phone number.
pub fn set_phone(
    conn: &Connection,
    id: ContactId,
    phone: &PhoneE164,
    now: OffsetDateTime,
) -> Result<()> {
    let sql = "UPDATE contacts SET phone = ?2, updated_at = ?3 WHERE id = ?1";
    conn.prepare_cached(sql)?
        .execute(params![id.0, phone.as_str(), to_ts(now)])?;
    Ok(())
}

/// Sets the business-scoped user id.
pub fn set_bsuid(conn: &Connection, id: ContactId, bsuid: &str, now: OffsetDateTime) -> Result<()> {
    let sql = "UPDATE contacts SET bsuid = ?2, updated_at = ?3 WHERE id = ?1";
    conn.prepare_cached(sql)?
        .execute(params![id.0, bsuid, to_ts(now)])?;
    Ok(())
}

/// Refreshes what the customer's WhatsApp profile says (only the fields given).
pub fn update_profile(
    conn: &Connection,
    id: ContactId,
    profile_name: Option<&str>,
    username: Option<&str>,
    parent_bsuid: Option<&str>,
    now: OffsetDateTime,
) -> Result<()> {
    let sql = "UPDATE contacts SET
                 profile_name = COALESCE(?2, profile_name),
                 username = COALESCE(?3, username),
                 parent_bsuid = COALESCE(?4, parent_bsuid),
                 updated_at = ?5
               WHERE id = ?1 AND (profile_name IS NOT COALESCE(?2, profile_name)
                  OR username IS NOT COALESCE(?3, username)
                  OR parent_bsuid IS NOT COALESCE(?4, parent_bsuid))";
    conn.prepare_cached(sql)?.execute(params![
        id.0,
        profile_name,
        username,
        parent_bsuid,
        to_ts(now)
    ])?;
    Ok(())
}

/// Deletes a contact (its conversations and messages go with it).
pub fn delete(conn: &Connection, id: ContactId) -> Result<bool> {
    let sql = "DELETE FROM contacts WHERE id = ?1";
    Ok(conn.prepare_cached(sql)?.execute([id.0])? == 1)
}

/// Number of contacts.
pub fn count(conn: &Connection) -> Result<i64> {
    Ok(conn
        .prepare_cached("SELECT COUNT(*) FROM contacts")?
        .query_row([], |r| r.get(0))?)
}

/// The first contact having any of these phone numbers (a number and its national variants).
pub fn find_by_phones(conn: &Connection, phones: &[PhoneE164]) -> Result<Option<ContactId>> {
    for p in phones {
        if let Some(id) = find_by_phone(conn, p)? {
            return Ok(Some(id));
        }
    }
    Ok(None)
}

/// Creates a contact typed by the business.
pub fn insert_manual(
    conn: &Connection,
    name: &str,
    phone: &PhoneE164,
    email: Option<&str>,
    now: OffsetDateTime,
) -> Result<ContactId> {
    let sql = "INSERT INTO contacts (phone, name, email, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)";
    conn.prepare_cached(sql)?
        .execute(params![phone.as_str(), name, email, to_ts(now)])
        .map_err(|e| super::error::unique_as_conflict(e, "a contact with this phone"))?;
    Ok(ContactId(conn.last_insert_rowid()))
}

/// Replaces what the business maintains about a contact.
pub fn set_details(
    conn: &Connection,
    id: ContactId,
    name: &str,
    phone: Option<&PhoneE164>,
    email: Option<&str>,
    now: OffsetDateTime,
) -> Result<bool> {
    let sql = "UPDATE contacts SET name = ?2, phone = COALESCE(?3, phone), email = ?4, updated_at = ?5 WHERE id = ?1";
    Ok(conn
        .prepare_cached(sql)?
        .execute(params![
            id.0,
            name,
            phone.map(PhoneE164::as_str),
            email,
            to_ts(now)
        ])
        .map_err(|e| super::error::unique_as_conflict(e, "a contact with this phone"))?
        == 1)
}

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

/// The lower-cased name contacts sort by.
macro_rules! name_key {
    () => {
        "lower(COALESCE(NULLIF(k.name, ''), NULLIF(k.profile_name, ''), k.phone, k.username, ''))"
    };
}
const NAME_KEY: &str = name_key!();

fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// Most index hits a search uses as an id list; more means the words are common, and scanning
/// contacts in list order finds a page sooner.
const MAX_SEARCH_HITS: i64 = 2000;

/// Contact ids whose name, WhatsApp name, email or username contains `q`, or whose phone
/// contains its digits, from the trigram index; `None` when the index cannot answer (fewer than
/// three characters) or the hits are too many to be worth listing.
fn search_hits(conn: &Connection, q: &str) -> Result<Search> {
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
enum Search {
    /// The index cannot answer (short text): scan.
    Unindexed,
    /// More than `MAX_SEARCH_HITS` contacts match: scan in list order.
    Many,
    /// These contacts match.
    Ids(Vec<i64>),
}

/// SQL for one custom field condition; binds its values into `p`.
fn field_condition(c: &FieldCondition, p: &mut Vec<Value>) -> String {
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
fn where_with(f: &ContactFilter, hits: Search, now: OffsetDateTime) -> (String, Vec<Value>) {
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
    if let Some(d) = f.inbound_within_days {
        let since = now - time::Duration::days(i64::from(d));
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
    now: OffsetDateTime,
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
                (SELECT MAX(last_message_at) FROM conversations c WHERE c.contact_id = k.id),
                {NAME_KEY}
         FROM contacts k WHERE {clause} ORDER BY {order} LIMIT ?{}",
        p.len()
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(p), |r| {
        let contact = from_row(r)?;
        let cursor = match f.sort {
            ContactSort::Name => ContactCursor::Name(r.get(10)?, contact.id.0),
            _ => ContactCursor::Time(r.get(6)?, contact.id.0),
        };
        Ok((
            ListRow {
                contact,
                last_message_at: r.get::<_, Option<i64>>(9)?.map(from_ts),
            },
            cursor,
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Number of contacts matching the filter.
pub fn count_matching(conn: &Connection, f: &ContactFilter, now: OffsetDateTime) -> Result<i64> {
    count_matching_upto(conn, f, now, i64::MAX)
}

/// Number of contacts matching the filter, counting at most `cap` (a page shows "1,000+"
/// instead of scanning every contact for a common word).
pub fn count_matching_upto(
    conn: &Connection,
    f: &ContactFilter,
    now: OffsetDateTime,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn names(conn: &Connection, q: &str) -> Vec<String> {
        let f = ContactFilter {
            q: q.into(),
            sort: ContactSort::Name,
            ..ContactFilter::default()
        };
        let now = OffsetDateTime::now_utc();
        let n = count_matching(conn, &f, now).expect("count");
        let rows = list(conn, &f, None, 100, now).expect("list");
        assert_eq!(
            usize::try_from(n).ok(),
            Some(rows.len()),
            "count agrees for {q:?}"
        );
        rows.into_iter()
            .map(|(r, _)| r.contact.display_name())
            .collect()
    }

    #[tokio::test]
    async fn search_finds_substrings_through_the_index_and_stays_in_step() {
        let (db, _dir) = crate::db::testing::temp_db();
        let found = db
            .write(|c| -> crate::db::Result<_> {
                let now = OffsetDateTime::now_utc();
                let p = |s: &str| PhoneE164::from_stored(s.into());
                let ana = insert_manual(
                    c,
                    "Ana Lima",
                    &p("+5511988887777"),
                    Some("ana@shop.example"),
                    now,
                )?;
                insert_manual(c, "Bruno \"Bigode\" Souza", &p("+5521977776666"), None, now)?;
                insert_manual(
                    c,
                    "Caio",
                    &p("+5531966665555"),
                    Some("caio_100%@x.example"),
                    now,
                )?;
                let id = insert(c, None, Some("BR.1"), "Dani WhatsApp", now)?;
                let mut out = vec![
                    names(c, "lima"),       // name, index
                    names(c, "ANA"),        // case-insensitive
                    names(c, "(11) 98888"), // phone digits of a formatted number
                    names(c, "shop.exa"),   // email
                    names(c, "\"Bigode\""), // quotes in the query are literal
                    names(c, "_100%"),      // LIKE wildcards are literal
                    names(c, "an"),         // two letters: scanned, not indexed
                    names(c, "whatsapp"),   // WhatsApp profile name
                    names(c, "zzz"),        // nothing
                ];
                set_details(c, ana, "Ana Paula", None, None, now)?;
                out.push(names(c, "lima"));
                out.push(names(c, "paula"));
                delete(c, id)?;
                out.push(names(c, "whatsapp"));
                Ok(out)
            })
            .await
            .expect("db");
        let want: Vec<Vec<&str>> = vec![
            vec!["Ana Lima"],
            vec!["Ana Lima"],
            vec!["Ana Lima"],
            vec!["Ana Lima"],
            vec!["Bruno \"Bigode\" Souza"],
            vec!["Caio"],
            vec!["Ana Lima", "Dani WhatsApp"],
            vec!["Dani WhatsApp"],
            vec![],
            vec![],
            vec!["Ana Paula"],
            vec![],
        ];
        assert_eq!(found, want);
    }
}

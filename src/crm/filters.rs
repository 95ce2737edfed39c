//! Resolving a contacts filter: the one meaning of a contacts query (its conditions, a saved
//! `segment` and `sort`) for the contacts page, the JSON API and the CSV export, so the three
//! always select the same contacts in the same order.
//!
//! The meaning: `segment=N` starts from that segment's saved conditions and its saved sort.
//! Conditions in the query narrow it: tag-all and custom-field conditions are added to the
//! segment's; a search text, any-of tags, consent, orders or last-message condition given in the
//! query takes the place of the segment's own. A `sort` in the query wins over the saved one.
//! Custom-field conditions are checked against the field definitions (and normalised).
//!
//! Two modes: strict (the API, the export) refuses a query with any problem; lenient (the page)
//! leaves bad parts out and returns them as notices. A saved segment that cannot be read is an
//! error in both: it never acts as the empty filter.

use super::{Error, Result};
use crate::db;
use crate::model::{ContactFilter, FieldError};
use rusqlite::Connection;

/// How to treat problems in the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Refuse the query (`Error::Invalid` naming every problem).
    Strict,
    /// Leave the bad parts out and report them as notices.
    Lenient,
}

/// A resolved contacts query.
#[derive(Debug, Clone, Default)]
pub struct Resolved {
    /// The filter to run.
    pub filter: ContactFilter,
    /// The segment the query started from.
    pub segment: Option<i64>,
    /// What was left out (lenient mode only).
    pub notices: Vec<FieldError>,
}

fn value<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// The query's own conditions; in lenient mode the pairs that do not parse are dropped.
fn parse(
    pairs: &[(String, String)],
    mode: Mode,
    notices: &mut Vec<FieldError>,
) -> Result<ContactFilter> {
    match ContactFilter::from_pairs(pairs) {
        Ok(f) => Ok(f),
        Err(e) if mode == Mode::Strict => Err(Error::Invalid(e)),
        Err(e) => {
            let bad: Vec<String> = e.iter().map(|e| e.field.to_string()).collect();
            let kept: Vec<_> = pairs
                .iter()
                .filter(|(k, _)| !bad.contains(k))
                .cloned()
                .collect();
            notices.extend(e);
            Ok(ContactFilter::from_pairs(&kept).unwrap_or_default())
        }
    }
}

/// `query` narrowing the segment's `saved` conditions (see the module docs).
fn narrow(saved: &ContactFilter, query: ContactFilter, sort_given: bool) -> ContactFilter {
    let mut f = saved.clone();
    if !query.q.is_empty() {
        f.q = query.q;
    }
    if !query.tags_any.is_empty() {
        f.tags_any = query.tags_any;
    }
    f.tags_all.extend(query.tags_all);
    f.tags_all.sort_unstable();
    f.tags_all.dedup();
    for c in query.fields {
        if !f.fields.contains(&c) {
            f.fields.push(c);
        }
    }
    f.opt_in = query.opt_in.or(f.opt_in);
    f.has_orders = query.has_orders.or(f.has_orders);
    f.restricted = query.restricted.or(f.restricted);
    f.inbound_within_days = query.inbound_within_days.or(f.inbound_within_days);
    if sort_given {
        f.sort = query.sort;
    }
    f
}

/// Resolves `pairs` (a query string's pairs; keys it does not know are ignored) into the
/// filter to run. Reads the segment and the field definitions.
pub fn resolve(conn: &Connection, pairs: &[(String, String)], mode: Mode) -> Result<Resolved> {
    let mut notices = Vec::new();
    let query = parse(pairs, mode, &mut notices)?;
    let segment = match value(pairs, "segment").map(str::parse::<i64>) {
        None => None,
        Some(Ok(id)) => {
            let found = db::segments::get(conn, id)?;
            if found.is_none() {
                notices.push(FieldError::new("segment", "There is no such segment."));
            }
            found
        }
        Some(Err(_)) => {
            notices.push(FieldError::new("segment", "Use a segment id."));
            None
        }
    };
    if mode == Mode::Strict && !notices.is_empty() {
        return Err(Error::Invalid(notices));
    }
    let mut filter = match &segment {
        Some(s) => narrow(s.filter()?, query, value(pairs, "sort").is_some()),
        None => query,
    };
    let defs = db::custom_fields::list(conn)?;
    let problems = super::fields::check_filter(&defs, &mut filter);
    if !problems.is_empty() {
        if mode == Mode::Strict {
            return Err(Error::Invalid(problems));
        }
        filter.fields.retain(|c| {
            let mut one = ContactFilter {
                fields: vec![c.clone()],
                ..ContactFilter::default()
            };
            super::fields::check_filter(&defs, &mut one).is_empty()
        });
        super::fields::check_filter(&defs, &mut filter);
        notices.extend(problems);
    }
    Ok(Resolved {
        filter,
        segment: segment.map(|s| s.id),
        notices,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ContactSort;

    fn pairs(s: &str) -> Vec<(String, String)> {
        serde_urlencoded::from_str(s).expect("pairs")
    }

    #[test]
    fn a_query_narrows_a_segment_and_its_sort_is_kept_unless_given() {
        let saved = ContactFilter::from_pairs(&pairs("tag_all=1&opt_in=in&sort=name")).expect("f");
        let q = ContactFilter::from_pairs(&pairs("q=ana&tag_all=2")).expect("q");
        let f = narrow(&saved, q, false);
        assert_eq!(f.q, "ana");
        assert_eq!(f.tags_all, [1, 2]);
        assert_eq!(f.opt_in, saved.opt_in);
        assert_eq!(f.sort, ContactSort::Name, "the saved sort stays");
        let q = ContactFilter::from_pairs(&pairs("sort=oldest")).expect("q");
        assert_eq!(narrow(&saved, q, true).sort, ContactSort::Oldest);
    }

    #[tokio::test]
    async fn strict_refuses_what_lenient_reports() {
        let (db, _dir) = crate::db::testing::temp_db();
        let r = db
            .read(|c| resolve(c, &pairs("opt_in=maybe&segment=99&q=ana"), Mode::Lenient))
            .await
            .expect("lenient");
        assert_eq!(r.filter.q, "ana");
        let named: Vec<&str> = r.notices.iter().map(|n| n.field.as_ref()).collect();
        assert_eq!(named, ["opt_in", "segment"]);
        let strict = db
            .read(|c| resolve(c, &pairs("opt_in=maybe"), Mode::Strict))
            .await;
        assert!(matches!(strict, Err(Error::Invalid(_))), "{strict:?}");
    }
}

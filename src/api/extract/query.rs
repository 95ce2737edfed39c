//! The query string as pairs, with the checks the list operations share (limit, cursor, empty values).

use crate::api::error::ApiError;

/// The query string as pairs (repeated keys kept).
#[derive(Debug, Clone, Default)]
pub struct Pairs(pub Vec<(String, String)>);

impl Pairs {
    /// The last value of `key`.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Refuses an empty value for any of `keys` (the browser pages ignore empty filters; the
    /// API documents typed parameters, so an empty one is an error).
    pub fn no_empty(&self, keys: &[&str]) -> Result<(), ApiError> {
        let empty: Vec<crate::model::FieldError> = self
            .0
            .iter()
            .filter(|(k, v)| keys.contains(&k.as_str()) && v.trim().is_empty())
            .map(|(k, _)| {
                crate::model::FieldError::new(k.clone(), "Give a value or leave the parameter out.")
            })
            .collect();
        if empty.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Invalid(empty))
        }
    }

    /// `limit` (1 to 200, default 50).
    pub fn limit(&self) -> Result<u32, ApiError> {
        match self.get("limit") {
            None => Ok(50),
            Some(v) => v
                .parse::<u32>()
                .ok()
                .filter(|l| (1..=200).contains(l))
                .ok_or_else(|| ApiError::field("limit", "Use a whole number from 1 to 200.")),
        }
    }

    /// A `(unix seconds, id)` cursor written `<seconds>_<id>`.
    pub fn time_cursor(&self) -> Result<Option<(time::OffsetDateTime, i64)>, ApiError> {
        let Some(c) = self.get("cursor").filter(|c| !c.is_empty()) else {
            return Ok(None);
        };
        let bad = || ApiError::field("cursor", "Use the next_cursor of the previous page.");
        let (t, id) = c.split_once('_').ok_or_else(bad)?;
        let t = t
            .parse()
            .ok()
            .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok());
        Ok(Some((t.ok_or_else(bad)?, id.parse().map_err(|_| bad())?)))
    }
}

/// The cursor after a full page.
#[must_use]
pub fn next_time_cursor(
    len: usize,
    limit: u32,
    last: Option<(time::OffsetDateTime, i64)>,
) -> Option<String> {
    (len == limit as usize)
        .then(|| last.map(|(t, id)| format!("{}_{id}", t.unix_timestamp())))
        .flatten()
}

//! Contacts: the list (its query resolved by `crm::filters`, as the API and the export do),
//! create/edit forms with validation and duplicate detection (`Crm::save_contact`), and merging
//! two contacts.

mod form;
mod list;
mod merge;

use crate::app::AppState;
use crate::crm::contacts::Actor;
use crate::crm::filters::{self, Mode};
use crate::db::contacts::ContactCursor;
use crate::model::{ContactFilter, FieldError};
use crate::web::error::Result;
use crate::web::extract::CurrentUser;

pub use form::*;
pub use list::*;
pub use merge::*;

/// The signed-in user as the audit log names them.
pub(super) fn actor_of(user: &CurrentUser) -> Actor {
    user.actor()
}

/// A contacts filter read from a query string (resolved by `crm::filters`, the same meaning
/// the API and the export use), with the page's cursor.
pub struct FilterQuery {
    /// The filter (field conditions checked and normalised).
    pub filter: ContactFilter,
    /// What was wrong with the query; those parts are left out of the filter.
    pub errors: Vec<FieldError>,
    /// Page cursor.
    pub after: Option<ContactCursor>,
    /// The segment named by the query.
    pub segment: Option<i64>,
}

impl FilterQuery {
    /// Parses `raw` leniently: problems become notices, and the bad parts are left out.
    pub async fn read(state: &AppState, raw: Option<&str>) -> Result<Self> {
        let mut pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(raw.unwrap_or_default()).unwrap_or_default();
        // The page's "add a condition" inputs make one more `field` condition.
        let part = |k: &str| {
            pairs
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.trim().to_string())
        };
        let after = part("before").and_then(|c| c.parse().ok());
        if let Some(key) = part("field_key").filter(|k| !k.is_empty()) {
            let op = part("field_op").unwrap_or_default();
            let value = part("field_value").unwrap_or_default();
            pairs.push(("field".into(), format!("{key}:{op}:{value}")));
        }
        let r = state
            .db
            .read(move |c| filters::resolve(c, &pairs, Mode::Lenient))
            .await?;
        Ok(Self {
            filter: r.filter,
            errors: r.notices,
            after,
            segment: r.segment,
        })
    }
}

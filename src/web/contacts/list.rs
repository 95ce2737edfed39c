//! `GET /contacts`: the contacts list, paged, with its filter notices.

use super::FilterQuery;
use crate::app::AppState;
use crate::db;
use crate::db::contacts::ContactCursor;
use crate::model::{ContactFilter, ContactId, CustomField, FIELD_OPS, FieldOp, OptIn, Tag};
use crate::web::error::Result;
use crate::web::extract::CurrentUser;
use crate::web::forms::FormErrors;
use crate::web::layout::{Layout, Nav};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// Contacts per page.
pub(super) const PAGE: u32 = 50;

/// The list counts matches up to this many ("500+" beyond).
pub(super) const COUNT_CAP: i64 = 500;

/// A contact in the list.
pub struct Row {
    pub(super) id: i64,
    pub(super) name: String,
    pub(super) whatsapp_name: String,
    pub(super) phone: String,
    pub(super) email: String,
    pub(super) last: String,
    pub(super) opt_in: OptIn,
    pub(super) tags: Vec<Tag>,
    /// Processing restricted.
    pub(super) restricted: bool,
}

/// The contacts list.
#[derive(Template, WebTemplate)]
#[template(path = "contacts/index.html")]
pub struct ContactsPage {
    pub(super) layout: Layout,
    pub(super) filter: ContactFilter,
    pub(super) errors: FormErrors,
    pub(super) all_tags: Vec<Tag>,
    pub(super) fields: Vec<CustomField>,
    pub(super) segments: Vec<db::segments::Segment>,
    pub(super) segment: Option<i64>,
    pub(super) rows: Vec<Row>,
    pub(super) total: i64,
    pub(super) next: Option<String>,
    pub(super) here: String,
    pub(super) query: String,
}

impl ContactsPage {
    fn op_label(op: FieldOp) -> &'static str {
        FIELD_OPS
            .iter()
            .find(|(o, _)| *o == op)
            .map_or("", |(_, l)| *l)
    }

    /// Columns an export may have: built-in ones, then custom field keys.
    fn export_columns(&self) -> Vec<(String, String)> {
        crate::web::export::CONTACT_COLUMNS
            .iter()
            .map(|c| ((*c).to_string(), c.replace('_', " ")))
            .chain(self.fields.iter().map(|f| (f.key.clone(), f.label.clone())))
            .collect()
    }

    /// The filter as hidden form inputs: (name, value).
    fn filter_pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = self.filter.to_pairs();
        if let Some(s) = self.segment.filter(|_| self.filter.is_empty()) {
            pairs.push(("segment", s.to_string()));
        }
        pairs
    }

    /// The match count as shown: exact up to the cap, then "500+".
    fn total_text(&self) -> String {
        if self.total > COUNT_CAP {
            format!("{COUNT_CAP}+")
        } else {
            self.total.to_string()
        }
    }

    fn field_label(&self, key: &str) -> String {
        self.fields
            .iter()
            .find(|f| f.key == key)
            .map_or_else(|| key.to_string(), |f| f.label.clone())
    }

    /// The current filter without its `i`th field condition.
    fn without_field(&self, i: usize) -> String {
        let mut f = self.filter.clone();
        if i < f.fields.len() {
            f.fields.remove(i);
        }
        format!("/contacts?{}", f.to_query())
    }
}

/// A page of list rows with their tags (one query for all tags), and the cursor of the next.
fn rows_of(
    c: &rusqlite::Connection,
    filter: &ContactFilter,
    after: Option<&ContactCursor>,
    now: &crate::model::Now,
) -> db::Result<(Vec<Row>, Option<String>)> {
    let rows = db::contacts::list(c, filter, after, PAGE, now)?;
    let next = (rows.len() == PAGE as usize)
        .then(|| rows.last().map(|(_, c)| c.to_string()))
        .flatten();
    let ids: Vec<ContactId> = rows.iter().map(|(r, _)| r.contact.id).collect();
    let mut tags = db::tags::for_contacts(c, &ids)?;
    let rows = rows
        .into_iter()
        .map(|(r, _)| {
            let k = r.contact;
            Row {
                tags: tags.remove(&k.id).unwrap_or_default(),
                id: k.id.0,
                name: k.display_name(),
                phone: k
                    .phone
                    .as_ref()
                    .map(ToString::to_string)
                    .or(k.username.clone())
                    .unwrap_or_default(),
                email: k.email.clone().unwrap_or_default(),
                last: r
                    .last_message_at
                    .map(|t| crate::web::when::date(&now.zone, t))
                    .unwrap_or_default(),
                opt_in: k.opt_in,
                restricted: k.restricted_at.is_some(),
                whatsapp_name: k.profile_name,
            }
        })
        .collect();
    Ok((rows, next))
}

/// `GET /contacts`.
pub async fn index(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(raw): RawQuery,
) -> Result<Response> {
    let fq = FilterQuery::read(&state, raw.as_deref()).await?;
    let now = crate::model::Now {
        at: state.clock.now(),
        zone: user.ctx.zone.clone(),
    };
    let (filter, after) = (fq.filter.clone(), fq.after.clone());
    let ((rows, next), all_tags, fields, segments, total) = state
        .db
        .read(move |c| -> crate::db::Result<_> {
            let all = db::tags::list(c)?
                .into_iter()
                .map(|(t, _)| t)
                .collect::<Vec<Tag>>();
            Ok((
                rows_of(c, &filter, after.as_ref(), &now)?,
                all,
                db::custom_fields::list(c)?,
                db::segments::list(c)?,
                db::contacts::count_matching_upto(c, &filter, &now, COUNT_CAP + 1)?,
            ))
        })
        .await?;
    let query = fq.filter.to_query();
    let status = if fq.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let page = ContactsPage {
        layout: Layout::new(&user.ctx, "Contacts", Nav::Contacts),
        here: format!("/contacts?{query}"),
        query,
        filter: fq.filter,
        errors: FormErrors(fq.errors),
        all_tags,
        fields,
        segments,
        segment: fq.segment,
        rows,
        total,
        next,
    };
    Ok((status, page).into_response())
}

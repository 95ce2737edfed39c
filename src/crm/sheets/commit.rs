//! The end of a cycle, in one transaction: sheet edits read back into custom fields with the
//! page's validation (audited with the source "Google Sheets"; an invalid value is skipped and
//! described without the value), then the rows' new state and the column layout.

use super::cycle::{Layout, Tab};
use super::plan::{Readback, TabPlan};
use super::run::Fail;
use crate::crm::Crm;
use crate::db;
use crate::db::sheets::{RowState, Run};
use crate::model::ContactId;
use crate::model::sheets::{SheetColumn, SheetTab};
use std::collections::HashMap;

impl Crm {
    /// Reads sheet edits back (validated, audited) and stores the rows' new state.
    pub(super) async fn sheets_commit(
        &self,
        tabs: Vec<Tab>,
        layout: Layout,
        run: &mut Run,
    ) -> Result<(), Fail> {
        let now = self.clock.now();
        let key = self.erasure_key.clone();
        let layout = serde_json::to_string(&layout).unwrap_or_default();
        let work: Vec<Work> = tabs
            .into_iter()
            .map(|t| (t.setup.tab, t.setup.columns.0, t.state, t.plan))
            .collect();
        let (applied, skipped) = self
            .db
            .write(move |c| {
                let readbacks: Vec<Readback> = work
                    .iter()
                    .flat_map(|(_, _, _, p)| p.readbacks.iter().cloned())
                    .collect();
                let (applied, skipped, rejected) = read_back(c, &readbacks, now)?;
                for (kind, columns, old, plan) in work {
                    let tab = kind.as_str();
                    let hash = super::cycle::hasher(key.clone(), kind);
                    for want in &plan.appends {
                        let s = super::plan::appended_state(&columns, want, &hash);
                        db::sheets::put_row(c, tab, &want.key, &s, now)?;
                    }
                    for (key, mut s) in plan.state {
                        for source in rejected.get(&key).into_iter().flatten() {
                            let Some(source) = columns.iter().position(|c| &c.source == source)
                            else {
                                continue;
                            };
                            let prior = old.get(&key);
                            s.cells = s
                                .cells
                                .with(source, prior.and_then(|p| p.cells.get(source)));
                            s.agreed = s
                                .agreed
                                .with(source, prior.and_then(|p| p.agreed.get(source)));
                        }
                        if old.get(&key) != Some(&s) {
                            db::sheets::put_row(c, tab, &key, &s, now)?;
                        }
                    }
                    for key in plan.forget {
                        db::sheets::delete_row(c, tab, &key)?;
                    }
                }
                db::sheets::set_layout(c, &layout)?;
                Ok::<_, crate::crm::Error>((applied, skipped))
            })
            .await?;
        run.read_back = applied;
        run.skipped = u32::try_from(skipped.len()).unwrap_or(u32::MAX);
        for line in skipped {
            run.log.push_str(&line);
            run.log.push('\n');
        }
        Ok(())
    }
}

/// Per tab: its stored name, its columns' sources, the state before the run, the plan.
type Work = (
    SheetTab,
    Vec<SheetColumn>,
    HashMap<String, RowState>,
    TabPlan,
);

/// Values applied, the skipped ones described, and the rejected sources by row key.
type ReadBack = (u32, Vec<String>, HashMap<String, Vec<String>>);

/// Applies sheet edits to custom fields with the page's validation; an invalid value is
/// skipped and described (row key, column, why — never the value). Returns how many were
/// applied, the descriptions, and the rejected (row key → sources).
fn read_back(
    c: &rusqlite::Connection,
    readbacks: &[Readback],
    now: time::OffsetDateTime,
) -> crate::crm::Result<ReadBack> {
    let defs = db::custom_fields::list(c)?;
    let mut by_contact: HashMap<ContactId, Vec<&Readback>> = HashMap::new();
    for r in readbacks {
        by_contact.entry(r.contact).or_default().push(r);
    }
    let (mut applied, mut skipped, mut rejected) =
        (0u32, Vec::new(), HashMap::<String, Vec<String>>::new());
    let mut reject = |r: &Readback, why: String, skipped: &mut Vec<String>| {
        skipped.push(format!(
            "Row {}, column \"{}\": {why} Not applied.",
            r.key, r.header
        ));
        rejected
            .entry(r.key.clone())
            .or_default()
            .push(r.source.clone());
    };
    let mut contacts: Vec<_> = by_contact.into_iter().collect();
    contacts.sort_by_key(|(id, _)| id.0);
    for (contact, edits) in contacts {
        let current = db::contacts::get(c, contact)?;
        if current.as_ref().is_none_or(|k| k.restricted_at.is_some()) {
            for r in edits {
                reject(r, "the contact is gone or restricted.".into(), &mut skipped);
            }
            continue;
        }
        let mut values = Vec::new();
        for r in edits {
            let key = r.source.strip_prefix("field:").unwrap_or_default();
            match defs.iter().find(|f| f.key == key) {
                None => reject(r, "the custom field no longer exists.".into(), &mut skipped),
                Some(f) => match f.parse_value(&r.value) {
                    Ok(v) => values.push((f.clone(), v)),
                    Err(e) => reject(r, format!("{e}."), &mut skipped),
                },
            }
        }
        if values.is_empty() {
            continue;
        }
        let keys: Vec<&str> = values.iter().map(|(f, _)| f.key.as_str()).collect();
        let detail = format!("source: Google Sheets; fields: {}", keys.join(","));
        crate::crm::fields::write_values(c, contact, &values)?;
        db::audit::record(
            c,
            &db::audit::Entry {
                at: now,
                actor: None,
                action: "contact.fields".into(),
                target: format!("contact:{contact}"),
                ip: String::new(),
                detail,
            },
        )?;
        applied += u32::try_from(values.len()).unwrap_or(0);
    }
    Ok((applied, skipped, rejected))
}

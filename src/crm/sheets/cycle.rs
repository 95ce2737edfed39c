//! One sync cycle. Requests, in order, each only when needed: the spreadsheet's tabs; one
//! batch read of each tab's header row, key column and sheet-owned columns (a second one only
//! when people moved those columns); one structure batch (new tabs, more columns); one
//! `values.batchUpdate` with new header cells and changed cells; one structure batch deleting
//! rows bottom-up; appends of new rows (about 2 MB each). Then, in one transaction, the sheet
//! edits read back into custom fields (validated, audited) and the rows' new state.

use super::plan::{self, Read, TabPlan};
use super::run::Fail;
use super::{CELL_LIMIT, Runtime, Setup, TabSetup, rows};
use crate::crm::Crm;
use crate::db;
use crate::db::sheets::{RowState, Run};
use crate::model::sheets::{
    Owner, SheetTab, column_letters, column_range, header_range, quote_tab, row_range,
};
use crate::sheets::{Client, Structure, TabMeta};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

/// Appends are cut into requests of about this many bytes (Google recommends ≤ 2 MB).
const APPEND_BYTES: usize = 2 * 1024 * 1024;

/// Where each tab's key and sheet-owned columns were: title → (key column, owned columns).
pub(super) type Layout = HashMap<String, (usize, Vec<usize>)>;

/// One tab's work in progress.
pub(super) struct Tab {
    pub(super) setup: TabSetup,
    pub(super) meta: Option<TabMeta>,
    pub(super) headers: Vec<Vec<String>>,
    pub(super) state: HashMap<String, RowState>,
    pub(super) read: Read,
    pub(super) plan: TabPlan,
}

impl Tab {
    fn owned_positions(&self, positions: &[usize]) -> Vec<usize> {
        self.setup
            .columns
            .0
            .iter()
            .zip(positions)
            .filter(|(c, _)| matches!(c.owner, Owner::Sheet { .. }))
            .map(|(_, p)| *p)
            .collect()
    }
}

pub(super) fn hasher(
    key: Option<std::sync::Arc<[u8; 32]>>,
    tab: SheetTab,
) -> impl Fn(&str, &str, &str) -> String {
    let key = key.map_or([0u8; 32], |k| *k);
    move |row: &str, source: &str, value: &str| {
        use base64::Engine;
        let mac = crate::crypto::hmac_sha256(
            &key,
            format!(
                "sheets\u{1}{}\u{1}{row}\u{1}{source}\u{1}{value}",
                tab.as_str()
            )
            .as_bytes(),
        );
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&mac[..6])
    }
}

fn cell_text(row: &[Value]) -> String {
    row.first().map(plan::text).unwrap_or_default()
}

/// The ranges to read for `tab` given where its key and owned columns are.
fn ranges(title: &str, key: usize, owned: &[usize]) -> Vec<String> {
    let mut out = vec![header_range(title), column_range(title, key)];
    out.extend(owned.iter().map(|c| column_range(title, *c)));
    out
}

/// Fills `read` from the values of `ranges(title, key, owned)`.
fn take_read(
    read: &mut Read,
    values: &mut impl Iterator<Item = Vec<Vec<Value>>>,
    owned: &[usize],
    with_header: bool,
) {
    if with_header {
        read.header = values
            .next()
            .and_then(|rows| rows.into_iter().next())
            .unwrap_or_default()
            .iter()
            .map(plan::text)
            .collect();
    }
    read.keys = values
        .next()
        .unwrap_or_default()
        .iter()
        .map(|r| cell_text(r).trim().to_string())
        .collect();
    read.owned.clear();
    for c in owned {
        let col = values
            .next()
            .unwrap_or_default()
            .into_iter()
            .map(|r| r.into_iter().next().unwrap_or(Value::Null))
            .collect();
        read.owned.insert(*c, col);
    }
}

fn header_row(p: &TabPlan, headers: &[Vec<String>]) -> Vec<Value> {
    let mut row = vec![Value::String(String::new()); p.width];
    row[p.key_col] = Value::String(crate::model::sheets::KEY_HEADER.into());
    for (c, at) in p.positions.iter().enumerate() {
        row[*at] = Value::String(headers[c][0].clone());
    }
    row
}

fn row_bytes(row: &[Value]) -> usize {
    row.iter().map(|v| plan::text(v).len() + 8).sum()
}

impl Crm {
    /// One cycle; counts and log lines go into `run`.
    #[allow(clippy::too_many_lines)]
    pub(super) async fn sheets_cycle(
        &self,
        client: &Client,
        rt: &Runtime,
        setup: &Setup,
        layout: &str,
        dry_run: bool,
        run: &mut Run,
    ) -> Result<(), Fail> {
        let id = setup
            .spreadsheet
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default();
        let metas = client.tabs(&id).await?;
        let defs = self.db.read(db::custom_fields::list).await?;
        let mut tabs: Vec<Tab> = setup
            .tabs()
            .into_iter()
            .map(|setup| Tab {
                meta: metas
                    .iter()
                    .find(|m| m.title.eq_ignore_ascii_case(&setup.title))
                    .cloned(),
                headers: rows::headers(setup.tab, &setup.columns.0, &defs),
                setup: setup.clone(),
                state: HashMap::new(),
                read: Read::default(),
                plan: TabPlan::default(),
            })
            .collect();
        // A cache of where columns were: unreadable means one more read, nothing worse.
        let mut known: Layout = serde_json::from_str(layout).unwrap_or_default();
        // Read: header, key column and owned columns where they were last time.
        let mut asked = Vec::new();
        let mut ranges_all = Vec::new();
        for (i, t) in tabs.iter().enumerate() {
            if let Some(m) = &t.meta {
                let (k, owned) = known.get(&m.title).cloned().unwrap_or((0, Vec::new()));
                ranges_all.extend(ranges(&m.title, k, &owned));
                asked.push((i, k, owned));
            }
        }
        if !ranges_all.is_empty() {
            let mut values = client.read(&id, &ranges_all).await?.into_iter();
            for (i, _, owned) in &asked {
                take_read(&mut tabs[*i].read, &mut values, owned, true);
            }
            // People moved columns: read the right ones (one more request for all tabs).
            let mut again = Vec::new();
            let mut again_ranges = Vec::new();
            for (i, k, owned) in &asked {
                let t = &tabs[*i];
                let (key_col, positions, _) = plan::place(&t.read.header, &t.headers);
                let want_owned = t.owned_positions(&positions);
                let title = t.meta.as_ref().map(|m| m.title.clone()).unwrap_or_default();
                if key_col != *k || want_owned != *owned {
                    let mut r = ranges(&title, key_col, &want_owned);
                    r.remove(0);
                    again_ranges.extend(r);
                    again.push((*i, want_owned.clone()));
                }
                known.insert(title, (key_col, want_owned));
            }
            if !again_ranges.is_empty() {
                let mut values = client.read(&id, &again_ranges).await?.into_iter();
                for (i, owned) in &again {
                    take_read(&mut tabs[*i].read, &mut values, owned, false);
                }
            }
        }
        // Plan every tab, streaming FlowCRM's rows from the database into the planner.
        let (zone, only_in, per_line) = (rt.zone.clone(), setup.only_opted_in, setup.order_lines);
        for t in &mut tabs {
            let (key, zone, defs) = (self.erasure_key.clone(), zone.clone(), defs.clone());
            let (tab, columns, headers) =
                (t.setup.tab, t.setup.columns.0.clone(), t.headers.clone());
            let read = std::mem::take(&mut t.read);
            let (plan, state) = self
                .db
                .read(move |c| {
                    let state = db::sheets::rows(c, tab.as_str())?;
                    let hash = hasher(key, tab);
                    let mut planner = plan::Planner::new(&columns, &headers, &read, &state, &hash);
                    match tab {
                        SheetTab::Contacts => db::sheets::sheet_contacts(c, only_in, |k| {
                            planner.offer(rows::contact_row(&k, &columns, &defs, &zone));
                        })?,
                        SheetTab::Orders => {
                            let orders = db::sheets::sheet_orders(c)?;
                            for w in rows::order_rows(orders, &columns, per_line, &zone) {
                                planner.offer(w);
                            }
                        }
                    }
                    let plan = planner.finish();
                    Ok::<_, db::Error>((plan, state))
                })
                .await?;
            (t.plan, t.state) = (plan, state);
            if let Some(m) = &t.meta {
                let owned = t.owned_positions(&t.plan.positions);
                known.insert(m.title.clone(), (t.plan.key_col, owned));
            }
        }
        // Stay under Google's cell limit.
        let mut cells: u64 = metas
            .iter()
            .map(|m| u64::from(m.rows) * u64::from(m.columns))
            .sum();
        for t in &mut tabs {
            let per_row = t
                .meta
                .as_ref()
                .map_or(t.plan.width, |m| (m.columns as usize).max(t.plan.width))
                as u64;
            let room = usize::try_from(CELL_LIMIT.saturating_sub(cells) / per_row.max(1))
                .unwrap_or(usize::MAX);
            if t.plan.appends.len() > room {
                let dropped: HashSet<String> = t.plan.appends[room..]
                    .iter()
                    .map(|w| w.key.clone())
                    .collect();
                t.plan.appends.truncate(room);
                t.plan.added = u32::try_from(room).unwrap_or(u32::MAX);
                let _ = writeln!(
                    run.log,
                    "The spreadsheet is near Google's 10 million cell limit: {} new rows of the {} tab were not added.",
                    dropped.len(),
                    t.setup.title
                );
            }
            cells += per_row * t.plan.appends.len() as u64;
        }
        for t in &tabs {
            run.added += t.plan.added;
            run.updated += t.plan.updated;
            run.deleted += u32::try_from(t.plan.deletes.len()).unwrap_or(u32::MAX);
            for code in &t.plan.erasures {
                let _ = writeln!(
                    run.log,
                    "Erasure {code}: its row is gone from the {} tab.",
                    t.setup.title
                );
            }
        }
        if dry_run {
            run.read_back = tabs
                .iter()
                .map(|t| u32::try_from(t.plan.readbacks.len()).unwrap_or(0))
                .sum();
            return Ok(());
        }
        // Structure first: new tabs, more columns.
        let mut pre = Vec::new();
        for t in &tabs {
            match &t.meta {
                None => pre.push(Structure::AddTab {
                    title: t.setup.title.clone(),
                    columns: u32::try_from(t.plan.width).unwrap_or(u32::MAX),
                }),
                Some(m) if (m.columns as usize) < t.plan.width => pre.push(Structure::AddColumns {
                    sheet_id: m.sheet_id,
                    count: u32::try_from(t.plan.width).unwrap_or(u32::MAX) - m.columns,
                }),
                Some(_) => {}
            }
        }
        if !pre.is_empty() {
            client.structure(&id, pre).await?;
        }
        // Changed cells and new header cells, every tab in one request.
        let mut data = Vec::new();
        for t in &tabs {
            let title = &t.setup.title;
            let mut header: Vec<(usize, usize, Value)> = t
                .plan
                .header_writes
                .iter()
                .map(|(c, h)| (1, *c, Value::String(h.clone())))
                .collect();
            if t.plan.header_in_append && t.plan.appends.is_empty() {
                // An empty tab and nothing to append yet: the header still goes in.
                let row = header_row(&t.plan, &t.headers);
                header.extend(row.into_iter().enumerate().map(|(c, v)| (1, c, v)));
            }
            header.extend(t.plan.cell_writes.iter().cloned());
            for (row, col, values) in plan::runs(&header) {
                data.push((row_range(title, row, col, values.len()), vec![values]));
            }
        }
        if !data.is_empty() {
            client.write(&id, data).await?;
        }
        // Rows deleted bottom-up, every tab in one request.
        let deletes: Vec<Structure> = tabs
            .iter()
            .filter_map(|t| Some((t.meta.as_ref()?.sheet_id, &t.plan.deletes)))
            .flat_map(|(sheet_id, rows)| {
                plan::spans(rows)
                    .into_iter()
                    .map(move |(start, end)| Structure::DeleteRows {
                        sheet_id,
                        start,
                        end,
                    })
            })
            .collect();
        if !deletes.is_empty() {
            client.structure(&id, deletes).await?;
        }
        // New rows.
        for t in &tabs {
            let p = &t.plan;
            if p.appends.is_empty() {
                continue;
            }
            let header = p.header_in_append.then(|| header_row(p, &t.headers));
            // Rows are laid out as they are sent, a chunk at a time.
            let rows = header.into_iter().chain(
                p.appends
                    .iter()
                    .map(|w| w.row(p.key_col, &p.positions, p.width)),
            );
            let range = format!(
                "{}!A:{}",
                quote_tab(&t.setup.title),
                column_letters(t.plan.width - 1)
            );
            let mut chunk = Vec::new();
            let mut bytes = 0;
            for row in rows {
                bytes += row_bytes(&row);
                chunk.push(row);
                if bytes >= APPEND_BYTES {
                    client
                        .append(&id, &range, std::mem::take(&mut chunk))
                        .await?;
                    bytes = 0;
                }
            }
            if !chunk.is_empty() {
                client.append(&id, &range, chunk).await?;
            }
        }
        self.sheets_commit(tabs, known, run).await
    }
}

//! The sync's decisions for one tab, without IO: from the header row, the key column and the
//! sheet-owned columns as read, the rows FlowCRM wants in the tab and what it last wrote, work
//! out which header cells to add, which cells changed, which rows to append, which to delete
//! (bottom-up) and which sheet edits to read back. Rows are matched by their `flowcrm_id`
//! cell wherever people moved them.

use crate::db::sheets::RowState;
use crate::model::ContactId;
use crate::model::sheets::{KEY_HEADER, Owner, SheetColumn};
use serde_json::Value;
use std::collections::{HashMap, HashSet};

pub use super::want::Want;

/// What was read of a tab.
#[derive(Debug, Clone, Default)]
pub struct Read {
    /// Row 1.
    pub header: Vec<String>,
    /// The key column from row 2 down (index 0 is row 2).
    pub keys: Vec<String>,
    /// Sheet-owned columns from row 2 down, by sheet column index.
    pub owned: HashMap<usize, Vec<Value>>,
}

/// A sheet edit to bring into a contact's custom field.
#[derive(Debug, Clone, PartialEq)]
pub struct Readback {
    /// The row's key.
    pub key: String,
    /// The contact.
    pub contact: ContactId,
    /// The column's source (`field:<key>`).
    pub source: String,
    /// The column's header.
    pub header: String,
    /// The cell as text.
    pub value: String,
}

/// Everything a run does to one tab.
#[derive(Debug, Clone, Default)]
pub struct TabPlan {
    /// Sheet column of the key and of each configured column.
    pub key_col: usize,
    /// Sheet column per configured column.
    pub positions: Vec<usize>,
    /// Header cells to write in row 1 (column, text), unless `header_in_append`.
    pub header_writes: Vec<(usize, String)>,
    /// The tab is empty: the header goes first in the append.
    pub header_in_append: bool,
    /// Cells to write: (1-based row, column, value).
    pub cell_writes: Vec<(usize, usize, Value)>,
    /// Rows to append (laid out by [`Want::row`] when sent).
    pub appends: Vec<Want>,
    /// 1-based rows to delete, highest first.
    pub deletes: Vec<usize>,
    /// Sheet edits to read back.
    pub readbacks: Vec<Readback>,
    /// The new state of every changed row, by key (appended rows: [`appended_state`]).
    pub state: Vec<(String, RowState)>,
    /// Keys whose state goes (rows deleted, or gone from the sheet and from FlowCRM).
    pub forget: Vec<String>,
    /// Erasure receipt codes whose rows were removed (or were already gone).
    pub erasures: Vec<String>,
    /// Rows whose cells changed.
    pub updated: u32,
    /// Appended rows that hold no header.
    pub added: u32,
    /// Width of an appended row.
    pub width: usize,
}

/// Turns a cell into text the way FlowCRM compares and stores it.
#[must_use]
pub fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => match n.as_f64() {
            #[allow(clippy::cast_possible_truncation)]
            Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

/// Where each column is: the header row's cells matched by name (`headers[i]` are the
/// accepted names of configured column `i`); missing ones take the next free columns.
#[must_use]
pub fn place(
    header: &[String],
    headers: &[Vec<String>],
) -> (usize, Vec<usize>, Vec<(usize, String)>) {
    let key_names = [KEY_HEADER.to_string()];
    let find = |names: &[String]| {
        header
            .iter()
            .position(|h| names.iter().any(|n| n.eq_ignore_ascii_case(h.trim())))
    };
    let mut next = header
        .iter()
        .rposition(|h| !h.trim().is_empty())
        .map_or(0, |i| i + 1);
    let mut writes = Vec::new();
    let mut take = |name: &str, writes: &mut Vec<(usize, String)>| {
        writes.push((next, name.to_string()));
        next += 1;
        next - 1
    };
    let key_col = find(&key_names).unwrap_or_else(|| take(KEY_HEADER, &mut writes));
    let positions = headers
        .iter()
        .map(|names| find(names).unwrap_or_else(|| take(&names[0], &mut writes)))
        .collect();
    (key_col, positions, writes)
}

/// The keyed hash of (row key, column source, value as text).
pub type Hasher<'a> = &'a dyn Fn(&str, &str, &str) -> String;

/// The state of a row FlowCRM appended: the keyed hash of every cell it wrote.
#[must_use]
pub fn appended_state(columns: &[SheetColumn], want: &Want, hash: Hasher<'_>) -> RowState {
    let mut s = RowState {
        contact_id: want.contact,
        ..RowState::default()
    };
    for (c, col) in columns.iter().enumerate() {
        let h = hash(&want.key, &col.source, want.text(c));
        let owned = matches!(col.owner, Owner::Sheet { .. });
        s.agreed.push(owned.then_some(h.as_str()));
        s.cells.push(Some(&h));
    }
    s.agreed.trim();
    s
}

/// Plans one tab row by row: [`Planner::offer`] every row FlowCRM wants, then
/// [`Planner::finish`]. A row already in the sheet is diffed and dropped at once; only rows to
/// append are kept, so 100,000 contacts never sit in memory together.
pub struct Planner<'a> {
    columns: &'a [SheetColumn],
    headers: &'a [Vec<String>],
    read: &'a Read,
    state: &'a HashMap<String, RowState>,
    hash: Hasher<'a>,
    /// Rows of the sheet not offered yet: key → 1-based row (first occurrence).
    rows: HashMap<&'a str, usize>,
    /// State keys offered (the rest are forgotten).
    offered: HashSet<&'a str>,
    p: TabPlan,
}

impl<'a> Planner<'a> {
    /// Starts a tab's plan from what was read of it. `headers[i]` names column `i` (first =
    /// what a new header says).
    #[must_use]
    pub fn new(
        columns: &'a [SheetColumn],
        headers: &'a [Vec<String>],
        read: &'a Read,
        state: &'a HashMap<String, RowState>,
        hash: Hasher<'a>,
    ) -> Self {
        let (key_col, positions, header_writes) = place(&read.header, headers);
        let empty_tab = read.header.iter().all(|h| h.trim().is_empty())
            && read.keys.iter().all(String::is_empty);
        let width = positions
            .iter()
            .chain([&key_col])
            .max()
            .map_or(1, |m| m + 1);
        let mut p = TabPlan {
            key_col,
            positions,
            header_in_append: empty_tab,
            width,
            ..TabPlan::default()
        };
        if !empty_tab {
            p.header_writes = header_writes;
        }
        // Rows by key; a later row with the same key is a copy and goes.
        let mut rows = HashMap::with_capacity(read.keys.len());
        for (i, key) in read.keys.iter().enumerate() {
            let key = key.trim();
            if key.is_empty() {
                continue;
            }
            match rows.entry(key) {
                std::collections::hash_map::Entry::Occupied(_) => p.deletes.push(i + 2),
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(i + 2);
                }
            }
        }
        Self {
            columns,
            headers,
            read,
            state,
            hash,
            rows,
            offered: HashSet::new(),
            p,
        }
    }

    /// Plans one row FlowCRM wants in the tab.
    pub fn offer(&mut self, want: Want) {
        let old = self.state.get_key_value(want.key.as_str());
        if let Some((k, _)) = old {
            self.offered.insert(k.as_str());
        }
        let old = old.map(|(_, s)| s);
        if let Some(row) = self.rows.remove(want.key.as_str()) {
            let s = diff_row(
                &mut self.p,
                self.columns,
                self.headers,
                self.read,
                &want,
                old,
                row,
                self.hash,
            );
            if old != Some(&s) {
                self.p.state.push((want.key, s));
            }
            return;
        }
        // Its state is worked out when the row was written (`appended_state`).
        self.p.added += 1;
        self.p.appends.push(want);
    }

    /// The plan: rows nobody offered are deleted (bottom-up), state nobody offered forgotten.
    #[must_use]
    pub fn finish(self) -> TabPlan {
        let mut p = self.p;
        for (key, row) in self.rows {
            p.deletes.push(row);
            p.forget.push(key.to_string());
            if let Some(code) = self.state.get(key).and_then(|s| s.erasure.clone()) {
                p.erasures.push(code);
            }
        }
        let in_sheet: HashSet<&str> = self.read.keys.iter().map(|k| k.trim()).collect();
        for (key, s) in self.state {
            if !self.offered.contains(key.as_str()) && !in_sheet.contains(key.as_str()) {
                p.forget.push(key.clone());
                p.erasures.extend(s.erasure.clone());
            }
        }
        p.deletes.sort_unstable_by(|a, b| b.cmp(a));
        p.deletes.dedup();
        p
    }
}

#[allow(clippy::too_many_arguments)]
fn diff_row(
    p: &mut TabPlan,
    columns: &[SheetColumn],
    headers: &[Vec<String>],
    read: &Read,
    want: &Want,
    old: Option<&RowState>,
    row: usize,
    hash: Hasher<'_>,
) -> RowState {
    let mut s = RowState {
        contact_id: want.contact,
        ..RowState::default()
    };
    let mut changed = false;
    for (c, col) in columns.iter().enumerate() {
        let at = p.positions[c];
        let mut h = hash(&want.key, &col.source, want.text(c));
        let last = old.and_then(|o| o.cells.get(c));
        let mut write = last != Some(h.as_str());
        if let Owner::Sheet { sheet_wins } = col.owner {
            let cell = read
                .owned
                .get(&at)
                .and_then(|vals| vals.get(row - 2))
                .cloned()
                .unwrap_or(Value::Null);
            let (sv, fv) = (text(&cell), want.text(c).to_string());
            let hs = hash(&want.key, &col.source, &sv);
            let hf = hash(&want.key, &col.source, &fv);
            let agreed = old.and_then(|o| o.agreed.get(c));
            let read_back = if sv == fv {
                write = false;
                false
            } else {
                let sheet_changed = agreed != Some(hs.as_str());
                let flowcrm_changed = agreed != Some(hf.as_str());
                match (agreed, sheet_changed, flowcrm_changed) {
                    (None, _, _) if sv.is_empty() => false,
                    (None, _, _) if fv.is_empty() => true,
                    (_, true, false) => true,
                    (_, false, true) => false,
                    _ => sheet_wins,
                }
            };
            if read_back {
                write = false;
                if let Some(contact) = want.contact {
                    p.readbacks.push(Readback {
                        key: want.key.clone(),
                        contact,
                        source: col.source.clone(),
                        header: headers[c][0].clone(),
                        value: sv,
                    });
                }
                s.agreed.push(Some(&hs));
                h = hs;
            } else {
                write |= sv != fv;
                s.agreed.push(Some(&hf));
            }
        } else {
            s.agreed.push(None);
        }
        if write {
            p.cell_writes.push((row, at, want.value(c)));
            changed = true;
        }
        s.cells.push(Some(&h));
    }
    if changed {
        p.updated += 1;
    }
    s.agreed.trim();
    s
}

/// Groups cell writes into ranges of neighbouring cells of one row: (row, first column,
/// values).
#[must_use]
pub fn runs(writes: &[(usize, usize, Value)]) -> Vec<(usize, usize, Vec<Value>)> {
    let mut sorted: Vec<&(usize, usize, Value)> = writes.iter().collect();
    sorted.sort_by_key(|(r, c, _)| (*r, *c));
    let mut out: Vec<(usize, usize, Vec<Value>)> = Vec::new();
    for (r, c, v) in sorted {
        match out.last_mut() {
            Some((lr, lc, vals)) if lr == r && *lc + vals.len() == *c => vals.push(v.clone()),
            _ => out.push((*r, *c, vec![v.clone()])),
        }
    }
    out
}

/// Groups 1-based rows (highest first) into 0-based `[start, end)` spans, highest first.
#[must_use]
pub fn spans(rows_desc: &[usize]) -> Vec<(u32, u32)> {
    let mut out: Vec<(u32, u32)> = Vec::new();
    for &r in rows_desc {
        let idx = u32::try_from(r - 1).unwrap_or(u32::MAX);
        match out.last_mut() {
            Some((start, _)) if *start == idx + 1 => *start = idx,
            _ => out.push((idx, idx + 1)),
        }
    }
    out
}

#[cfg(test)]
mod tests;

use super::*;
use crate::model::sheets::{SheetColumns, SheetTab};
use serde_json::json;

/// Plans one tab from all its wanted rows at once (see [`Planner`]).
fn plan(
    columns: &[SheetColumn],
    headers: &[Vec<String>],
    read: &Read,
    wants: Vec<Want>,
    state: &HashMap<String, RowState>,
    hash: Hasher<'_>,
) -> TabPlan {
    let mut planner = Planner::new(columns, headers, read, state, hash);
    for w in wants {
        planner.offer(w);
    }
    planner.finish()
}

/// A stand-in for the keyed hash: 8 characters, different for different inputs here.
fn hash(row: &str, source: &str, value: &str) -> String {
    let n = format!("{row}/{source}/{value}")
        .bytes()
        .fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
    format!("{:08x}", n & 0xffff_ffff)
}

fn want(key: &str, cells: &[Value]) -> Want {
    Want::new(key.into(), key.parse().ok().map(ContactId), cells)
}

fn hashes(list: &[Option<&str>]) -> crate::db::sheets::Hashes {
    let mut h = crate::db::sheets::Hashes::default();
    for v in list {
        h.push(*v);
    }
    h
}

#[test]
fn hash_slots_are_positional_and_can_be_replaced_or_cleared() {
    let h = hashes(&[Some("aaaaaaaa"), None, Some("cccccccc")]);
    assert_eq!(
        (h.get(0), h.get(1), h.get(2), h.get(3)),
        (Some("aaaaaaaa"), None, Some("cccccccc"), None)
    );
    let k = h.with(1, Some("bbbbbbbb")).with(0, None);
    assert_eq!(
        (k.get(0), k.get(1), k.get(2)),
        (None, Some("bbbbbbbb"), Some("cccccccc"))
    );
    assert_eq!(h.with(4, Some("eeeeeeee")).get(4), Some("eeeeeeee"));
}

#[test]
fn a_packed_row_keeps_each_cells_text_and_type() {
    let w = want(
        "7",
        &[
            json!("a\u{1f}b"),
            json!(2.5),
            json!(true),
            json!(""),
            json!(26.0),
        ],
    );
    assert_eq!(
        (w.text(0), w.text(1), w.text(2), w.text(3), w.text(4)),
        ("a\u{1f}b", "2.5", "true", "", "26")
    );
    assert_eq!(
        (w.value(1), w.value(2), w.value(4)),
        (json!(2.5), json!(true), json!(26))
    );
}

fn headers() -> Vec<Vec<String>> {
    vec![
        vec!["Name".into(), "name".into()],
        vec!["Points".into(), "points".into(), "field:points".into()],
    ]
}

fn cols(text: &str) -> Vec<SheetColumn> {
    SheetColumns::parse(text, SheetTab::Contacts)
        .expect("columns")
        .0
}

#[test]
fn an_empty_tab_gets_the_header_in_the_append_and_every_row() {
    let c = cols("name; field:points");
    let p = plan(
        &c,
        &headers(),
        &Read::default(),
        vec![want("1", &[json!("Ana"), json!(3)])],
        &HashMap::new(),
        &hash,
    );
    assert!(p.header_in_append && p.header_writes.is_empty());
    assert_eq!((p.key_col, p.positions.clone()), (0, vec![1, 2]));
    let w = &p.appends[0];
    assert_eq!(
        w.row(p.key_col, &p.positions, p.width),
        vec![json!("1"), json!("Ana"), json!(3)]
    );
}

#[test]
fn moved_columns_are_found_by_header_and_missing_ones_added_at_the_right() {
    let header: Vec<String> = ["Notes", "Name", "", "flowcrm_id"]
        .map(String::from)
        .to_vec();
    let (key, positions, writes) = place(&header, &headers());
    assert_eq!((key, positions), (3, vec![1, 4]));
    assert_eq!(writes, vec![(4, "Points".to_string())]);
}

#[test]
fn the_conflict_rule_decides_when_both_sides_changed_and_one_side_changes_pass_through() {
    let read = Read {
        header: ["flowcrm_id", "Name", "Points"].map(String::from).to_vec(),
        keys: vec!["1".into()],
        owned: HashMap::from([(2, vec![json!(9)])]),
    };
    let old = HashMap::from([(
        "1".to_string(),
        RowState {
            contact_id: Some(ContactId(1)),
            cells: hashes(&[
                Some(&hash("1", "name", "Ana")),
                Some(&hash("1", "field:points", "3")),
            ]),
            agreed: hashes(&[None, Some(&hash("1", "field:points", "3"))]),
            erasure: None,
        },
    )]);
    // Both changed (sheet 9, FlowCRM 4): FlowCRM wins → written; the sheet wins → read back.
    let wants = || vec![want("1", &[json!("Ana"), json!(4)])];
    let p = plan(
        &cols("name; field:points (sheet owns)"),
        &headers(),
        &read,
        wants(),
        &old,
        &hash,
    );
    assert_eq!(p.cell_writes, vec![(2, 2, json!(4))]);
    assert!(p.readbacks.is_empty());
    let p = plan(
        &cols("name; field:points (sheet owns, sheet wins)"),
        &headers(),
        &read,
        wants(),
        &old,
        &hash,
    );
    assert!(p.cell_writes.is_empty());
    assert_eq!(p.readbacks[0].value, "9");
    // Only the sheet changed: read back whatever the rule.
    let p = plan(
        &cols("name; field:points (sheet owns)"),
        &headers(),
        &read,
        vec![want("1", &[json!("Ana"), json!(3)])],
        &old,
        &hash,
    );
    assert_eq!(p.readbacks.len(), 1);
    assert_eq!(p.updated, 0);
}

#[test]
fn duplicates_and_unwanted_rows_are_deleted_bottom_up_in_spans() {
    let read = Read {
        header: ["flowcrm_id", "Name"].map(String::from).to_vec(),
        keys: ["1", "2", "", "1", "3", "4"].map(String::from).to_vec(),
        owned: HashMap::new(),
    };
    let p = plan(
        &cols("name"),
        &headers()[..1],
        &read,
        vec![want("1", &[json!("A")]), want("2", &[json!("B")])],
        &HashMap::new(),
        &hash,
    );
    assert_eq!(p.deletes, vec![7, 6, 5]);
    assert_eq!(spans(&p.deletes), vec![(4, 7)]);
    assert_eq!(spans(&[9, 5, 4]), vec![(8, 9), (3, 5)]);
}

#[test]
fn neighbouring_cell_writes_share_one_range() {
    let w = vec![
        (3, 2, json!("b")),
        (3, 1, json!("a")),
        (3, 4, json!("d")),
        (5, 1, json!("x")),
    ];
    assert_eq!(
        runs(&w),
        vec![
            (3, 1, vec![json!("a"), json!("b")]),
            (3, 4, vec![json!("d")]),
            (5, 1, vec![json!("x")])
        ]
    );
}

//! Google Sheets sync, the parts without IO: the spreadsheet id (typed bare or as the address
//! in the browser), the columns an owner chose for a tab in one text form that round-trips
//! ("name; phone; field:points (sheet owns, sheet wins)"), and A1 notation.

use std::fmt;
use std::str::FromStr;

/// The header of the column that identifies FlowCRM's rows.
pub const KEY_HEADER: &str = "flowcrm_id";

/// A spreadsheet id, from the id itself or a `docs.google.com/spreadsheets/d/<id>/…` address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpreadsheetId(String);

impl SpreadsheetId {
    /// Parses an id or a spreadsheet address.
    pub fn parse(input: &str) -> Result<Self, String> {
        let text = input.trim();
        let id = match text.find("/spreadsheets/d/") {
            Some(at) => text[at + "/spreadsheets/d/".len()..]
                .split(['/', '?', '#'])
                .next()
                .unwrap_or_default(),
            None if text.contains('/') => {
                return Err(format!(
                    "`{text}` is not a Google Sheets address: open the spreadsheet and copy the address (https://docs.google.com/spreadsheets/d/…/edit) or the id between /d/ and /edit."
                ));
            }
            None => text,
        };
        if id.len() < 20
            || !id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(format!(
                "`{id}` is not a spreadsheet id: it is the long code between /d/ and /edit in the spreadsheet's address."
            ));
        }
        Ok(Self(id.to_string()))
    }

    /// The id.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SpreadsheetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Which of FlowCRM's two tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SheetTab {
    /// One row per contact.
    Contacts,
    /// One row per order (or per order line).
    Orders,
}

impl SheetTab {
    /// Stored name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Contacts => "contacts",
            Self::Orders => "orders",
        }
    }

    /// The fields a column of this tab may show, with their headers.
    #[must_use]
    pub fn builtins(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Self::Contacts => CONTACT_FIELDS,
            Self::Orders => ORDER_FIELDS,
        }
    }
}

/// Built-in contact columns: (source, header).
pub const CONTACT_FIELDS: &[(&str, &str)] = &[
    ("name", "Name"),
    ("phone", "Phone"),
    ("email", "Email"),
    ("whatsapp_name", "WhatsApp name"),
    ("tags", "Tags"),
    ("marketing", "Marketing consent"),
    ("created", "Created"),
];

/// Built-in order columns: (source, header). The `line_*` ones need one row per order line.
pub const ORDER_FIELDS: &[(&str, &str)] = &[
    ("contact_id", "Contact flowcrm_id"),
    ("contact_name", "Customer"),
    ("contact_phone", "Customer phone"),
    ("status", "Status"),
    ("source", "Source"),
    ("items", "Items"),
    ("total", "Total"),
    ("currency", "Currency"),
    ("note", "Note"),
    ("created", "Created"),
    ("line_product", "Product"),
    ("line_quantity", "Quantity"),
    ("line_price", "Unit price"),
];

/// Who owns a column's cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// FlowCRM writes the cell when the value changes; edits in the sheet are not read.
    FlowCrm,
    /// Both sides may change it; the sheet's edits come back into the custom field.
    /// `sheet_wins` decides when both changed since the last sync.
    Sheet {
        /// The sheet's value wins a conflict (otherwise FlowCRM's does).
        sheet_wins: bool,
    },
}

/// One chosen column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetColumn {
    /// A built-in source (`name`) or `field:<custom field key>`.
    pub source: String,
    /// Who owns the cells.
    pub owner: Owner,
}

impl SheetColumn {
    /// The custom field key, for a `field:` column.
    #[must_use]
    pub fn field_key(&self) -> Option<&str> {
        self.source.strip_prefix("field:")
    }
}

impl fmt::Display for SheetColumn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)?;
        match self.owner {
            Owner::FlowCrm => Ok(()),
            Owner::Sheet { sheet_wins: false } => f.write_str(" (sheet owns)"),
            Owner::Sheet { sheet_wins: true } => f.write_str(" (sheet owns, sheet wins)"),
        }
    }
}

/// The columns of one tab, in the order they are added to a new sheet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SheetColumns(pub Vec<SheetColumn>);

impl fmt::Display for SheetColumns {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, c) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

impl SheetColumns {
    /// Parses the text form for `tab`: columns separated by `;` or new lines; a built-in name
    /// or `field:<key>`, optionally followed by `(sheet owns)` or `(sheet owns, sheet wins)`
    /// (custom fields only). Reports every problem, one per column.
    pub fn parse(text: &str, tab: SheetTab) -> Result<Self, Vec<String>> {
        let (mut out, mut errors) = (Vec::new(), Vec::new());
        for part in text
            .split([';', '\n'])
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            match parse_column(part, tab) {
                Ok(c) if out.iter().any(|o: &SheetColumn| o.source == c.source) => {
                    errors.push(format!("`{}` is listed twice.", c.source));
                }
                Ok(c) => out.push(c),
                Err(e) => errors.push(e),
            }
        }
        if errors.is_empty() {
            Ok(Self(out))
        } else {
            Err(errors)
        }
    }

    /// True when no column is chosen (the tab is not synced).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

fn parse_column(part: &str, tab: SheetTab) -> Result<SheetColumn, String> {
    let (source, flags) = match part.split_once('(') {
        Some((s, rest)) => {
            let Some(flags) = rest.trim().strip_suffix(')') else {
                return Err(format!(
                    "`{part}`: close the bracket, as in `field:points (sheet owns)`."
                ));
            };
            (s.trim(), Some(flags))
        }
        None => (part, None),
    };
    let known = tab.builtins().iter().any(|(s, _)| *s == source);
    let is_field = tab == SheetTab::Contacts
        && source
            .strip_prefix("field:")
            .is_some_and(|k| crate::model::check_field_key(k).is_ok());
    if !known && !is_field {
        let names: Vec<&str> = tab.builtins().iter().map(|(s, _)| *s).collect();
        let fields = if tab == SheetTab::Contacts {
            " or field:<custom field key>"
        } else {
            ""
        };
        return Err(format!(
            "`{source}` is not a column of the {} tab: use one of {}{fields}.",
            tab.as_str(),
            names.join(", ")
        ));
    }
    let owner = match flags.map(str::to_ascii_lowercase) {
        None => Owner::FlowCrm,
        Some(f) => {
            let words: Vec<String> = f.split(',').map(|w| w.trim().to_string()).collect();
            let owns = words.iter().any(|w| w == "sheet owns");
            let sheet_wins = words.iter().any(|w| w == "sheet wins");
            let flowcrm_wins = words.iter().any(|w| w == "flowcrm wins");
            let unknown = words.iter().find(|w| {
                !["sheet owns", "sheet wins", "flowcrm wins", "flowcrm writes"]
                    .contains(&w.as_str())
            });
            if let Some(w) = unknown {
                return Err(format!(
                    "`{part}`: `{w}` is not understood; write `(sheet owns)`, `(sheet owns, sheet wins)` or `(sheet owns, flowcrm wins)`."
                ));
            }
            if !owns && (sheet_wins || flowcrm_wins) {
                return Err(format!(
                    "`{part}`: a conflict rule needs `sheet owns` first."
                ));
            }
            if sheet_wins && flowcrm_wins {
                return Err(format!(
                    "`{part}`: choose one of `sheet wins` and `flowcrm wins`."
                ));
            }
            if owns && !is_field {
                return Err(format!(
                    "`{source}`: only custom fields can be owned by the sheet (read back); built-in columns are written by FlowCRM."
                ));
            }
            if owns {
                Owner::Sheet { sheet_wins }
            } else {
                Owner::FlowCrm
            }
        }
    };
    Ok(SheetColumn {
        source: source.to_string(),
        owner,
    })
}

/// The column letters of a zero-based column index (0 → `A`, 26 → `AA`).
#[must_use]
pub fn column_letters(index: usize) -> String {
    let mut n = index + 1;
    let mut out = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        out.push(b'A' + u8::try_from(rem).unwrap_or(0));
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// A tab name as A1 notation needs it: in single quotes, inner quotes doubled.
#[must_use]
pub fn quote_tab(name: &str) -> String {
    format!("'{}'", name.replace('\'', "''"))
}

/// The A1 range of `count` cells of row `row` (1-based) from column `col` (0-based).
#[must_use]
pub fn row_range(tab: &str, row: usize, col: usize, count: usize) -> String {
    let first = column_letters(col);
    let last = column_letters(col + count.max(1) - 1);
    format!("{}!{first}{row}:{last}{row}", quote_tab(tab))
}

/// The A1 range of a column (0-based) from row 2 down.
#[must_use]
pub fn column_range(tab: &str, col: usize) -> String {
    let c = column_letters(col);
    format!("{}!{c}2:{c}", quote_tab(tab))
}

/// The A1 range of the header row.
#[must_use]
pub fn header_range(tab: &str) -> String {
    format!("{}!1:1", quote_tab(tab))
}

impl FromStr for SpreadsheetId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreadsheet_id_comes_from_the_address_or_the_id_itself() {
        let id = "1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms";
        let url = format!("https://docs.google.com/spreadsheets/d/{id}/edit#gid=0");
        assert_eq!(SpreadsheetId::parse(&url).expect("valid").as_str(), id);
        assert_eq!(SpreadsheetId::parse(id).expect("valid").as_str(), id);
        assert!(SpreadsheetId::parse("https://example.com/x").is_err());
        assert!(SpreadsheetId::parse("short").is_err());
    }

    #[test]
    fn columns_round_trip_through_their_text_form_and_report_every_problem() {
        let text = "name; phone; field:points (sheet owns); field:tier (sheet owns, sheet wins)";
        let cols = SheetColumns::parse(text, SheetTab::Contacts).expect("valid");
        assert_eq!(cols.0.len(), 4);
        assert_eq!(cols.0[3].owner, Owner::Sheet { sheet_wins: true });
        assert_eq!(cols.to_string(), text);
        assert_eq!(
            SheetColumns::parse(&cols.to_string(), SheetTab::Contacts).expect("valid"),
            cols
        );
        let errors = SheetColumns::parse(
            "nme; name (sheet owns); field:x (sheet wins); name; name",
            SheetTab::Contacts,
        )
        .expect_err("invalid");
        assert_eq!(errors.len(), 4, "{errors:?}");
        assert!(SheetColumns::parse("field:points", SheetTab::Orders).is_err());
    }

    #[test]
    fn a1_notation_quotes_tabs_and_names_columns() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
        assert_eq!(row_range("Bob's", 3, 1, 2), "'Bob''s'!B3:C3");
        assert_eq!(column_range("Contacts", 27), "'Contacts'!AB2:AB");
        assert_eq!(header_range("Contacts"), "'Contacts'!1:1");
    }
}

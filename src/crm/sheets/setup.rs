//! What the sync is set to do: the spreadsheet, each tab's name and columns, one row per order
//! line, only opted-in contacts. `flowcrm.toml` wins; otherwise the browser's values (the
//! `settings` table). Saving from the browser checks everything first and keeps nothing on
//! any error.

use super::names;
use crate::crm::access::{self, AdminAction, Who};
use crate::crm::{Crm, Error, Result};
use crate::db;
use crate::model::sheets::{SheetColumns, SheetTab, SpreadsheetId};
use crate::model::{CustomField, FieldError};
use rusqlite::Connection;

/// The values `flowcrm.toml` (or the environment) sets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileValues {
    /// `sheets.spreadsheet`.
    pub spreadsheet: Option<String>,
    /// `sheets.contacts_tab`.
    pub contacts_tab: Option<String>,
    /// `sheets.contacts_columns`.
    pub contacts_columns: Option<String>,
    /// `sheets.orders_tab`.
    pub orders_tab: Option<String>,
    /// `sheets.orders_columns`.
    pub orders_columns: Option<String>,
    /// `sheets.order_lines`.
    pub order_lines: Option<bool>,
    /// `sheets.only_opted_in`.
    pub only_opted_in: Option<bool>,
    /// The key comes from `sheets.service_account_file`.
    pub key_in_file: bool,
}

/// One tab's name and columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TabSetup {
    /// Which tab.
    pub tab: SheetTab,
    /// Its name in the spreadsheet.
    pub title: String,
    /// Its columns (none: not synced).
    pub columns: SheetColumns,
}

/// The sync's setup in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setup {
    /// The spreadsheet (none: not set up).
    pub spreadsheet: Option<SpreadsheetId>,
    /// The contacts tab.
    pub contacts: TabSetup,
    /// The orders tab.
    pub orders: TabSetup,
    /// One row per order line instead of per order.
    pub order_lines: bool,
    /// Only contacts who opted in to marketing.
    pub only_opted_in: bool,
    /// Which settings `flowcrm.toml` fixes (the form shows them read-only).
    pub from_file: Vec<&'static str>,
}

impl Setup {
    /// The tabs with columns chosen.
    #[must_use]
    pub fn tabs(&self) -> Vec<&TabSetup> {
        [&self.contacts, &self.orders]
            .into_iter()
            .filter(|t| !t.columns.is_empty())
            .collect()
    }
}

/// What the setup form sends.
#[derive(Debug, Clone, Default)]
pub struct SetupInput {
    /// Spreadsheet id or address.
    pub spreadsheet: String,
    /// Contacts tab name.
    pub contacts_tab: String,
    /// Contacts columns (text form).
    pub contacts_columns: String,
    /// Orders tab name.
    pub orders_tab: String,
    /// Orders columns.
    pub orders_columns: String,
    /// One row per order line.
    pub order_lines: bool,
    /// Only opted-in contacts.
    pub only_opted_in: bool,
}

fn stored(conn: &Connection, name: &str) -> db::Result<Option<String>> {
    Ok(db::settings::get(conn, name)?.map(|s| s.value))
}

fn pick(
    conn: &Connection,
    name: &'static str,
    file: Option<&String>,
    from_file: &mut Vec<&'static str>,
) -> db::Result<Option<String>> {
    if let Some(v) = file {
        from_file.push(name);
        return Ok(Some(v.clone()));
    }
    stored(conn, name)
}

fn check_tab_name(name: &str, field: &'static str, errors: &mut Vec<FieldError>) {
    if name.trim().is_empty() || name.chars().count() > 100 {
        errors.push(FieldError::new(
            field,
            "Give the tab a name of 1 to 100 characters.",
        ));
    }
}

/// Checks columns against the tab and the custom fields that exist.
fn columns(
    text: &str,
    tab: SheetTab,
    defs: &[CustomField],
    order_lines: bool,
) -> std::result::Result<SheetColumns, Vec<String>> {
    let cols = SheetColumns::parse(text, tab)?;
    let mut errors = Vec::new();
    for c in &cols.0 {
        if let Some(key) = c.field_key()
            && !defs.iter().any(|f| f.key == key)
        {
            errors.push(format!("There is no custom field `{key}`."));
        }
        if c.source.starts_with("line_") && !order_lines {
            errors.push(format!("`{}` needs one row per order line.", c.source));
        }
    }
    if errors.is_empty() {
        Ok(cols)
    } else {
        Err(errors)
    }
}

/// The setup in force; a stored value that no longer parses is a `Conflict` naming it.
pub fn setup(conn: &Connection, file: &FileValues) -> Result<Setup> {
    let mut from_file = Vec::new();
    let spreadsheet = pick(
        conn,
        names::SPREADSHEET,
        file.spreadsheet.as_ref(),
        &mut from_file,
    )?
    .filter(|s| !s.trim().is_empty())
    .map(|s| SpreadsheetId::parse(&s))
    .transpose()
    .map_err(Error::Conflict)?;
    let flag = |name, v: Option<bool>, from_file: &mut Vec<&'static str>| -> db::Result<bool> {
        if let Some(v) = v {
            from_file.push(name);
            return Ok(v);
        }
        Ok(stored(conn, name)?.as_deref() == Some("true"))
    };
    let order_lines = flag(names::ORDER_LINES, file.order_lines, &mut from_file)?;
    let only_opted_in = flag(names::ONLY_OPTED_IN, file.only_opted_in, &mut from_file)?;
    let defs = db::custom_fields::list(conn)?;
    let mut tab = |tab: SheetTab,
                   tn,
                   title: Option<&String>,
                   cn,
                   cols: Option<&String>,
                   default: &str|
     -> Result<TabSetup> {
        let title = pick(conn, tn, title, &mut from_file)?.unwrap_or_else(|| default.into());
        let text = pick(conn, cn, cols, &mut from_file)?.unwrap_or_default();
        let columns = columns(&text, tab, &defs, order_lines).map_err(|e| {
            Error::Conflict(format!(
                "The {} tab's columns need fixing: {}",
                tab.as_str(),
                e.join(" ")
            ))
        })?;
        Ok(TabSetup {
            tab,
            title,
            columns,
        })
    };
    let contacts = tab(
        SheetTab::Contacts,
        names::CONTACTS_TAB,
        file.contacts_tab.as_ref(),
        names::CONTACTS_COLUMNS,
        file.contacts_columns.as_ref(),
        "Contacts",
    )?;
    let orders = tab(
        SheetTab::Orders,
        names::ORDERS_TAB,
        file.orders_tab.as_ref(),
        names::ORDERS_COLUMNS,
        file.orders_columns.as_ref(),
        "Orders",
    )?;
    if contacts.title == orders.title && !contacts.columns.is_empty() && !orders.columns.is_empty()
    {
        return Err(Error::Conflict(
            "The contacts and orders tabs need different names.".into(),
        ));
    }
    Ok(Setup {
        spreadsheet,
        contacts,
        orders,
        order_lines,
        only_opted_in,
        from_file,
    })
}

impl Crm {
    /// The sync's setup in force.
    pub async fn sheets_setup(&self, who: Who) -> Result<Setup> {
        access::require(who, AdminAction::SheetsSync)?;
        let file = self.sheets_file();
        self.db.read(move |c| setup(c, &file)).await
    }

    pub(crate) fn sheets_file(&self) -> FileValues {
        self.sheets
            .as_ref()
            .map(|r| r.file.clone())
            .unwrap_or_default()
    }

    /// Saves the browser's setup (admins): every field checked first; nothing kept on error.
    pub async fn save_sheets_setup(&self, who: Who, input: SetupInput) -> Result<()> {
        access::require(who, AdminAction::SheetsSync)?;
        let now = self.clock.now();
        self.db
            .write(move |c| {
                let defs = db::custom_fields::list(c)?;
                let mut errors = Vec::new();
                if !input.spreadsheet.trim().is_empty()
                    && let Err(e) = SpreadsheetId::parse(&input.spreadsheet)
                {
                    errors.push(FieldError::new("spreadsheet", e));
                }
                check_tab_name(&input.contacts_tab, "contacts_tab", &mut errors);
                check_tab_name(&input.orders_tab, "orders_tab", &mut errors);
                for (text, tab, field) in [
                    (
                        &input.contacts_columns,
                        SheetTab::Contacts,
                        "contacts_columns",
                    ),
                    (&input.orders_columns, SheetTab::Orders, "orders_columns"),
                ] {
                    if let Err(e) = columns(text, tab, &defs, input.order_lines) {
                        errors.push(FieldError::new(field, e.join(" ")));
                    }
                }
                if input.contacts_tab.trim() == input.orders_tab.trim() {
                    errors.push(FieldError::new(
                        "orders_tab",
                        "Use a different name from the contacts tab.",
                    ));
                }
                if !errors.is_empty() {
                    return Err(Error::Invalid(errors));
                }
                let spreadsheet = if input.spreadsheet.trim().is_empty() {
                    String::new()
                } else {
                    SpreadsheetId::parse(&input.spreadsheet)
                        .map_err(Error::Conflict)?
                        .to_string()
                };
                let norm = |t: &str, tab| {
                    SheetColumns::parse(t, tab)
                        .map(|c| c.to_string())
                        .unwrap_or_default()
                };
                for (name, value) in [
                    (names::SPREADSHEET, spreadsheet),
                    (names::CONTACTS_TAB, input.contacts_tab.trim().to_string()),
                    (
                        names::CONTACTS_COLUMNS,
                        norm(&input.contacts_columns, SheetTab::Contacts),
                    ),
                    (names::ORDERS_TAB, input.orders_tab.trim().to_string()),
                    (
                        names::ORDERS_COLUMNS,
                        norm(&input.orders_columns, SheetTab::Orders),
                    ),
                    (names::ORDER_LINES, input.order_lines.to_string()),
                    (names::ONLY_OPTED_IN, input.only_opted_in.to_string()),
                ] {
                    db::settings::put(c, name, &value, who.user.map(|u| u.0), now)?;
                }
                Ok(())
            })
            .await
    }
}

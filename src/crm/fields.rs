//! Custom fields: definitions (admin), values on contacts with validation, and checking the
//! field conditions of a contacts filter against the definitions.

use super::contacts::Actor;
use crate::db::{self, Result};
use crate::model::{
    ContactFilter, ContactId, CustomField, FieldError, FieldKind, FieldOp, check_field_key,
};
use rusqlite::Connection;
use std::collections::HashMap;
use time::OffsetDateTime;

/// Longest field label.
const MAX_LABEL: usize = 60;
/// Keys taken by built-in contact columns (exports, imports, templates).
const RESERVED_KEYS: &[&str] = &[
    "name",
    "whatsapp_name",
    "phone",
    "email",
    "tags",
    "opt_in",
    "opt_in_source",
    "created_at",
    "id",
];
/// Most options of a select field.
const MAX_OPTIONS: usize = 100;

/// A field definition as typed.
#[derive(Debug, Clone, Default)]
pub struct FieldInput {
    /// Stable key (ignored on update).
    pub key: String,
    /// Label.
    pub label: String,
    /// Kind name (ignored on update).
    pub kind: String,
    /// Select options, one per line or comma-separated.
    pub options: String,
}

fn audit(
    conn: &Connection,
    actor: &Actor,
    action: &str,
    target: String,
    now: OffsetDateTime,
) -> Result<()> {
    db::audit::record(
        conn,
        &db::audit::Entry {
            at: now,
            actor: actor.user,
            action: action.into(),
            target,
            ip: actor.ip.clone(),
            detail: String::new(),
        },
    )
}

fn parse_options(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for o in text
        .split(['\n', ','])
        .map(str::trim)
        .filter(|o| !o.is_empty())
    {
        if !out.iter().any(|x| x.eq_ignore_ascii_case(o)) {
            out.push(o.to_string());
        }
    }
    out
}

fn check(
    input: &FieldInput,
    kind: FieldKind,
) -> std::result::Result<(String, Vec<String>), Vec<FieldError>> {
    let mut errors = Vec::new();
    let label = input.label.trim().to_string();
    if label.is_empty() || label.chars().count() > MAX_LABEL {
        errors.push(FieldError::new(
            "label",
            format!("Use 1 to {MAX_LABEL} characters."),
        ));
    }
    let options = parse_options(&input.options);
    if kind == FieldKind::Select && (options.is_empty() || options.len() > MAX_OPTIONS) {
        errors.push(FieldError::new(
            "options",
            format!("A select field needs 1 to {MAX_OPTIONS} options, one per line."),
        ));
    }
    if options.iter().any(|o| o.chars().count() > MAX_LABEL) {
        errors.push(FieldError::new(
            "options",
            format!("Keep each option under {MAX_LABEL} characters."),
        ));
    }
    if errors.is_empty() {
        Ok((
            label,
            if kind == FieldKind::Select {
                options
            } else {
                Vec::new()
            },
        ))
    } else {
        Err(errors)
    }
}

/// Defines a field.
pub fn define(
    conn: &Connection,
    input: &FieldInput,
    actor: &Actor,
    now: OffsetDateTime,
) -> super::Result<i64> {
    use super::Error;
    let key = input.key.trim().to_string();
    let mut errors = Vec::new();
    if let Err(e) = check_field_key(&key) {
        errors.push(FieldError::new("key", e));
    } else if RESERVED_KEYS.contains(&key.as_str()) {
        errors.push(FieldError::new(
            "key",
            format!("`{key}` is a built-in contact column; choose another key."),
        ));
    }
    let kind = match input.kind.parse::<FieldKind>() {
        Ok(k) => Some(k),
        Err(e) => {
            errors.push(FieldError::new("kind", e));
            None
        }
    };
    let checked = kind.map(|k| check(input, k));
    if let Some(Err(e)) = &checked {
        errors.extend(e.iter().cloned());
    }
    let (Some(kind), Some(Ok((label, options)))) = (kind, checked) else {
        return Err(Error::Invalid(errors));
    };
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let field = CustomField {
        id: 0,
        key: key.clone(),
        label,
        kind,
        options,
    };
    match db::custom_fields::insert(conn, &field, now) {
        Ok(id) => {
            audit(conn, actor, "field.create", format!("field:{key}"), now)?;
            Ok(id)
        }
        Err(db::Error::Conflict(_)) => Err(Error::field("key", "Another field has this key.")),
        Err(e) => Err(e.into()),
    }
}

/// Changes a field's label and options.
pub fn redefine(
    conn: &Connection,
    id: i64,
    input: &FieldInput,
    actor: &Actor,
    now: OffsetDateTime,
) -> super::Result<()> {
    let Some(field) = db::custom_fields::get(conn, id)? else {
        return Err(super::Error::NotFound("custom field"));
    };
    let (label, options) = check(input, field.kind).map_err(super::Error::Invalid)?;
    db::custom_fields::update(conn, id, &label, &options)?;
    audit(
        conn,
        actor,
        "field.update",
        format!("field:{}", field.key),
        now,
    )?;
    Ok(())
}

/// Deletes a field and its values.
pub fn remove(conn: &Connection, id: i64, actor: &Actor, now: OffsetDateTime) -> Result<bool> {
    let Some(field) = db::custom_fields::get(conn, id)? else {
        return Ok(false);
    };
    db::custom_fields::delete(conn, id)?;
    audit(
        conn,
        actor,
        "field.delete",
        format!("field:{}", field.key),
        now,
    )?;
    Ok(true)
}

/// Every field with the contact's value (or `None`).
pub fn values_of(
    conn: &Connection,
    contact: ContactId,
) -> Result<Vec<(CustomField, Option<String>)>> {
    let mut values: HashMap<i64, String> = db::custom_fields::values(conn, contact)?
        .into_iter()
        .collect();
    Ok(db::custom_fields::list(conn)?
        .into_iter()
        .map(|f| {
            let v = values.remove(&f.id);
            (f, v)
        })
        .collect())
}

/// Parses values by field key against the definitions; errors name `field.<key>`.
pub fn parse_values(
    defs: &[CustomField],
    input: &[(String, String)],
) -> std::result::Result<Vec<(CustomField, Option<String>)>, Vec<FieldError>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (key, value) in input {
        match defs.iter().find(|f| &f.key == key) {
            None => errors.push(FieldError::new(
                format!("field.{key}"),
                format!("There is no custom field \"{key}\"."),
            )),
            Some(f) => match f.parse_value(value) {
                Ok(v) => out.push((f.clone(), v)),
                Err(e) => errors.push(FieldError::new(
                    format!("field.{key}"),
                    format!("{}: {e}", f.label),
                )),
            },
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Writes parsed values of a contact.
pub fn write_values(
    conn: &Connection,
    contact: ContactId,
    values: &[(CustomField, Option<String>)],
) -> Result<()> {
    for (f, v) in values {
        let num = v.as_deref().and_then(|v| f.numeric(v));
        db::custom_fields::set_value(conn, contact, f.id, v.as_deref(), num)?;
    }
    Ok(())
}

/// Fills `{name}`, `{phone}`, `{email}` and `{<custom field key>}` in a template variable
/// from the contact (an unknown or empty field leaves an empty string).
#[must_use]
pub fn fill_placeholders(
    text: &str,
    contact: &crate::model::Contact,
    values: &[(CustomField, Option<String>)],
) -> String {
    if !text.contains('{') {
        return text.to_string();
    }
    let mut out = text
        .replace("{name}", &contact.display_name())
        .replace("{phone}", contact.phone.as_ref().map_or("", |p| p.as_str()))
        .replace("{email}", contact.email.as_deref().unwrap_or(""));
    for (f, v) in values {
        let shown = match (f.kind, v.as_deref()) {
            (FieldKind::Checkbox, Some("true")) => "yes",
            (FieldKind::Checkbox, Some(_)) => "no",
            (_, v) => v.unwrap_or(""),
        };
        out = out.replace(&format!("{{{}}}", f.key), shown);
    }
    out
}

/// Checks a filter's field conditions against the definitions and puts their values in the
/// stored form (so `3,50` finds `3.5` and `yes` finds `true`).
pub fn check_filter(defs: &[CustomField], filter: &mut ContactFilter) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for c in &mut filter.fields {
        let Some(f) = defs.iter().find(|f| f.key == c.key) else {
            errors.push(FieldError::new(
                "field",
                format!("There is no custom field \"{}\".", c.key),
            ));
            continue;
        };
        let ordered = matches!(f.kind, FieldKind::Number | FieldKind::Date);
        match c.op {
            FieldOp::Set | FieldOp::Unset => c.value.clear(),
            FieldOp::Gt | FieldOp::Lt if !ordered => errors.push(FieldError::new(
                "field",
                format!(
                    "{} can only be compared with is / is not / contains.",
                    f.label
                ),
            )),
            FieldOp::Contains => {}
            FieldOp::Eq | FieldOp::Ne | FieldOp::Gt | FieldOp::Lt => {
                match f.parse_value(&c.value) {
                    Ok(Some(v)) => c.value = v,
                    Ok(None) => errors.push(FieldError::new(
                        "field",
                        format!("Give a value for {}.", f.label),
                    )),
                    Err(e) => errors.push(FieldError::new("field", format!("{}: {e}", f.label))),
                }
            }
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Contact, OptIn, PhoneE164};

    #[test]
    fn placeholders_fill_from_the_contact_and_its_fields() {
        let contact = Contact {
            id: ContactId(1),
            phone: Some(PhoneE164::from_stored("+5511988887777".into())),
            bsuid: None,
            username: None,
            profile_name: "Ana L".into(),
            name: "Ana Lima".into(),
            email: None,
            created_at: time::OffsetDateTime::UNIX_EPOCH,
            opt_in: OptIn::Unknown,
            restricted_at: None,
        };
        let field = |key: &str, kind| CustomField {
            id: 1,
            key: key.into(),
            label: key.into(),
            kind,
            options: vec![],
        };
        let values = vec![
            (field("tier", FieldKind::Text), Some("Gold".to_string())),
            (field("vip", FieldKind::Checkbox), Some("true".to_string())),
            (field("birthday", FieldKind::Date), None),
        ];
        assert_eq!(
            fill_placeholders(
                "Hi {name} ({phone}), {tier} member, vip {vip}, bday [{birthday}] {other}",
                &contact,
                &values
            ),
            "Hi Ana Lima (+5511988887777), Gold member, vip yes, bday [] {other}"
        );
    }
}

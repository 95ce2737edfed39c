//! What identifies a contact in text stored elsewhere, and which of those strings each kind of
//! copy is matched on when they are erased.

use crate::db::Result;
use crate::model::ContactId;
use rusqlite::{Connection, OptionalExtension};

/// What identifies the contact in text stored elsewhere (raw webhook bodies, mail, audit
/// details, the requests register).
#[derive(Debug, Clone, Default)]
pub struct Identity {
    /// Phone numbers (E.164 with `+`): the contact's and its aliases.
    pub phones: Vec<String>,
    /// WhatsApp business-scoped user ids: the contact's and its aliases.
    pub bsuids: Vec<String>,
    /// Email, name, WhatsApp profile name and username, when set.
    pub words: Vec<String>,
}

impl Identity {
    /// Every string that names the contact: phones with and without `+` (Meta writes
    /// `wa_id` as digits), user ids, email and names of at least four characters.
    #[must_use]
    pub fn needles(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for p in &self.phones {
            out.push(p.clone());
            out.push(p.trim_start_matches('+').to_string());
        }
        out.extend(self.bsuids.iter().cloned());
        out.extend(
            self.words
                .iter()
                .filter(|w| w.trim().chars().count() >= 4)
                .map(|w| w.trim().to_string()),
        );
        out.sort();
        out.dedup();
        out
    }

    /// The needles that name only them: phone numbers (both forms), user ids and email. Raw
    /// webhook payloads, data-request subjects and audit targets are matched on these (and
    /// payloads on numbers and ids only), so a name another customer shares never touches
    /// their records.
    #[must_use]
    pub fn unique(&self) -> Vec<String> {
        let mut out = self.needles();
        out.retain(|n| {
            self.phones
                .iter()
                .any(|p| p == n || p.trim_start_matches('+') == n)
                || self.bsuids.contains(n)
                || n.contains('@')
        });
        out
    }

    /// Phone numbers (as Meta writes them, digits only) and user ids.
    #[must_use]
    pub fn ids(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .phones
            .iter()
            .map(|p| p.trim_start_matches('+').to_string())
            .chain(self.bsuids.iter().cloned())
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

/// Reads what identifies contact `id`; `None` when there is no such contact.
pub fn identity(conn: &Connection, id: ContactId) -> Result<Option<Identity>> {
    let sql =
        "SELECT phone, bsuid, email, name, profile_name, username FROM contacts WHERE id = ?1";
    let row = conn
        .prepare_cached(sql)?
        .query_row([id.0], |r| {
            Ok((
                r.get::<_, Option<String>>(0)?,
                r.get::<_, Option<String>>(1)?,
                [
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, Option<String>>(5)?,
                ],
            ))
        })
        .optional()?;
    let Some((phone, bsuid, words)) = row else {
        return Ok(None);
    };
    let mut ident = Identity {
        phones: phone.into_iter().collect(),
        bsuids: bsuid.into_iter().collect(),
        words: words
            .into_iter()
            .flatten()
            .filter(|w| !w.is_empty())
            .collect(),
    };
    let sql = "SELECT kind, value FROM contact_aliases WHERE contact_id = ?1";
    let mut stmt = conn.prepare_cached(sql)?;
    for alias in stmt.query_map([id.0], |r| Ok((r.get::<_, String>(0)?, r.get(1)?)))? {
        let (kind, value) = alias?;
        if kind == "phone" {
            ident.phones.push(value);
        } else {
            ident.bsuids.push(value);
        }
    }
    Ok(Some(ident))
}

/// Every phone number and WhatsApp user id of every contact (theirs and their aliases'), as
/// (contact, `phone` or `bsuid`, value): what a restored backup matches the erasure journal on.
pub fn all_identifiers(conn: &Connection) -> Result<Vec<(ContactId, &'static str, String)>> {
    let sql = "SELECT id, 'phone', phone FROM contacts WHERE phone IS NOT NULL
               UNION ALL SELECT id, 'bsuid', bsuid FROM contacts WHERE bsuid IS NOT NULL
               UNION ALL SELECT contact_id, kind, value FROM contact_aliases";
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([], |r| {
        let kind: String = r.get(1)?;
        Ok((
            ContactId(r.get(0)?),
            if kind == "phone" { "phone" } else { "bsuid" },
            r.get(2)?,
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_mail_and_details_but_records_only_by_number_id_or_email() {
        let ident = Identity {
            phones: vec!["+351919000111".into()],
            bsuids: vec!["BR.123".into()],
            words: vec!["Ana".into(), "Maria Lima".into(), "ana@x.example".into()],
        };
        let all = ident.needles();
        assert!(all.contains(&"Maria Lima".to_string()));
        assert!(
            !all.contains(&"Ana".to_string()),
            "names under four characters are too common"
        );
        assert_eq!(
            ident.unique(),
            vec!["+351919000111", "351919000111", "BR.123", "ana@x.example"]
        );
        assert_eq!(ident.ids(), vec!["351919000111", "BR.123"]);
    }
}

//! API keys: created with a role and shown once (`fck_` + 40 hex digits), stored as a public
//! prefix and a SHA-256 hash, checked in constant time, revocable, audited.

use super::contacts::Actor;
use crate::db::{self, Result};
use crate::model::Role;
use rusqlite::Connection;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use time::OffsetDateTime;

/// Characters of a key that are stored in clear to find it (`fck_` and 8 hex digits).
pub const PREFIX_LEN: usize = 12;
/// Longest key name.
const MAX_NAME: usize = 80;

/// A key just created: the secret is in `token`, shown once.
#[derive(Debug, Clone)]
pub struct NewKey {
    /// Row id.
    pub id: i64,
    /// The whole key, to give to the client.
    pub token: String,
    /// Its public prefix.
    pub prefix: String,
}

/// The caller a valid key stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyIdentity {
    /// Key row id.
    pub id: i64,
    /// Its role.
    pub role: Role,
}

fn hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Makes a key from 20 random bytes.
#[must_use]
pub fn format_key(random: &[u8; 20]) -> String {
    format!("fck_{}", hex::encode(random))
}

/// Creates a key. `random` is 20 bytes from the OS generator.
pub fn create(
    conn: &Connection,
    name: &str,
    role: Role,
    random: &[u8; 20],
    actor: &Actor,
    now: OffsetDateTime,
) -> super::Result<NewKey> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME {
        return Err(super::Error::field(
            "name",
            format!("Name the key in 1 to {MAX_NAME} characters (what uses it)."),
        ));
    }
    let token = format_key(random);
    let prefix = token[..PREFIX_LEN].to_string();
    let id = db::api_keys::insert(
        conn,
        name,
        &prefix,
        &hash(&token),
        role,
        actor.user.map(|u| u.0),
        now,
    )?;
    db::audit::record(
        conn,
        &db::audit::Entry {
            at: now,
            actor: actor.user,
            action: "api_key.create".into(),
            target: format!("api_key:{prefix}"),
            ip: actor.ip.clone(),
            detail: format!("role={role}"),
        },
    )?;
    Ok(NewKey { id, token, prefix })
}

/// Revokes a key; false when unknown or already revoked.
pub fn revoke(conn: &Connection, id: i64, actor: &Actor, now: OffsetDateTime) -> Result<bool> {
    if !db::api_keys::revoke(conn, id, now)? {
        return Ok(false);
    }
    db::audit::record(
        conn,
        &db::audit::Entry {
            at: now,
            actor: actor.user,
            action: "api_key.revoke".into(),
            target: format!("api_key:{id}"),
            ip: actor.ip.clone(),
            detail: String::new(),
        },
    )?;
    Ok(true)
}

/// The identity of a presented key, when it is known, matches and is not revoked.
pub fn verify(conn: &Connection, token: &str) -> Result<Option<KeyIdentity>> {
    let Some(prefix) = token
        .get(..PREFIX_LEN)
        .filter(|_| token.starts_with("fck_"))
    else {
        return Ok(None);
    };
    let Some((key, stored)) = db::api_keys::by_prefix(conn, prefix)? else {
        return Ok(None);
    };
    let matches: bool = hash(token).ct_eq(&stored).into();
    Ok(
        (matches && key.revoked_at.is_none()).then_some(KeyIdentity {
            id: key.id,
            role: key.role,
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn keys_verify_until_revoked_and_only_whole() {
        let (db, _dir) = crate::db::testing::temp_db();
        let now = OffsetDateTime::now_utc();
        let key = db
            .write(move |c| create(c, "Zapier", Role::Agent, &[7u8; 20], &Actor::default(), now))
            .await
            .expect("created");
        assert_eq!(key.token.len(), 44);
        assert!(key.token.starts_with(&key.prefix));
        let (t, id) = (key.token.clone(), key.id);
        let ok = db.read(move |c| verify(c, &t)).await.expect("db");
        assert_eq!(
            ok,
            Some(KeyIdentity {
                id,
                role: Role::Agent
            })
        );
        let wrong = format!("{}0", &key.token[..43]);
        for bad in [wrong.as_str(), &key.token[..20], "", "fck_", "Bearer x"] {
            let b = bad.to_string();
            assert_eq!(
                db.read(move |c| verify(c, &b)).await.expect("db"),
                None,
                "{bad}"
            );
        }
        // Nothing secret is stored.
        let stored: Vec<u8> = db
            .read(move |c| -> crate::db::Result<_> {
                Ok(crate::db::api_keys::by_prefix(c, &key.prefix)?
                    .expect("row")
                    .1)
            })
            .await
            .expect("db");
        assert_ne!(stored, key.token.as_bytes());
        assert!(
            db.write(move |c| revoke(c, id, &Actor::default(), now))
                .await
                .expect("db")
        );
        let t = key.token.clone();
        assert_eq!(db.read(move |c| verify(c, &t)).await.expect("db"), None);
    }
}

//! Re-applying the erasure journal to a restored database: every erasure recorded in the
//! journal (the database being replaced, or a replica) that the restored copy does not know
//! is carried out again on it (database, media files, search index) and recorded under its
//! original receipt code, before the restored data is used.

use crate::crm::{Crm, Error, Result};
use crate::db::{self, subject::journal::Erasure};
use crate::model::ContactId;
use std::collections::{BTreeSet, HashMap};

/// What re-applying the journal did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reapplied {
    /// Erasures in the journal that the restored copy did not know.
    pub erasures: usize,
    /// Contacts erased again because of them.
    pub contacts: usize,
    /// Messages those contacts had.
    pub messages: usize,
}

impl Crm {
    /// Re-applies `journal` (hashes under `key`) to this (restored, not yet served) database.
    /// Only the restore command calls it, before anything else opens the database.
    pub async fn reapply_erasures(
        &self,
        journal: Vec<Erasure>,
        key: [u8; 32],
    ) -> Result<Reapplied> {
        let known = self.db.read(db::subject::journal::codes).await?;
        let missing: Vec<Erasure> = journal
            .into_iter()
            .filter(|e| !known.contains(&e.code))
            .collect();
        let mut done = Reapplied {
            erasures: missing.len(),
            ..Reapplied::default()
        };
        if missing.is_empty() {
            return Ok(done);
        }
        let ids = self.db.read(db::subject::identity::all_identifiers).await?;
        let mut by_hash: HashMap<String, BTreeSet<ContactId>> = HashMap::new();
        for (id, kind, value) in ids {
            by_hash
                .entry(crate::crm::subject::erasure_hash(&key, kind, &value))
                .or_default()
                .insert(id);
        }
        let keep = self.erased_orders == crate::config::ErasedOrders::Keep;
        let now = self.clock.now();
        for e in missing {
            let contacts: BTreeSet<ContactId> = e
                .hashes
                .iter()
                .filter_map(|h| by_hash.get(h))
                .flatten()
                .copied()
                .collect();
            for id in contacts {
                let first = self.erase_messages(id).await?;
                let code = e.code.clone();
                let (counts, files) = self
                    .db
                    .write(move |c| -> Result<_> {
                        let (counts, files, _) =
                            crate::crm::subject::remove_in(c, id, keep, &code, &first)?;
                        crate::crm::audit(
                            c,
                            &crate::crm::contacts::Actor::default(),
                            "contact.erase.reapplied",
                            format!("contact:{id}"),
                            format!("receipt {code}, re-applied to a restored backup"),
                            now,
                        )?;
                        Ok((counts, files))
                    })
                    .await
                    .or_else(|err| match err {
                        // Erased already under another of its numbers.
                        Error::NotFound(_) => {
                            Ok((db::subject::erase::Counts::default(), Vec::new()))
                        }
                        other => Err(other),
                    })?;
                self.remove_media_files(&files).await;
                done.contacts += 1;
                done.messages += counts.messages;
            }
            self.db
                .write(move |c| db::subject::journal::insert_carried(c, &e))
                .await?;
        }
        self.empty_wal_after_reapply().await;
        Ok(done)
    }

    async fn empty_wal_after_reapply(&self) {
        if let Err(e) = self.db.checkpoint().await {
            tracing::warn!(error = %e, "WAL checkpoint after re-applying erasures failed");
        }
    }
}

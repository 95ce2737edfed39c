//! Reading a stored media file: the one door the page and the API use to hand out a message's
//! downloaded (or sent) attachment.

use super::access::{self, Who};
use super::{Crm, Error, Result};
use crate::db::{self, media::MediaState};

/// A stored file, opened.
#[derive(Debug)]
pub struct StoredFile {
    /// The open file.
    pub file: tokio::fs::File,
    /// MIME type as Meta gave it (lower case, without parameters; may be empty).
    pub mime: String,
    /// The customer's file name, or the stored name.
    pub filename: String,
    /// Size in bytes, when known.
    pub size: Option<i64>,
    /// A validator that changes whenever the bytes could (the stored name never is reused).
    pub etag: String,
}

/// The row, unless its message was deleted by its sender (the file waits for the retention
/// job, never shown again).
fn visible(
    conn: &rusqlite::Connection,
    row: Option<db::media::MediaRow>,
) -> db::Result<Option<db::media::MediaRow>> {
    let Some(row) = row else { return Ok(None) };
    let deleted = db::messages::get(conn, row.message_id)?.is_some_and(|m| m.deleted_at.is_some());
    Ok((!deleted).then_some(row))
}

impl Crm {
    /// Opens media row `id`'s file for `who` (anyone who may read conversations, see
    /// `access::may_read`); not found when it is not (or no longer) stored.
    pub async fn open_media(&self, id: i64, who: Who) -> Result<StoredFile> {
        access::may_read(who)?;
        let row = self
            .db
            .read(move |c| visible(c, db::media::get(c, id)?))
            .await?;
        self.open_row(row).await
    }

    /// Opens the file of message `message_id`'s attachment for `who` (as [`Crm::open_media`]).
    pub async fn open_message_media(&self, message_id: i64, who: Who) -> Result<StoredFile> {
        access::may_read(who)?;
        let row = self
            .db
            .read(move |c| visible(c, db::media::for_message(c, message_id)?))
            .await?;
        self.open_row(row).await
    }

    /// Deletes stored media files by name (after the commit that removed their rows); returns
    /// how many existed and went. A file that cannot be removed is logged, not fatal.
    pub(crate) async fn remove_media_files(&self, names: &[String]) -> usize {
        let mut n = 0;
        for name in names {
            let path = self.media_dir.join(name);
            match tokio::fs::remove_file(&path).await {
                Ok(()) => n += 1,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    tracing::warn!(file = %path.display(), error = %e, "a media file could not be removed");
                }
            }
        }
        n
    }

    async fn open_row(&self, row: Option<db::media::MediaRow>) -> Result<StoredFile> {
        let row = row.ok_or(Error::NotFound("media"))?;
        let (MediaState::Stored, Some(name)) = (row.state, row.stored_name.as_ref()) else {
            return Err(Error::NotFound("stored file for this media"));
        };
        let path = self.media_dir.join(name);
        let file = tokio::fs::File::open(&path).await.map_err(|e| {
            tracing::error!(media = row.id, path = %path.display(), error = %e, "stored media file missing");
            Error::NotFound("stored file for this media")
        })?;
        Ok(StoredFile {
            file,
            mime: row
                .mime_type
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase(),
            filename: row.filename.clone().unwrap_or_else(|| name.clone()),
            size: row.size,
            etag: format!("\"{}-{name}\"", row.id),
        })
    }
}

//! Export one contact (access and portability): `contact.json` with everything stored about
//! them and `media/` with their files, as a ZIP. The format is in the README ("Contact
//! export").

use crate::crm::access::{self, AdminAction, Who};
use crate::crm::contacts::Actor;
use crate::crm::{Crm, Error, Result};
use crate::db;
use crate::model::ContactId;
use serde_json::{Map, Value};
use std::io::{Seek, Write};
use std::path::Path;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use zip::write::SimpleFileOptions;

/// The `format` field of `contact.json`.
pub const EXPORT_FORMAT: &str = "flowcrm.contact-export";
/// Its version (raised when a field changes meaning or goes away; new fields do not raise it).
const EXPORT_VERSION: u32 = 1;

const README: &str = "This archive holds everything FlowCRM stores about one contact.\n\n\
contact.json  the contact, custom fields, tags, consent ledger, history, notes, conversations\n\
              with every message (and its delivery statuses and earlier versions), orders,\n\
              the broadcast campaigns they were in (or left out of, and why), and the audit\n\
              entries about the contact. Times are RFC 3339 in UTC.\n\
media/        the photos, voice notes, videos and documents of their messages, named as in\n\
              the `file` field of each message's `media`.\n";

/// What an export held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportSummary {
    /// The file name to offer, e.g. `contact-42-2026-12-02.zip`.
    pub name: String,
    /// Messages in `contact.json`.
    pub messages: usize,
    /// Media files in `media/`.
    pub files: usize,
    /// Media files that should be there but were missing on disk (listed in the log).
    pub missing: usize,
    /// Size of the ZIP in bytes.
    pub size: u64,
}

fn io_error(e: impl std::fmt::Display) -> Error {
    Error::Db(db::Error::Task(format!("writing the export: {e}")))
}

/// The ZIP: README, `contact.json`, then the media files (stored uncompressed: they are
/// compressed formats already). Returns how many files were missing on disk.
fn write_zip<W: Write + Seek>(
    out: W,
    document: &Value,
    files: &[(String, String)],
    media_dir: &Path,
) -> Result<(W, usize)> {
    let mut zip = zip::ZipWriter::new(out);
    let text = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let stored = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .large_file(true);
    zip.start_file("README.txt", text).map_err(io_error)?;
    zip.write_all(README.as_bytes()).map_err(io_error)?;
    zip.start_file("contact.json", text.large_file(true))
        .map_err(io_error)?;
    serde_json::to_writer_pretty(&mut zip, document).map_err(io_error)?;
    let mut missing = 0;
    for (place, stored_name) in files {
        let path = media_dir.join(stored_name);
        let Ok(mut file) = std::fs::File::open(&path) else {
            tracing::warn!(file = %path.display(), "an exported contact's media file is missing");
            missing += 1;
            continue;
        };
        zip.start_file(place.as_str(), stored).map_err(io_error)?;
        std::io::copy(&mut file, &mut zip).map_err(io_error)?;
    }
    Ok((zip.finish().map_err(io_error)?, missing))
}

fn document(sections: Map<String, Value>, now: OffsetDateTime) -> Value {
    let mut doc = Map::new();
    doc.insert("format".into(), EXPORT_FORMAT.into());
    doc.insert("version".into(), EXPORT_VERSION.into());
    doc.insert(
        "exported_at".into(),
        now.format(&Rfc3339).unwrap_or_default().into(),
    );
    doc.extend(sections);
    Value::Object(doc)
}

impl Crm {
    /// A scratch file for an export, already unlinked: it lives only as long as the returned
    /// handle, so a served download leaves no copy on disk (`<data dir>/exports`, private).
    pub fn export_scratch(&self) -> Result<std::fs::File> {
        let dir = self
            .media_dir
            .parent()
            .unwrap_or(&self.media_dir)
            .join("exports");
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(&dir).map_err(io_error)?;
        let name = format!("{}.zip", crate::crm::data_requests::new_code()?);
        let path = dir.join(name);
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(io_error)?;
        std::fs::remove_file(&path).map_err(io_error)?;
        Ok(file)
    }

    /// Writes contact `id`'s export into `dest` (admins; audited) and leaves `dest` at its
    /// start, ready to be read.
    #[tracing::instrument(skip_all, fields(contact = %id), err(Display, level = "debug"))]
    pub async fn export_contact(
        &self,
        id: ContactId,
        who: Who,
        actor: Actor,
        dest: std::fs::File,
    ) -> Result<(std::fs::File, ExportSummary)> {
        access::require(who, AdminAction::Export)?;
        let now = self.clock.now();
        let data = self
            .db
            .read(move |c| db::subject::read_export(c, id))
            .await?
            .ok_or(Error::NotFound("contact"))?;
        let (messages, count) = (data.messages, data.files.len());
        let media_dir = self.media_dir.clone();
        let (mut file, missing) = tokio::task::spawn_blocking(move || {
            write_zip(dest, &document(data.sections, now), &data.files, &media_dir)
        })
        .await
        .map_err(io_error)??;
        let size = file.stream_position().map_err(io_error)?;
        file.rewind().map_err(io_error)?;
        let detail = format!("{messages} messages, {} files", count - missing);
        self.db
            .write(move |c| {
                crate::crm::audit(
                    c,
                    &actor,
                    "contact.export",
                    format!("contact:{id}"),
                    detail,
                    now,
                )
            })
            .await?;
        let summary = ExportSummary {
            name: format!("contact-{id}-{}.zip", now.date()),
            messages,
            files: count - missing,
            missing,
            size,
        };
        Ok((file, summary))
    }
}

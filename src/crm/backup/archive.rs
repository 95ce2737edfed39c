//! What is inside a backup archive (after decryption, see `crypto::stream`): a sequence of
//! records, each `kind (1 byte) ‖ name length (u16) ‖ name (UTF-8) ‖ length (u64) ‖ bytes`, big
//! endian. Kind `F` is a file: `flowcrm.db` (the snapshot) and `media/<name>` (every media
//! file); the last record, kind `M`, is the manifest (JSON): format version, FlowCRM version,
//! schema version, creation time, key id and every file's length and SHA-256. The master key
//! is never inside: the secrets stay sealed with it in the snapshot.

use crate::crypto::stream::{self, StreamError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Component, Path, PathBuf};

/// The snapshot's name inside the archive.
pub const DB_PART: &str = "flowcrm.db";
/// The media files' folder inside the archive.
pub const MEDIA_PREFIX: &str = "media/";
const FILE: u8 = b'F';
const MANIFEST: u8 = b'M';
const BLOCK: usize = 256 * 1024;

/// The archive's table of contents and provenance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always `flowcrm-backup`.
    pub format: String,
    /// Archive format version (1).
    pub version: u32,
    /// The FlowCRM version that wrote it.
    pub flowcrm: String,
    /// The database's schema version.
    pub schema: i64,
    /// When the snapshot was taken (RFC 3339, UTC).
    pub created_at: String,
    /// The id of the key it is encrypted with (hex).
    pub key_id: String,
    /// Every file, in archive order.
    pub parts: Vec<Part>,
}

/// One file in the archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    /// `flowcrm.db` or `media/<name>`.
    pub name: String,
    /// Length in bytes.
    pub bytes: u64,
    /// SHA-256, hex.
    pub sha256: String,
}

impl Manifest {
    /// Bytes of all files together.
    #[must_use]
    pub fn total_bytes(&self) -> u64 {
        self.parts.iter().map(|p| p.bytes).sum()
    }

    /// How many media files.
    #[must_use]
    pub fn media_files(&self) -> usize {
        self.parts
            .iter()
            .filter(|p| p.name.starts_with(MEDIA_PREFIX))
            .count()
    }
}

/// Why an archive could not be read back.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// The encryption layer refused it (wrong key, truncated, tampered, not an archive).
    #[error(transparent)]
    Stream(StreamError),
    /// A file's bytes do not match the manifest.
    #[error("backup archive check failed: {0}")]
    Mismatch(String),
    /// Reading or writing failed.
    #[error("{0}")]
    Io(io::Error),
}

impl From<io::Error> for ArchiveError {
    fn from(e: io::Error) -> Self {
        match StreamError::from_io(&e) {
            Some(s) => ArchiveError::Stream(s.clone()),
            None => ArchiveError::Io(e),
        }
    }
}

/// What goes into an archive besides the files.
#[derive(Debug, Clone)]
pub struct Info {
    /// The snapshot's schema version.
    pub schema: i64,
    /// RFC 3339 creation time.
    pub created_at: String,
}

fn record_head(out: &mut impl Write, kind: u8, name: &str, len: u64) -> io::Result<()> {
    let name_len = u16::try_from(name.len())
        .map_err(|_| io::Error::other(format!("file name too long: {name}")))?;
    out.write_all(&[kind])?;
    out.write_all(&name_len.to_be_bytes())?;
    out.write_all(name.as_bytes())?;
    out.write_all(&len.to_be_bytes())
}

/// Copies one file into the archive, hashing it on the way. A media file removed since it was
/// listed (retention, an erasure) is skipped.
fn add_file(
    out: &mut impl Write,
    name: &str,
    path: &Path,
    buf: &mut [u8],
) -> io::Result<Option<Part>> {
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound && name != DB_PART => return Ok(None),
        Err(e) => return Err(io::Error::new(e.kind(), format!("{}: {e}", path.display()))),
    };
    let len = file.metadata()?.len();
    record_head(out, FILE, name, len)?;
    let mut hash = Sha256::new();
    let mut left = len;
    while left > 0 {
        let want = usize::try_from(left.min(buf.len() as u64)).unwrap_or(buf.len());
        let n = file.read(&mut buf[..want])?;
        if n == 0 {
            return Err(io::Error::other(format!(
                "{} shrank while it was backed up",
                path.display()
            )));
        }
        hash.update(&buf[..n]);
        out.write_all(&buf[..n])?;
        left -= n as u64;
    }
    Ok(Some(Part {
        name: name.to_string(),
        bytes: len,
        sha256: hex::encode(hash.finalize()),
    }))
}

/// Every file under `dir`, as (name relative to it with `/`, path), sorted.
fn media_files(dir: &Path) -> io::Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let entries = match std::fs::read_dir(&d) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        for entry in entries {
            let entry = entry?;
            let kind = entry.file_type()?;
            let path = entry.path();
            if kind.is_dir() {
                todo.push(path);
            } else if kind.is_file()
                && let Ok(rel) = path.strip_prefix(dir)
            {
                let rel: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                out.push((rel.join("/"), path));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Writes an encrypted archive into the new file `dest` (created 0600; it must not exist): the
/// media files under `media` first, then the database snapshot that `snapshot` hands over (it
/// may still be being taken while the media stream: the two overlap), then the media files that
/// appeared meanwhile, so every file the snapshot refers to is in the archive. Returns the
/// manifest and the archive's size.
pub fn write(
    dest: &Path,
    key: &[u8; 32],
    media: &Path,
    snapshot: impl FnOnce() -> io::Result<(PathBuf, Info)>,
) -> io::Result<(Manifest, u64)> {
    let file = SyncEvery {
        file: create_private(dest)?,
        unsynced: 0,
    };
    // The stream buffers a whole chunk itself: no second buffer in front of it.
    let mut out = stream::Writer::new(file, key)?;
    let mut buf = vec![0u8; BLOCK];
    let mut parts = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut add_media = |out: &mut stream::Writer<SyncEvery>, parts: &mut Vec<Part>| {
        for (rel, path) in media_files(media)? {
            if seen.insert(rel.clone()) {
                parts.extend(add_file(
                    out,
                    &format!("{MEDIA_PREFIX}{rel}"),
                    &path,
                    &mut buf,
                )?);
            }
        }
        io::Result::Ok(())
    };
    add_media(&mut out, &mut parts)?;
    let (db, info) = snapshot()?;
    parts.extend(add_file(&mut out, DB_PART, &db, &mut vec![0u8; BLOCK])?);
    add_media(&mut out, &mut parts)?;
    let manifest = Manifest {
        format: "flowcrm-backup".into(),
        version: 1,
        flowcrm: env!("CARGO_PKG_VERSION").into(),
        schema: info.schema,
        created_at: info.created_at.clone(),
        key_id: hex::encode(stream::key_id(key)),
        parts,
    };
    let json = serde_json::to_vec_pretty(&manifest).map_err(io::Error::other)?;
    record_head(&mut out, MANIFEST, "manifest.json", json.len() as u64)?;
    out.write_all(&json)?;
    let (file, len) = out.finish()?;
    file.file.sync_all()?;
    Ok((manifest, len))
}

/// Flushes the archive to disk every [`SYNC_EVERY`] bytes. Left to the final `fsync`, a
/// gigabyte of dirty pages was written back in one go, and the server's own commits (each one
/// an `fsync` of the WAL on the same file system) waited behind it: one webhook in every
/// backup took about 400 ms.
struct SyncEvery {
    file: std::fs::File,
    unsynced: usize,
}

/// How much of the archive may wait in the page cache.
const SYNC_EVERY: usize = 32 << 20;

impl Write for SyncEvery {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = self.file.write(data)?;
        self.unsynced += n;
        if self.unsynced >= SYNC_EVERY {
            self.file.sync_data()?;
            self.unsynced = 0;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl io::Seek for SyncEvery {
    fn seek(&mut self, pos: io::SeekFrom) -> io::Result<u64> {
        self.file.seek(pos)
    }
}

/// Where an archive's files go when it is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extract<'a> {
    /// Only check it: decrypt, hash, and keep nothing.
    Nothing,
    /// Write the database snapshot into this directory (and only hash the media).
    Database(&'a Path),
    /// Write everything into this directory (`flowcrm.db`, `media/`).
    Everything(&'a Path),
}

/// A name that is safe to create under the scratch directory.
fn safe_name(name: &str) -> bool {
    name == DB_PART
        || name.strip_prefix(MEDIA_PREFIX).is_some_and(|rest| {
            !rest.is_empty()
                && Path::new(rest)
                    .components()
                    .all(|c| matches!(c, Component::Normal(_)))
        })
}

fn read_head(r: &mut impl Read) -> Result<Option<(u8, String, u64)>, ArchiveError> {
    let mut kind = [0u8; 1];
    if r.read(&mut kind)? == 0 {
        return Ok(None);
    }
    let mut word = [0u8; 2];
    r.read_exact(&mut word)?;
    let mut name = vec![0u8; usize::from(u16::from_be_bytes(word))];
    r.read_exact(&mut name)?;
    let mut len = [0u8; 8];
    r.read_exact(&mut len)?;
    let name = String::from_utf8(name)
        .map_err(|_| ArchiveError::Mismatch("a file name is not UTF-8".into()))?;
    Ok(Some((kind[0], name, u64::from_be_bytes(len))))
}

/// Decrypts the archive at `path`, checks every file against the manifest (length, SHA-256,
/// nothing missing, nothing extra) and writes what `into` asks for. Any failure leaves the
/// error and no claim that anything was restored; the caller removes the scratch directory.
pub fn read(path: &Path, key: &[u8; 32], into: Extract<'_>) -> Result<Manifest, ArchiveError> {
    let file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    let reader = stream::Reader::new(
        BufReader::with_capacity(stream::CHUNK, file),
        key,
        Some(len),
    )?;
    let mut r = BufReader::with_capacity(BLOCK, reader);
    let mut seen: Vec<Part> = Vec::new();
    let mut buf = vec![0u8; BLOCK];
    loop {
        let Some((kind, name, len)) = read_head(&mut r)? else {
            return Err(ArchiveError::Mismatch("the manifest is missing".into()));
        };
        if kind == MANIFEST {
            let mut json = Vec::new();
            (&mut r).take(len.min(64 << 20)).read_to_end(&mut json)?;
            let manifest: Manifest = serde_json::from_slice(&json)
                .map_err(|e| ArchiveError::Mismatch(format!("the manifest does not parse: {e}")))?;
            check(&manifest, &seen)?;
            return Ok(manifest);
        }
        if kind != FILE || !safe_name(&name) {
            return Err(ArchiveError::Mismatch(format!("unexpected entry {name:?}")));
        }
        let target = match into {
            Extract::Everything(dir) => Some(dir.join(&name)),
            Extract::Database(dir) if name == DB_PART => Some(dir.join(&name)),
            _ => None,
        };
        let mut sink: Box<dyn Write> = match &target {
            Some(t) => {
                if let Some(parent) = t.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                Box::new(BufWriter::new(create_private(t)?))
            }
            None => Box::new(io::sink()),
        };
        let mut hash = Sha256::new();
        let mut left = len;
        while left > 0 {
            let want = usize::try_from(left.min(buf.len() as u64)).unwrap_or(buf.len());
            r.read_exact(&mut buf[..want])?;
            hash.update(&buf[..want]);
            sink.write_all(&buf[..want])?;
            left -= want as u64;
        }
        sink.flush()?;
        seen.push(Part {
            name,
            bytes: len,
            sha256: hex::encode(hash.finalize()),
        });
    }
}

fn create_private(path: &Path) -> io::Result<std::fs::File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)
}

fn check(manifest: &Manifest, seen: &[Part]) -> Result<(), ArchiveError> {
    if manifest.format != "flowcrm-backup" || manifest.version != 1 {
        return Err(ArchiveError::Mismatch(format!(
            "unknown manifest format {} v{}",
            manifest.format, manifest.version
        )));
    }
    if !seen.iter().any(|p| p.name == DB_PART) {
        return Err(ArchiveError::Mismatch(
            "the database snapshot is missing".into(),
        ));
    }
    if manifest.parts.len() != seen.len() {
        return Err(ArchiveError::Mismatch(format!(
            "the manifest lists {} files, the archive holds {}",
            manifest.parts.len(),
            seen.len()
        )));
    }
    for (want, got) in manifest.parts.iter().zip(seen) {
        if want != got {
            return Err(ArchiveError::Mismatch(format!(
                "{} does not match its SHA-256 in the manifest",
                got.name
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;

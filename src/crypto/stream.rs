//! The backup archive's encryption: AES-256-GCM over independently authenticated chunks (the
//! STREAM construction), so an archive of any size is encrypted and checked in constant memory,
//! and a chunk that was altered, moved, dropped or added is detected.
//!
//! Layout (all integers big-endian):
//!
//! ```text
//! header, 40 bytes
//!   0  8  magic "FLOWCRMB"
//!   8  1  format version (1)
//!   9  3  zero
//!  12  4  chunk size in bytes (plaintext; 1 MiB)
//!  16  8  key id: the first 8 bytes of HMAC-SHA256(key, "flowcrm backup key id")
//!  24  7  nonce prefix (random per archive)
//!  31  1  zero
//!  32  8  total archive length in bytes (written last; checked before decrypting)
//! chunks
//!   chunk i: AES-256-GCM(key, nonce = prefix ‖ i as u32 ‖ last-flag byte, aad = header[0..32])
//!            = ciphertext (chunk size bytes; fewer only in the last chunk) ‖ 16-byte tag
//! ```
//!
//! The last chunk has the flag byte 1, every other chunk 0, so cutting the archive at a chunk
//! boundary fails as surely as cutting it inside one. Imports nothing internal.

use aes_gcm::aead::Nonce;
use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::{Aes256Gcm, Tag};
use std::io::{self, Read, Seek, SeekFrom, Write};

/// The first bytes of every archive.
pub const MAGIC: &[u8; 8] = b"FLOWCRMB";
/// The format version this code writes and reads.
pub const VERSION: u8 = 1;
/// Header length.
pub const HEADER_LEN: usize = 40;
/// Plaintext bytes per chunk.
pub const CHUNK: usize = 1 << 20;
const TAG_LEN: usize = 16;
const AAD_LEN: usize = 32;

/// Why an archive cannot be read. Each says what happened in words an operator can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StreamError {
    /// Not a FlowCRM backup at all.
    #[error("this file is not a FlowCRM backup archive")]
    NotAnArchive,
    /// A newer (or unknown) format.
    #[error("this backup uses archive format version {0}; this FlowCRM reads version {VERSION}")]
    Version(u8),
    /// The key does not match the archive's key id.
    #[error(
        "wrong backup key: this archive was encrypted with key id {archive}, the key given has id {given}"
    )]
    WrongKey {
        /// Key id in the archive.
        archive: String,
        /// Id of the key given.
        given: String,
    },
    /// Shorter than its header says, or its final chunk is missing.
    #[error(
        "the backup archive is truncated: {have} of {want} bytes are there (an interrupted copy or a full disk?)"
    )]
    Truncated {
        /// Bytes present.
        have: u64,
        /// Bytes the archive should have.
        want: u64,
    },
    /// The archive stops at a chunk boundary before its final chunk.
    #[error(
        "the backup archive is truncated: it ends after chunk {0}, before its final chunk (an interrupted copy?)"
    )]
    CutShort(u64),
    /// A chunk failed authentication: altered, reordered or appended bytes.
    #[error(
        "the backup archive was altered or damaged: chunk {0} fails authentication (nothing from it was used)"
    )]
    Tampered(u64),
    /// The key cannot be used.
    #[error("a backup key must be 32 bytes")]
    KeyLength,
}

impl StreamError {
    /// Finds this error inside an IO error returned by [`Reader`].
    #[must_use]
    pub fn from_io(e: &io::Error) -> Option<&StreamError> {
        e.get_ref().and_then(|inner| inner.downcast_ref())
    }
}

impl From<StreamError> for io::Error {
    fn from(e: StreamError) -> Self {
        io::Error::new(io::ErrorKind::InvalidData, e)
    }
}

/// The key id written in the header (hex when shown).
#[must_use]
pub fn key_id(key: &[u8; 32]) -> [u8; 8] {
    let mac = super::hmac_sha256(key, b"flowcrm backup key id");
    let mut id = [0u8; 8];
    id.copy_from_slice(&mac[..8]);
    id
}

fn nonce(prefix: [u8; 7], index: u64, last: bool) -> io::Result<Nonce<Aes256Gcm>> {
    let counter = u32::try_from(index)
        .map_err(|_| io::Error::other("backup archive too large (over 4 PiB)"))?;
    let mut n = [0u8; 12];
    n[..7].copy_from_slice(&prefix);
    n[7..11].copy_from_slice(&counter.to_be_bytes());
    n[11] = u8::from(last);
    Ok(Nonce::<Aes256Gcm>::from(n))
}

/// Encrypts into `W`; call [`Writer::finish`] to write the last chunk and the length.
pub struct Writer<W: Write + Seek> {
    inner: W,
    cipher: Aes256Gcm,
    aad: [u8; AAD_LEN],
    prefix: [u8; 7],
    buf: Vec<u8>,
    index: u64,
    written: u64,
}

impl<W: Write + Seek> Writer<W> {
    /// Writes the header to `inner` (positioned at its start).
    pub fn new(mut inner: W, key: &[u8; 32]) -> io::Result<Self> {
        let prefix = super::random_bytes::<7>().map_err(io::Error::other)?;
        let mut aad = [0u8; AAD_LEN];
        aad[..8].copy_from_slice(MAGIC);
        aad[8] = VERSION;
        aad[12..16].copy_from_slice(&u32::try_from(CHUNK).unwrap_or(u32::MAX).to_be_bytes());
        aad[16..24].copy_from_slice(&key_id(key));
        aad[24..31].copy_from_slice(&prefix);
        inner.write_all(&aad)?;
        inner.write_all(&0u64.to_be_bytes())?;
        Ok(Self {
            inner,
            cipher: Aes256Gcm::new(&(*key).into()),
            aad,
            prefix,
            buf: Vec::with_capacity(CHUNK + TAG_LEN),
            index: 0,
            written: HEADER_LEN as u64,
        })
    }

    fn emit(&mut self, last: bool) -> io::Result<()> {
        let n = nonce(self.prefix, self.index, last)?;
        let tag = self
            .cipher
            .encrypt_inout_detached(&n, &self.aad, self.buf.as_mut_slice().into())
            .map_err(|_| io::Error::other("encryption failed"))?;
        self.buf.extend_from_slice(&tag);
        self.inner.write_all(&self.buf)?;
        self.written += self.buf.len() as u64;
        self.buf.clear();
        self.index += 1;
        Ok(())
    }

    /// Encrypts the last chunk, writes the total length into the header and returns the sink
    /// and the archive's length.
    pub fn finish(mut self) -> io::Result<(W, u64)> {
        self.emit(true)?;
        self.inner.seek(SeekFrom::Start(AAD_LEN as u64))?;
        self.inner.write_all(&self.written.to_be_bytes())?;
        self.inner.seek(SeekFrom::End(0))?;
        self.inner.flush()?;
        Ok((self.inner, self.written))
    }
}

impl<W: Write + Seek> Write for Writer<W> {
    fn write(&mut self, mut data: &[u8]) -> io::Result<usize> {
        let total = data.len();
        while !data.is_empty() {
            // A full chunk goes out only when more data follows, so the last one is always
            // the one `finish` flags.
            if self.buf.len() == CHUNK {
                self.emit(false)?;
            }
            let take = (CHUNK - self.buf.len()).min(data.len());
            self.buf.extend_from_slice(&data[..take]);
            data = &data[take..];
        }
        Ok(total)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Decrypts from `R`, checking every chunk before handing out its bytes.
pub struct Reader<R: Read> {
    inner: R,
    cipher: Aes256Gcm,
    aad: [u8; AAD_LEN],
    prefix: [u8; 7],
    chunk: usize,
    plain: Vec<u8>,
    pos: usize,
    index: u64,
    peeked: Option<u8>,
    done: bool,
}

impl<R: Read> Reader<R> {
    /// Reads and checks the header. `file_len`, when known, is compared with the length the
    /// header records, so a truncated archive is named as such before any decryption.
    pub fn new(mut inner: R, key: &[u8; 32], file_len: Option<u64>) -> io::Result<Self> {
        let mut header = [0u8; HEADER_LEN];
        let got = read_full(&mut inner, &mut header)?;
        if got < 8 || &header[..8] != MAGIC {
            return Err(StreamError::NotAnArchive.into());
        }
        if header[8] != VERSION {
            return Err(StreamError::Version(header[8]).into());
        }
        if got < HEADER_LEN {
            return Err(StreamError::Truncated {
                have: got as u64,
                want: HEADER_LEN as u64,
            }
            .into());
        }
        let (archive, given) = (&header[16..24], key_id(key));
        if archive != given {
            return Err(StreamError::WrongKey {
                archive: hex::encode(archive),
                given: hex::encode(given),
            }
            .into());
        }
        let mut word = [0u8; 8];
        word.copy_from_slice(&header[32..40]);
        let want = u64::from_be_bytes(word);
        if let Some(have) = file_len
            && have < want
        {
            return Err(StreamError::Truncated { have, want }.into());
        }
        let mut size = [0u8; 4];
        size.copy_from_slice(&header[12..16]);
        let chunk = usize::try_from(u32::from_be_bytes(size)).unwrap_or(0);
        if chunk == 0 || chunk > 64 << 20 {
            return Err(StreamError::Tampered(0).into());
        }
        let mut aad = [0u8; AAD_LEN];
        aad.copy_from_slice(&header[..AAD_LEN]);
        let mut prefix = [0u8; 7];
        prefix.copy_from_slice(&header[24..31]);
        Ok(Self {
            inner,
            cipher: Aes256Gcm::new(&(*key).into()),
            aad,
            prefix,
            chunk,
            plain: Vec::with_capacity(chunk + TAG_LEN),
            pos: 0,
            index: 0,
            peeked: None,
            done: false,
        })
    }

    /// Decrypts `plain` in place as chunk `index` (flagged `last`); false when it does not
    /// authenticate as such.
    fn open_chunk(&mut self, last: bool, tag: &Tag) -> io::Result<bool> {
        let n = nonce(self.prefix, self.index, last)?;
        Ok(self
            .cipher
            .decrypt_inout_detached(&n, &self.aad, self.plain.as_mut_slice().into(), tag)
            .is_ok())
    }

    /// Reads and authenticates the next chunk into `plain`.
    fn next_chunk(&mut self) -> io::Result<()> {
        let full = self.chunk + TAG_LEN;
        self.plain.clear();
        self.plain.resize(full, 0);
        let mut have = 0;
        if let Some(b) = self.peeked.take() {
            self.plain[0] = b;
            have = 1;
        }
        have += read_full(&mut self.inner, &mut self.plain[have..])?;
        let last = if have == full {
            let mut one = [0u8; 1];
            if read_full(&mut self.inner, &mut one)? == 1 {
                self.peeked = Some(one[0]);
                false
            } else {
                true
            }
        } else {
            true
        };
        if have < TAG_LEN {
            return Err(StreamError::Tampered(self.index).into());
        }
        self.plain.truncate(have);
        let body = have - TAG_LEN;
        let tag =
            Tag::try_from(&self.plain[body..]).map_err(|_| StreamError::Tampered(self.index))?;
        self.plain.truncate(body);
        // GCM checks the tag before it decrypts, so a refused chunk is left as it was.
        if !self.open_chunk(last, &tag)? {
            // A final chunk that checks as a middle one: the real end was cut off.
            let middle = last && self.open_chunk(false, &tag)?;
            self.plain.clear();
            return Err(if middle {
                StreamError::CutShort(self.index)
            } else {
                StreamError::Tampered(self.index)
            }
            .into());
        }
        self.pos = 0;
        self.index += 1;
        self.done = last;
        Ok(())
    }
}

impl<R: Read> Read for Reader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.plain.len() {
            if self.done {
                return Ok(0);
            }
            self.next_chunk()?;
        }
        let n = out.len().min(self.plain.len() - self.pos);
        out[..n].copy_from_slice(&self.plain[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Reads until `buf` is full or the source ends; returns how many bytes came.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

#[cfg(test)]
mod tests;

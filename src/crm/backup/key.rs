//! The backup key: 32 random bytes, separate from the master key, in a file readable only by
//! FlowCRM's user (hex text, so what `flowcrm backup key show` prints can be saved as a key
//! file again). Created on the first backup; a systemd credential may supply it instead.

use crate::crypto;
use std::io::Write;
use std::path::Path;

/// Why the backup key cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The key file does not exist (and may not be created here).
    #[error(
        "no backup key at {0}: restore needs the key the archive was made with; pass it with --key-file (the text `flowcrm backup key show` printed)"
    )]
    Missing(String),
    /// The key file is not a key.
    #[error("backup key file {0} does not hold a key (64 hex characters or 32 bytes)")]
    Format(String),
    /// Reading or writing it failed.
    #[error("backup key file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// Randomness failed.
    #[error(transparent)]
    Crypto(#[from] crypto::CryptoError),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> KeyError + '_ {
    move |source| KeyError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Parses key text (64 hex characters, spaces and newlines ignored) or raw 32 bytes.
pub fn parse(bytes: &[u8], path: &Path) -> Result<[u8; 32], KeyError> {
    let text: String = String::from_utf8_lossy(bytes)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let decoded = hex::decode(&text).ok().filter(|d| d.len() == 32);
    decoded
        .or_else(|| (bytes.len() == 32).then(|| bytes.to_vec()))
        .and_then(|d| <[u8; 32]>::try_from(d).ok())
        .ok_or_else(|| KeyError::Format(path.display().to_string()))
}

/// Reads the key at `path`.
pub fn load(path: &Path) -> Result<[u8; 32], KeyError> {
    match std::fs::read(path) {
        Ok(bytes) => parse(&bytes, path),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(KeyError::Missing(path.display().to_string()))
        }
        Err(e) => Err(io(path)(e)),
    }
}

/// Reads the key at `path`, creating it (mode 0600) when there is none yet.
pub fn load_or_create(path: &Path) -> Result<[u8; 32], KeyError> {
    match load(path) {
        Err(KeyError::Missing(_)) => {}
        other => return other,
    }
    let key = crypto::random_bytes::<32>()?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io(path))?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).map_err(io(path))?;
    f.write_all(format!("{}\n", hex::encode(key)).as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(io(path))?;
    tracing::warn!(
        path = %path.display(),
        "created the backup key; keep a copy off this machine (`flowcrm backup key show`): without it no backup can be restored"
    );
    Ok(key)
}

/// The key's printable form and its id (as archives name it).
#[must_use]
pub fn show(key: &[u8; 32]) -> (String, String) {
    (hex::encode(key), hex::encode(crypto::stream::key_id(key)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_once_private_and_read_back_in_either_form() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("backup.key");
        assert!(matches!(load(&path), Err(KeyError::Missing(_))));
        let key = load_or_create(&path).expect("create");
        assert_eq!(load_or_create(&path).expect("again"), key, "never replaced");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let (text, _) = show(&key);
        assert_eq!(parse(text.as_bytes(), &path).expect("hex"), key);
        assert_eq!(parse(&key, &path).expect("raw"), key);
        assert!(matches!(
            parse(b"not a key", &path),
            Err(KeyError::Format(_))
        ));
    }
}

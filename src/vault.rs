//! Secrets at rest: the master key file and the encrypted `secrets` table. A missing or wrong
//! key is a clear error, never garbage. Imports `crypto`, `db`, `config` (for `Secret`).

use crate::clock::SharedClock;
use crate::config::{Config, STORED_SECRETS, Secret};
use crate::crypto::{self, CryptoError, MasterKey};
use crate::db::{self, Db};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use time::OffsetDateTime;

/// Name of the row that proves which master key encrypted this database.
/// Where the erasure records' hashing key is stored (sealed).
const ERASURE_KEY: &str = "erasure.hash_key";
const KEY_CHECK: &str = "flowcrm.key_check";
const KEY_CHECK_TEXT: &[u8] = b"flowcrm master key check v1";

/// Why the vault could not open or act.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// The key file is gone but the database holds values encrypted with it.
    #[error(
        "master key file {0} is missing, but this database holds secrets encrypted with it; \
         restore the key file from your backup (or point security.master_key_file at it)"
    )]
    KeyMissing(PathBuf),
    /// The key file could not be read or written.
    #[error("master key file {path}: {source}")]
    KeyIo {
        /// The key file.
        path: PathBuf,
        /// The IO error.
        source: std::io::Error,
    },
    /// The key file is not 32 bytes.
    #[error("master key file {0} is not a FlowCRM key ({1} bytes; a key is exactly 32 bytes)")]
    KeyLength(PathBuf, usize),
    /// The key does not decrypt this database's check value.
    #[error(
        "master key file {0} does not belong to this database (decryption check failed); \
         use the key file that was created with this database"
    )]
    WrongKey(PathBuf),
    /// A name that is not a known secret.
    #[error("unknown secret `{0}`; known secrets: {known}", known = STORED_SECRETS.join(", "))]
    UnknownName(String),
    /// A stored value did not decrypt.
    #[error("secret `{0}` could not be decrypted: {1}")]
    Decrypt(String, CryptoError),
    /// Encryption or randomness failed.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// The store failed.
    #[error(transparent)]
    Db(#[from] db::Error),
}

/// Encrypts and decrypts the app's stored secrets.
#[derive(Clone)]
pub struct Vault {
    key: Arc<MasterKey>,
    erasure: Arc<[u8; 32]>,
    db: Db,
    clock: SharedClock,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Vault")
    }
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> VaultError + '_ {
    move |source| VaultError::KeyIo {
        path: path.to_path_buf(),
        source,
    }
}

fn read_key(path: &Path) -> Result<MasterKey, VaultError> {
    let bytes = std::fs::read(path).map_err(io_err(path))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path)
            && meta.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(path = %path.display(), "master key file is readable by group or others; chmod 600 it");
        }
    }
    MasterKey::from_bytes(&bytes)
        .map_err(|_| VaultError::KeyLength(path.to_path_buf(), bytes.len()))
}

fn create_key(path: &Path) -> Result<MasterKey, VaultError> {
    let bytes = crypto::random_bytes::<32>()?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io_err(path))?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).map_err(io_err(path))?;
    f.write_all(&bytes).map_err(io_err(path))?;
    f.sync_all().map_err(io_err(path))?;
    tracing::info!(path = %path.display(), "created a new master key; back it up with the database");
    Ok(MasterKey::from_bytes(&bytes)?)
}

impl Vault {
    /// Loads the key at `key_path` (creating it when neither it nor encrypted data exists yet)
    /// and checks that it belongs to this database.
    pub async fn open(db: &Db, key_path: &Path, clock: SharedClock) -> Result<Self, VaultError> {
        let check = db.read(|c| db::secrets::get(c, KEY_CHECK)).await?;
        let key = match (key_path.exists(), &check) {
            (true, _) => read_key(key_path)?,
            (false, Some(_)) => return Err(VaultError::KeyMissing(key_path.to_path_buf())),
            (false, None) => create_key(key_path)?,
        };
        if let Some(stored) = check {
            if key.decrypt(KEY_CHECK, &stored).ok().as_deref() != Some(KEY_CHECK_TEXT) {
                return Err(VaultError::WrongKey(key_path.to_path_buf()));
            }
        } else {
            let sealed = key.encrypt(KEY_CHECK, KEY_CHECK_TEXT)?;
            let now = clock.now();
            db.write(move |c| db::secrets::put(c, KEY_CHECK, &sealed, now))
                .await?;
        }
        let key = Arc::new(key);
        let erasure = Self::load_erasure_key(db, &key, clock.now()).await?;
        Ok(Self {
            key,
            erasure,
            db: db.clone(),
            clock,
        })
    }

    /// The key erasure records hash phone numbers and WhatsApp user ids with (HMAC-SHA256):
    /// random, made on first use and stored sealed like the other secrets, so it travels with
    /// the database and a restored backup still recognises whom it must erase again.
    #[must_use]
    pub fn erasure_key(&self) -> Arc<[u8; 32]> {
        self.erasure.clone()
    }

    async fn load_erasure_key(
        db: &Db,
        key: &Arc<MasterKey>,
        now: time::OffsetDateTime,
    ) -> Result<Arc<[u8; 32]>, VaultError> {
        let key = key.clone();
        let bytes = db
            .write(move |c| -> Result<Vec<u8>, VaultError> {
                if let Some(sealed) = db::secrets::get(c, ERASURE_KEY)? {
                    return key
                        .decrypt(ERASURE_KEY, &sealed)
                        .map_err(|e| VaultError::Decrypt(ERASURE_KEY.to_string(), e));
                }
                let fresh = crypto::random_bytes::<32>()?;
                let sealed = key.encrypt(ERASURE_KEY, &fresh)?;
                db::secrets::put(c, ERASURE_KEY, &sealed, now)?;
                Ok(fresh.to_vec())
            })
            .await?;
        let arr: [u8; 32] = bytes
            .try_into()
            .map_err(|_| VaultError::Decrypt(ERASURE_KEY.to_string(), CryptoError::Format))?;
        Ok(Arc::new(arr))
    }

    /// The name the erasure key is sealed under (to read it from another copy of this database).
    pub const ERASURE_KEY_NAME: &'static str = ERASURE_KEY;

    /// Opens the erasure key sealed in another copy of this install's database (`sealed`, as
    /// stored there) with this vault's master key.
    pub fn unseal_erasure_key(&self, sealed: &[u8]) -> Result<[u8; 32], VaultError> {
        self.key
            .decrypt(ERASURE_KEY, sealed)
            .map_err(|e| VaultError::Decrypt(ERASURE_KEY.to_string(), e))?
            .try_into()
            .map_err(|_| VaultError::Decrypt(ERASURE_KEY.to_string(), CryptoError::Format))
    }

    /// Makes this database use the erasure key sealed in another copy of it (a restored backup
    /// taken before the key existed takes the key of the database it replaces, so the journal's
    /// hashes keep matching). Takes effect for vaults opened afterwards.
    pub async fn adopt_erasure_key(&self, sealed: Vec<u8>) -> Result<(), VaultError> {
        self.unseal_erasure_key(&sealed)?;
        let now = self.clock.now();
        self.db
            .write(move |c| db::secrets::put(c, ERASURE_KEY, &sealed, now))
            .await?;
        Ok(())
    }

    /// Encrypts and stores a secret under a known name.
    pub async fn set(&self, name: &str, value: &Secret) -> Result<(), VaultError> {
        if !STORED_SECRETS.contains(&name) {
            return Err(VaultError::UnknownName(name.to_string()));
        }
        let sealed = self.key.encrypt(name, value.expose().as_bytes())?;
        let (name, now) = (name.to_string(), self.clock.now());
        self.db
            .write(move |c| db::secrets::put(c, &name, &sealed, now))
            .await?;
        Ok(())
    }

    /// The master key, for the accounts service to seal two-factor secrets with (each bound
    /// to its user by name, so they never mix with the named secrets here).
    #[must_use]
    pub fn sealing_key(&self) -> Arc<MasterKey> {
        self.key.clone()
    }

    /// Encrypts `value` for storage under `name` (a use case stores it in its own transaction).
    pub fn seal(&self, name: &str, value: &Secret) -> Result<Vec<u8>, VaultError> {
        if !STORED_SECRETS.contains(&name) {
            return Err(VaultError::UnknownName(name.to_string()));
        }
        Ok(self.key.encrypt(name, value.expose().as_bytes())?)
    }

    /// Decrypts a stored secret.
    pub async fn get(&self, name: &str) -> Result<Option<Secret>, VaultError> {
        let owned = name.to_string();
        let Some(sealed) = self.db.read(move |c| db::secrets::get(c, &owned)).await? else {
            return Ok(None);
        };
        let plain = self
            .key
            .decrypt(name, &sealed)
            .map_err(|e| VaultError::Decrypt(name.to_string(), e))?;
        let text = String::from_utf8(plain)
            .map_err(|_| VaultError::Decrypt(name.to_string(), CryptoError::Format))?;
        Ok(Some(Secret::new(text)))
    }

    /// The value in force for a secret: the config file or env when set there (with a
    /// plaintext warning from `check-config`), else the encrypted store.
    pub async fn resolve(&self, config: &Config, name: &str) -> Result<Option<Secret>, VaultError> {
        match config.secret_value(name) {
            Some(v) => Ok(Some(v)),
            None => self.get(name).await,
        }
    }

    /// Deletes a stored secret; false when none was stored.
    pub async fn delete(&self, name: &str) -> Result<bool, VaultError> {
        if !STORED_SECRETS.contains(&name) {
            return Err(VaultError::UnknownName(name.to_string()));
        }
        let owned = name.to_string();
        Ok(self
            .db
            .write(move |c| db::secrets::delete(c, &owned))
            .await?)
    }

    /// Names and update times of stored secrets (never values).
    pub async fn list(&self) -> Result<Vec<(String, OffsetDateTime)>, VaultError> {
        let mut all = self.db.read(db::secrets::list).await?;
        all.retain(|(n, _)| n != KEY_CHECK && n != ERASURE_KEY);
        Ok(all)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SystemClock;

    fn clock() -> SharedClock {
        Arc::new(SystemClock)
    }

    #[tokio::test]
    async fn stored_secret_round_trips_and_the_db_file_holds_no_plaintext() {
        let (db, dir) = db::testing::temp_db();
        let key_path = dir.path().join("master.key");
        let vault = Vault::open(&db, &key_path, clock()).await.expect("open");
        let token = "EAAGplaintext-access-token-1234567890";
        vault
            .set("whatsapp.access_token", &Secret::new(token))
            .await
            .expect("set");
        let got = vault.get("whatsapp.access_token").await.expect("get");
        assert_eq!(got.as_ref().map(Secret::expose), Some(token));
        db.close().await;
        for entry in std::fs::read_dir(dir.path()).expect("dir") {
            let bytes = std::fs::read(entry.expect("entry").path()).expect("read");
            assert!(
                !bytes.windows(token.len()).any(|w| w == token.as_bytes()),
                "plaintext found on disk"
            );
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&key_path)
                .expect("key")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[tokio::test]
    async fn missing_key_for_an_encrypted_database_is_a_clear_error() {
        let (db, dir) = db::testing::temp_db();
        let key_path = dir.path().join("master.key");
        Vault::open(&db, &key_path, clock()).await.expect("open");
        std::fs::remove_file(&key_path).expect("rm");
        let err = Vault::open(&db, &key_path, clock())
            .await
            .expect_err("missing");
        assert!(matches!(err, VaultError::KeyMissing(_)), "{err}");
        assert!(!key_path.exists(), "must not silently create a new key");
    }

    #[tokio::test]
    async fn wrong_key_is_a_clear_error() {
        let (db, dir) = db::testing::temp_db();
        let key_path = dir.path().join("master.key");
        Vault::open(&db, &key_path, clock()).await.expect("open");
        std::fs::write(&key_path, [9u8; 32]).expect("overwrite");
        let err = Vault::open(&db, &key_path, clock())
            .await
            .expect_err("wrong key");
        assert!(err.to_string().contains("does not belong"), "{err}");
        std::fs::write(&key_path, [9u8; 10]).expect("truncate");
        let err = Vault::open(&db, &key_path, clock())
            .await
            .expect_err("short key");
        assert!(matches!(err, VaultError::KeyLength(_, 10)), "{err}");
    }

    #[tokio::test]
    async fn config_value_wins_over_the_store_and_the_store_fills_in_otherwise() {
        let (db, dir) = db::testing::temp_db();
        let vault = Vault::open(&db, &dir.path().join("k"), clock())
            .await
            .expect("open");
        vault
            .set("whatsapp.app_secret", &Secret::new("stored"))
            .await
            .expect("set");
        let mut config = Config::default();
        let got = vault
            .resolve(&config, "whatsapp.app_secret")
            .await
            .expect("resolve");
        assert_eq!(got.as_ref().map(Secret::expose), Some("stored"));
        config.whatsapp.app_secret = Some(Secret::new("from-config"));
        let got = vault
            .resolve(&config, "whatsapp.app_secret")
            .await
            .expect("resolve");
        assert_eq!(got.as_ref().map(Secret::expose), Some("from-config"));
        let none = vault
            .resolve(&config, "whatsapp.access_token")
            .await
            .expect("resolve");
        assert!(none.is_none());
    }

    #[tokio::test]
    async fn unknown_secret_names_are_refused() {
        let (db, dir) = db::testing::temp_db();
        let vault = Vault::open(&db, &dir.path().join("k"), clock())
            .await
            .expect("open");
        let err = vault
            .set("whatsapp.nope", &Secret::new("x"))
            .await
            .expect_err("unknown");
        assert!(err.to_string().contains("whatsapp.access_token"));
        assert!(
            vault.list().await.expect("list").is_empty(),
            "the key check and erasure key rows are hidden"
        );
    }
}

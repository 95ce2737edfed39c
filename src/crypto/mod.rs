//! Pure cryptography: random tokens, token hashing, bcrypt passwords, constant-time comparison
//! and AES-256-GCM encryption of secrets at rest. Imports nothing internal; no IO except the OS RNG.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// bcrypt work factor for every password hash.
pub const BCRYPT_COST: u32 = 12;
/// Shortest accepted password, in bytes.
pub const PASSWORD_MIN_BYTES: usize = 8;
/// bcrypt ignores everything after 72 bytes, so longer passwords are refused, never truncated.
pub const PASSWORD_MAX_BYTES: usize = 72;

const CIPHER_VERSION: u8 = 1;
const NONCE_LEN: usize = 12;

/// Errors from this module; none carries secret material.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    /// The OS random number generator failed.
    #[error("the operating system's random number generator failed")]
    Rng,
    /// A ciphertext did not authenticate: wrong key, wrong name, or tampering.
    #[error("decryption failed: the master key does not match or the value was altered")]
    Decrypt,
    /// A ciphertext is too short or of an unknown version.
    #[error("stored value is not in FlowCRM's encrypted format")]
    Format,
    /// A master key is not exactly 32 bytes.
    #[error("a master key must be exactly 32 bytes, found {0}")]
    KeyLength(usize),
    /// bcrypt failed (malformed stored hash).
    #[error("password hash error: {0}")]
    Bcrypt(String),
}

/// Fills an array with OS randomness.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], CryptoError> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|_| CryptoError::Rng)?;
    Ok(buf)
}

/// A 256-bit random token, hex-encoded (64 characters).
pub fn random_token() -> Result<String, CryptoError> {
    Ok(hex::encode(random_bytes::<32>()?))
}

/// SHA-256 of a token, as stored in the database instead of the token itself.
#[must_use]
pub fn hash_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Compares two byte strings in constant time (for equal lengths).
#[must_use]
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// Why a password was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    /// Fewer than 8 bytes.
    #[error("Password must be at least 8 characters.")]
    TooShort,
    /// More than 72 bytes; bcrypt would silently ignore the rest.
    #[error("Password must be at most 72 bytes (about 72 letters, fewer with accents or emoji).")]
    TooLong,
    /// One of the most common passwords (ASVS 6.2.4).
    #[error(
        "This is one of the most common passwords, among the first an attacker tries. Choose another: a few unrelated words are easy to remember and hard to guess."
    )]
    Common,
}

/// The 3,000 most common passwords of 8 to 72 bytes, most common first: the `passwords`
/// frequency list of zxcvbn 4.5.0 (MIT licence, Dropbox / Daniel Wolf), filtered to the lengths
/// FlowCRM accepts.
const COMMON_PASSWORDS: &str = include_str!("common_passwords.txt");

fn is_common(password: &str) -> bool {
    static SET: std::sync::LazyLock<std::collections::HashSet<&'static str>> =
        std::sync::LazyLock::new(|| COMMON_PASSWORDS.lines().collect());
    SET.contains(password.to_lowercase().as_str())
}

/// Checks a new password: its length in bytes, exactly as typed, and that it is not one of
/// the most common ones (compared without case).
pub fn check_password(password: &str) -> Result<(), PasswordError> {
    match password.len() {
        n if n < PASSWORD_MIN_BYTES => Err(PasswordError::TooShort),
        n if n > PASSWORD_MAX_BYTES => Err(PasswordError::TooLong),
        _ if is_common(password) => Err(PasswordError::Common),
        _ => Ok(()),
    }
}

/// Hashes a password with bcrypt at `BCRYPT_COST`. Slow: call off the async threads.
pub fn hash_password(password: &str) -> Result<String, CryptoError> {
    let salt = random_bytes::<16>()?;
    bcrypt::hash_with_salt(password, BCRYPT_COST, salt)
        .map(|h| h.format_for_version(bcrypt::Version::TwoB))
        .map_err(|e| CryptoError::Bcrypt(e.to_string()))
}

/// Checks a password against a bcrypt hash. Over-long input never matches. Slow.
pub fn verify_password(password: &str, hash: &str) -> Result<bool, CryptoError> {
    if password.len() > PASSWORD_MAX_BYTES {
        return Ok(false);
    }
    bcrypt::verify(password, hash).map_err(|e| CryptoError::Bcrypt(e.to_string()))
}

/// True when a stored bcrypt hash was made at a lower cost than [`BCRYPT_COST`] (or is not one
/// we can read): it is replaced at the next successful sign-in.
#[must_use]
pub fn needs_rehash(hash: &str) -> bool {
    // `$2b$12$...`: the cost is the third field.
    hash.split('$')
        .nth(2)
        .and_then(|c| c.parse::<u32>().ok())
        .is_none_or(|cost| cost < BCRYPT_COST)
}

/// A bcrypt hash of a random password, verified against when the account does not exist so
/// an unknown email takes as long as a wrong password.
pub const DUMMY_HASH: &str = "$2b$12$C6UzMDM.H6dfI/f/IKcEeO5Hn1EpzkFj5.tCk/4tEFiovfApgoWpK";

/// HMAC-SHA256 of `body` under `key`.
#[must_use]
pub fn hmac_sha256(key: &[u8], body: &[u8]) -> [u8; 32] {
    use hmac::{KeyInit, Mac};
    let mut mac = hmac::Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(body);
    mac.finalize().into_bytes().into()
}

/// The body with every non-ASCII character written as lowercase `\uXXXX` UTF-16 escapes, the
/// form Meta signs when a proxy has re-encoded the payload; `None` when there is nothing to escape.
fn escape_non_ascii(body: &[u8]) -> Option<Vec<u8>> {
    use std::fmt::Write;
    if body.is_ascii() {
        return None;
    }
    let text = std::str::from_utf8(body).ok()?;
    let mut out = String::with_capacity(body.len() + 64);
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                let _ = write!(out, "\\u{unit:04x}");
            }
        }
    }
    Some(out.into_bytes())
}

/// Checks Meta's `X-Hub-Signature-256` header (`sha256=<hex>`) against the raw body, in
/// constant time. Falls back to the escaped-unicode form of the body (both are keyed with the
/// app secret, so nothing is weakened). Malformed headers are simply invalid.
#[must_use]
pub fn verify_webhook_signature(app_secret: &[u8], body: &[u8], header: Option<&str>) -> bool {
    let Some(value) = header.map(str::trim) else {
        return false;
    };
    let Some(hex_part) = value
        .get(..7)
        .filter(|p| p.eq_ignore_ascii_case("sha256="))
        .map(|_| &value[7..])
    else {
        return false;
    };
    let Ok(expected) = hex::decode(hex_part) else {
        return false;
    };
    if expected.len() != 32 {
        return false;
    }
    if constant_time_eq(&hmac_sha256(app_secret, body), &expected) {
        return true;
    }
    escape_non_ascii(body)
        .is_some_and(|escaped| constant_time_eq(&hmac_sha256(app_secret, &escaped), &expected))
}

/// The 256-bit key that encrypts stored secrets.
pub struct MasterKey(Aes256Gcm);

impl MasterKey {
    /// Builds a key from exactly 32 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CryptoError> {
        let arr: [u8; 32] = bytes
            .try_into()
            .map_err(|_| CryptoError::KeyLength(bytes.len()))?;
        Ok(Self(Aes256Gcm::new(&arr.into())))
    }

    /// Encrypts `plaintext`, binding it to `name` (as associated data) so a value copied to
    /// another name fails to decrypt. Output: version byte, 96-bit random nonce, ciphertext+tag.
    pub fn encrypt(&self, name: &str, plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let nonce_bytes = random_bytes::<NONCE_LEN>()?;
        let nonce = Nonce::from(nonce_bytes);
        let sealed = self
            .0
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad: name.as_bytes(),
                },
            )
            .map_err(|_| CryptoError::Decrypt)?;
        let mut out = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
        out.push(CIPHER_VERSION);
        out.extend_from_slice(&nonce_bytes);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// Decrypts a value made by `encrypt` under the same `name`.
    pub fn decrypt(&self, name: &str, stored: &[u8]) -> Result<Vec<u8>, CryptoError> {
        if stored.len() < 1 + NONCE_LEN + 16 || stored[0] != CIPHER_VERSION {
            return Err(CryptoError::Format);
        }
        let nonce_bytes: [u8; NONCE_LEN] = stored[1..=NONCE_LEN]
            .try_into()
            .map_err(|_| CryptoError::Format)?;
        self.0
            .decrypt(
                &Nonce::from(nonce_bytes),
                Payload {
                    msg: &stored[1 + NONCE_LEN..],
                    aad: name.as_bytes(),
                },
            )
            .map_err(|_| CryptoError::Decrypt)
    }
}

pub mod stream;
pub mod totp;

#[cfg(test)]
mod tests;

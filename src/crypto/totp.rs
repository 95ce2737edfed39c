//! Time-based one-time passwords (RFC 6238: HMAC-SHA-1, 6 digits, 30-second steps, one step
//! either side) and recovery codes. The caller stores the last accepted step: totp-rs does not
//! stop a code being used twice.

use super::{CryptoError, random_bytes};
use totp_rs::{Builder, Secret, Totp};

/// Bytes in a new secret (160 bits, RFC 4226's recommendation).
pub const SECRET_BYTES: usize = 20;
/// Characters of a recovery code (base32: 5 bits each, so 100 bits).
const RECOVERY_CHARS: usize = 20;
/// RFC 4648 base32 in lower case: what recovery codes are written in.
const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

fn totp(secret: &[u8], issuer: &str, account: &str) -> Option<Totp> {
    // The otpauth label separates issuer and account with ':', so neither may contain one.
    let clean = |s: &str| s.replace(':', " ").trim().to_string();
    let issuer = clean(issuer);
    Builder::new()
        .with_secret(Secret::from(secret.to_vec()))
        .with_issuer(Some(if issuer.is_empty() {
            "FlowCRM".into()
        } else {
            issuer
        }))
        .with_account_name(clean(account))
        .build()
        .ok()
}

/// A fresh random secret.
pub fn new_secret() -> Result<[u8; SECRET_BYTES], CryptoError> {
    random_bytes::<SECRET_BYTES>()
}

/// The secret as an authenticator app takes it typed in (base32, no padding).
#[must_use]
pub fn secret_text(secret: &[u8]) -> String {
    Secret::from(secret.to_vec()).to_base32()
}

/// The secret back from its text form; `None` when it is not base32.
#[must_use]
pub fn secret_from_text(text: &str) -> Option<Vec<u8>> {
    Secret::try_from_base32(text.trim())
        .ok()
        .map(|s| s.as_bytes().to_vec())
}

/// The `otpauth://totp/...` address an authenticator app reads from the QR code.
#[must_use]
pub fn otpauth_uri(secret: &[u8], issuer: &str, account: &str) -> Option<String> {
    totp(secret, issuer, account)?.to_url().ok()
}

/// The step the code belongs to, when `code` (spaces allowed) is valid at `unix_time` give or
/// take one step; `None` otherwise.
#[must_use]
pub fn check(secret: &[u8], code: &str, unix_time: u64) -> Option<u64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    totp(secret, "FlowCRM", "check")?.check(&code, unix_time)
}

/// The code for `unix_time` (tests and the demo).
#[must_use]
pub fn code_at(secret: &[u8], unix_time: u64) -> String {
    totp(secret, "FlowCRM", "check").map_or_else(String::new, |t| t.generate(unix_time).to_string())
}

/// A new recovery code, shown as four groups of five (`abcde-fghij-klmno-pqrst`).
pub fn new_recovery_code() -> Result<String, CryptoError> {
    let bytes = random_bytes::<RECOVERY_CHARS>()?;
    let mut out = String::with_capacity(RECOVERY_CHARS + 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 && i % 5 == 0 {
            out.push('-');
        }
        out.push(char::from(ALPHABET[usize::from(b & 31)]));
    }
    Ok(out)
}

/// A recovery code as typed, reduced to what is hashed: lower case, no dashes or spaces.
/// `None` when it cannot be one.
#[must_use]
pub fn normalize_recovery_code(typed: &str) -> Option<String> {
    let code: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    (code.len() == RECOVERY_CHARS && code.bytes().all(|b| ALPHABET.contains(&b))).then_some(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6238_sha1_test_vectors_give_the_last_six_digits() {
        // RFC 6238 appendix B, SHA-1 with the 20-byte ASCII key "12345678901234567890"; the
        // RFC prints 8 digits, a 6-digit code is their last six.
        let key = b"12345678901234567890";
        for (t, eight) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
        ] {
            assert_eq!(code_at(key, t), eight[2..], "t = {t}");
            assert_eq!(check(key, &eight[2..], t), Some(t / 30));
        }
    }

    #[test]
    fn a_code_is_valid_one_step_either_side_and_no_further() {
        let key = new_secret().expect("randomness");
        let now = 1_800_000_000;
        let code = code_at(&key, now);
        assert_eq!(check(&key, &code, now + 30), Some(now / 30));
        assert_eq!(check(&key, &code, now - 30), Some(now / 30));
        assert_eq!(check(&key, &code, now + 90), None);
        assert_eq!(
            check(&key, &format!("{} {}", &code[..3], &code[3..]), now),
            Some(now / 30)
        );
        assert_eq!(check(&key, "12345", now), None);
        assert_eq!(check(&key, "abcdef", now), None);
    }

    #[test]
    fn recovery_codes_carry_100_random_bits_and_read_back_however_typed() {
        let a = new_recovery_code().expect("randomness");
        assert_eq!(a.len(), 23);
        assert_ne!(a, new_recovery_code().expect("randomness"));
        let plain = normalize_recovery_code(&a).expect("a code we made reads back");
        assert_eq!(
            normalize_recovery_code(&a.to_uppercase().replace('-', " ")),
            Some(plain)
        );
        assert_eq!(normalize_recovery_code("abc"), None);
        assert_eq!(normalize_recovery_code("0000000000000000000!"), None);
    }

    #[test]
    fn the_otpauth_address_names_the_business_and_the_account() {
        let uri = otpauth_uri(b"12345678901234567890", "Acme: Shoes", "ana@example.com")
            .expect("a valid issuer and account");
        assert!(
            uri.starts_with("otpauth://totp/Acme%20%20Shoes:ana%40example.com?"),
            "{uri}"
        );
        assert!(
            uri.contains("secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"),
            "{uri}"
        );
        assert!(uri.contains("issuer=Acme"), "{uri}");
    }
}

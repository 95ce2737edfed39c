//! Encryption, tokens, passwords and webhook signatures.
use super::*;

#[test]
fn the_bundled_list_has_3000_passwords_flowcrm_would_otherwise_accept() {
    let list: Vec<&str> = COMMON_PASSWORDS.lines().collect();
    assert_eq!(list.len(), 3000);
    assert!(
        list.iter()
            .all(|p| (PASSWORD_MIN_BYTES..=PASSWORD_MAX_BYTES).contains(&p.len()))
    );
    assert_eq!(check_password("password123"), Err(PasswordError::Common));
    assert_eq!(
        check_password("QWERTYUIOP"),
        Err(PasswordError::Common),
        "case does not help"
    );
    assert_eq!(check_password("ventania no morro 42"), Ok(()));
}

fn key(byte: u8) -> MasterKey {
    MasterKey::from_bytes(&[byte; 32]).expect("32 bytes")
}

#[test]
fn encryption_round_trips_and_uses_a_fresh_nonce_each_time() {
    let k = key(7);
    let a = k
        .encrypt("whatsapp.access_token", b"EAAG-secret")
        .expect("enc");
    let b = k
        .encrypt("whatsapp.access_token", b"EAAG-secret")
        .expect("enc");
    assert_ne!(a, b, "same plaintext must not give the same ciphertext");
    assert!(!a.windows(11).any(|w| w == b"EAAG-secret"));
    assert_eq!(
        k.decrypt("whatsapp.access_token", &a).expect("dec"),
        b"EAAG-secret"
    );
}

#[test]
fn tampered_ciphertext_fails_cleanly() {
    let k = key(7);
    let mut c = k.encrypt("n", b"value").expect("enc");
    let last = c.len() - 1;
    c[last] ^= 1;
    assert_eq!(k.decrypt("n", &c), Err(CryptoError::Decrypt));
    assert_eq!(k.decrypt("n", &c[..5]), Err(CryptoError::Format));
}

#[test]
fn wrong_key_or_wrong_name_fails_cleanly() {
    let c = key(7).encrypt("n", b"value").expect("enc");
    assert_eq!(key(8).decrypt("n", &c), Err(CryptoError::Decrypt));
    assert_eq!(key(7).decrypt("other", &c), Err(CryptoError::Decrypt));
}

#[test]
fn master_key_must_be_32_bytes() {
    assert!(matches!(
        MasterKey::from_bytes(&[0; 31]),
        Err(CryptoError::KeyLength(31))
    ));
}

#[test]
fn password_limits_are_in_bytes() {
    assert_eq!(check_password("short"), Err(PasswordError::TooShort));
    assert_eq!(check_password(&"a".repeat(72)), Ok(()));
    assert_eq!(check_password(&"a".repeat(73)), Err(PasswordError::TooLong));
    // 36 two-byte letters = 72 bytes is fine; 37 is not.
    assert_eq!(check_password(&"é".repeat(36)), Ok(()));
    assert_eq!(check_password(&"é".repeat(37)), Err(PasswordError::TooLong));
}

#[test]
fn bcrypt_hash_uses_cost_12_and_verifies() {
    let h = hash_password("correct horse").expect("hash");
    assert!(h.starts_with("$2b$12$"), "{h}");
    assert!(verify_password("correct horse", &h).expect("verify"));
    assert!(!verify_password("wrong horse", &h).expect("verify"));
}

#[test]
fn passwords_differing_only_after_byte_72_do_not_match() {
    let base = "p".repeat(72);
    let h = hash_password(&base).expect("hash");
    assert!(!verify_password(&format!("{base}extra"), &h).expect("verify"));
}

#[test]
fn dummy_hash_is_a_valid_cost_12_hash() {
    assert!(DUMMY_HASH.starts_with("$2b$12$"));
    assert!(!verify_password("anything", DUMMY_HASH).expect("valid hash"));
}

fn sign(secret: &str, body: &[u8]) -> String {
    format!(
        "sha256={}",
        hex::encode(hmac_sha256(secret.as_bytes(), body))
    )
}

#[test]
fn webhook_signature_accepts_the_right_hmac_and_rejects_everything_else() {
    let body = br#"{"object":"whatsapp_business_account","entry":[]}"#;
    let good = sign("app-secret", body);
    assert!(verify_webhook_signature(b"app-secret", body, Some(&good)));
    assert!(
        verify_webhook_signature(
            b"app-secret",
            body,
            Some(&good.to_uppercase().replace("SHA256=", "sha256="))
        ),
        "uppercase hex"
    );
    assert!(!verify_webhook_signature(
        b"other-secret",
        body,
        Some(&good)
    ));
    let mut changed = body.to_vec();
    changed[10] ^= 1;
    assert!(
        !verify_webhook_signature(b"app-secret", &changed, Some(&good)),
        "one byte changed"
    );
    assert!(
        !verify_webhook_signature(b"app-secret", body, None),
        "missing"
    );
    for bad in [
        "",
        "sha256=",
        "sha256=zz",
        "sha1=abcd",
        "sha256=ÿÿ",
        &good[..good.len() - 2],
    ] {
        assert!(
            !verify_webhook_signature(b"app-secret", body, Some(bad)),
            "{bad:?}"
        );
    }
}

#[test]
fn webhook_signature_matches_metas_escaped_unicode_test_vector() {
    // Test vector from whatsapp-api-js (shared/reference/whatsapp-cloud-api.md, section 2).
    let body = "Let's pretend this body is equal to the message object and can handle unicode characters like みどりいろ and J'ai mangé des pâtes";
    let header = "sha256=0363007aabdf1ab579f35936651a460fb5fa1aaf40df98b1264446b72cc96688";
    assert!(verify_webhook_signature(
        b"YOUR_APP_SECRET",
        body.as_bytes(),
        Some(header)
    ));
    // And the raw UTF-8 form, signed directly, is accepted too.
    let raw = sign("YOUR_APP_SECRET", body.as_bytes());
    assert!(verify_webhook_signature(
        b"YOUR_APP_SECRET",
        body.as_bytes(),
        Some(&raw)
    ));
}

#[test]
fn tokens_are_random_and_hashes_are_stable() {
    let a = random_token().expect("rng");
    assert_eq!(a.len(), 64);
    assert_ne!(a, random_token().expect("rng"));
    assert_eq!(hash_token(&a), hash_token(&a));
    assert!(constant_time_eq(b"abc", b"abc"));
    assert!(!constant_time_eq(b"abc", b"abd"));
    assert!(!constant_time_eq(b"abc", b"ab"));
}

#[test]
fn hashes_below_the_cost_are_due_for_a_rehash() {
    assert!(!needs_rehash(DUMMY_HASH));
    assert!(needs_rehash(
        "$2b$10$C6UzMDM.H6dfI/f/IKcEeO5Hn1EpzkFj5.tCk/4tEFiovfApgoWpK"
    ));
    assert!(needs_rehash("not a hash"));
    let fresh = hash_password("correct horse battery").expect("hash");
    assert!(fresh.starts_with("$2b$12$"), "{fresh}");
    assert!(!needs_rehash(&fresh));
}

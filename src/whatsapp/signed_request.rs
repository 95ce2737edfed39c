//! Meta's `signed_request` (the data deletion request callback, see
//! `../shared/reference/whatsapp-cloud-api.md` §10): `<base64url(signature)>.<base64url(JSON)>`,
//! padding optional; the signature is HMAC-SHA256 under the app secret over the payload segment
//! exactly as received, compared in constant time; the payload's `algorithm` must be
//! `HMAC-SHA256`.

use crate::crypto;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// A verified deletion request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletionRequest {
    /// The app-scoped id of the person who asked.
    pub user_id: String,
    /// When Meta issued it (Unix seconds), if said.
    pub issued_at: Option<i64>,
}

/// Why a `signed_request` was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignedRequestError {
    /// Not two base64url parts with a JSON object in the second.
    #[error("signed_request is not <signature>.<payload> in base64url with a JSON payload")]
    Malformed,
    /// The signature does not match the payload under the app secret.
    #[error("signed_request signature does not match")]
    BadSignature,
    /// The payload names another algorithm.
    #[error("signed_request algorithm must be HMAC-SHA256, not {0:?}")]
    Algorithm(String),
    /// No `user_id` in the payload.
    #[error("signed_request has no user_id")]
    NoUser,
}

fn decode(segment: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(segment.trim_end_matches('=')).ok()
}

/// Verifies and reads a `signed_request`.
pub fn parse(
    signed_request: &str,
    app_secret: &[u8],
) -> Result<DeletionRequest, SignedRequestError> {
    let (sig, payload) = signed_request
        .trim()
        .split_once('.')
        .ok_or(SignedRequestError::Malformed)?;
    let sig = decode(sig).ok_or(SignedRequestError::Malformed)?;
    let json = decode(payload).ok_or(SignedRequestError::Malformed)?;
    // Over the payload text as received (padding and all), before anything in it is trusted.
    let expected = crypto::hmac_sha256(app_secret, payload.as_bytes());
    if !crypto::constant_time_eq(&expected, &sig) {
        return Err(SignedRequestError::BadSignature);
    }
    let value: serde_json::Value =
        serde_json::from_slice(&json).map_err(|_| SignedRequestError::Malformed)?;
    let algorithm = value
        .get("algorithm")
        .and_then(|a| a.as_str())
        .unwrap_or("");
    if !algorithm.eq_ignore_ascii_case("HMAC-SHA256") {
        return Err(SignedRequestError::Algorithm(algorithm.to_string()));
    }
    let user_id = match value.get("user_id") {
        Some(serde_json::Value::String(s)) if !s.is_empty() => s.clone(),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        _ => return Err(SignedRequestError::NoUser),
    };
    Ok(DeletionRequest {
        user_id,
        issued_at: value.get("issued_at").and_then(serde_json::Value::as_i64),
    })
}

/// Builds a `signed_request` as Meta does (tests and the demo): unpadded base64url parts.
#[must_use]
pub fn sign(payload_json: &str, app_secret: &[u8]) -> String {
    let payload = URL_SAFE_NO_PAD.encode(payload_json);
    let sig = URL_SAFE_NO_PAD.encode(crypto::hmac_sha256(app_secret, payload.as_bytes()));
    format!("{sig}.{payload}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"app-secret";
    const PAYLOAD: &str = r#"{"algorithm":"HMAC-SHA256","expires":1291840400,"issued_at":1291836800,"user_id":"218471"}"#;

    #[test]
    fn a_request_signed_with_the_app_secret_is_read_with_or_without_padding() {
        let unpadded = sign(PAYLOAD, SECRET);
        let want = DeletionRequest {
            user_id: "218471".into(),
            issued_at: Some(1_291_836_800),
        };
        assert_eq!(parse(&unpadded, SECRET), Ok(want.clone()));
        // Padding on both parts, the signature computed over the padded payload text.
        let payload = base64::engine::general_purpose::URL_SAFE.encode(PAYLOAD);
        let sig = base64::engine::general_purpose::URL_SAFE
            .encode(crypto::hmac_sha256(SECRET, payload.as_bytes()));
        assert!(
            payload.ends_with('=') || sig.ends_with('='),
            "the vector has padding"
        );
        assert_eq!(parse(&format!("{sig}.{payload}"), SECRET), Ok(want));
    }

    #[test]
    fn tampering_another_secret_another_algorithm_and_garbage_are_refused() {
        let good = sign(PAYLOAD, SECRET);
        let (sig, _) = good.split_once('.').expect("two parts");
        let other = URL_SAFE_NO_PAD.encode(PAYLOAD.replace("218471", "999999"));
        assert_eq!(
            parse(&format!("{sig}.{other}"), SECRET),
            Err(SignedRequestError::BadSignature)
        );
        assert_eq!(
            parse(&good, b"another"),
            Err(SignedRequestError::BadSignature)
        );
        let md5 = sign(&PAYLOAD.replace("HMAC-SHA256", "MD5"), SECRET);
        assert_eq!(
            parse(&md5, SECRET),
            Err(SignedRequestError::Algorithm("MD5".into()))
        );
        for bad in ["", "abc", "a.b.c!", "!!.!!"] {
            assert!(parse(bad, SECRET).is_err(), "{bad}");
        }
        let no_user = sign(r#"{"algorithm":"HMAC-SHA256"}"#, SECRET);
        assert_eq!(parse(&no_user, SECRET), Err(SignedRequestError::NoUser));
    }
}

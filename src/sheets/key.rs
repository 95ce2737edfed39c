//! A service-account key (the JSON file Google Cloud's console downloads): checked before it
//! is stored, so the setup page can say at once what is wrong with it.

use super::Error;
use google_sheets4::yup_oauth2::ServiceAccountKey;

/// A parsed service-account key.
#[derive(Clone)]
pub struct ServiceAccount {
    pub(super) key: ServiceAccountKey,
}

impl std::fmt::Debug for ServiceAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceAccount")
            .field("email", &self.key.client_email)
            .finish_non_exhaustive()
    }
}

impl ServiceAccount {
    /// Parses the key JSON; the error says what is missing or wrong.
    pub fn parse(json: &str) -> Result<Self, Error> {
        let value: serde_json::Value = serde_json::from_str(json.trim()).map_err(|e| {
            Error::key(format!("the key is not JSON ({e}); upload the .json file Google Cloud downloaded when you created the key"))
        })?;
        let kind = value
            .get("type")
            .and_then(|t| t.as_str())
            .unwrap_or_default();
        if kind != "service_account" {
            return Err(Error::key(format!(
                "this JSON is not a service-account key (its \"type\" is \"{kind}\", not \"service_account\"); create one under IAM → Service accounts → Keys → Add key → JSON"
            )));
        }
        let key: ServiceAccountKey = serde_json::from_value(value)
            .map_err(|e| Error::key(format!("the service-account key is incomplete ({e})")))?;
        if !key.private_key.contains("PRIVATE KEY") {
            return Err(Error::key(
                "the key's \"private_key\" is not a PEM private key".into(),
            ));
        }
        if !key.client_email.contains('@') {
            return Err(Error::key("the key has no \"client_email\"".into()));
        }
        Ok(Self { key })
    }

    /// The service account's email address (share the spreadsheet with it as Editor).
    #[must_use]
    pub fn email(&self) -> &str {
        &self.key.client_email
    }

    /// The key's id (`private_key_id`), when the file has one.
    #[must_use]
    pub fn key_id(&self) -> Option<&str> {
        self.key.private_key_id.as_deref()
    }

    /// Where its tokens come from (the key's `token_uri`).
    #[must_use]
    pub fn token_uri(&self) -> &str {
        &self.key.token_uri
    }
}

//! Changing the connection from the browser (admins), and testing it against the Graph API.
//! Secrets arrive in plain text and leave sealed by the caller's `seal` (the vault), so the ids,
//! the sealed secrets and the audit entry are one transaction; values are never audited.

use super::{APP_ID, FileValues, PHONE_NUMBER_ID, WABA_ID};
use crate::config::Secret;
use crate::crm::access::{self, AdminAction, Who};
use crate::crm::contacts::Actor;
use crate::crm::{Crm, Error, MetaLink, Result};
use crate::db;
use crate::model::FieldError;
use crate::whatsapp::client::GraphError;

/// What an admin typed on the connection page; blank secrets keep the stored value.
#[derive(Debug, Clone, Default)]
pub struct ConnectionInput {
    /// Phone number id (digits).
    pub phone_number_id: String,
    /// WABA id (digits).
    pub waba_id: String,
    /// App id (digits).
    pub app_id: String,
    /// `whatsapp.access_token`, `whatsapp.app_secret`, `whatsapp.verify_token` as typed.
    pub secrets: Vec<(&'static str, Secret)>,
}

fn check_id(errors: &mut Vec<FieldError>, field: &'static str, label: &str, v: &str) {
    if !v.is_empty() && (v.len() > 32 || !v.bytes().all(|b| b.is_ascii_digit())) {
        errors.push(FieldError::new(
            field,
            format!("The {label} is a number of up to 32 digits, as Meta's dashboard shows it."),
        ));
    }
}

fn check_secret(errors: &mut Vec<FieldError>, name: &'static str, v: &Secret) {
    let text = v.expose();
    let field = name.trim_start_matches("whatsapp.");
    if text.len() > 4096 || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        errors.push(FieldError::new(
            field,
            "Paste the value without spaces or line breaks (at most 4096 characters).",
        ));
    } else if name == "whatsapp.verify_token" && text.len() < 8 {
        errors.push(FieldError::new(
            field,
            "Use at least 8 characters so the verify token is hard to guess.",
        ));
    }
}

/// Every problem of `input`, each tied to its field.
#[must_use]
pub fn validate(input: &ConnectionInput) -> Vec<FieldError> {
    let mut errors = Vec::new();
    check_id(
        &mut errors,
        "phone_number_id",
        "phone number id",
        &input.phone_number_id,
    );
    check_id(
        &mut errors,
        "waba_id",
        "WhatsApp Business Account id",
        &input.waba_id,
    );
    check_id(&mut errors, "app_id", "app id", &input.app_id);
    for (name, v) in &input.secrets {
        check_secret(&mut errors, name, v);
    }
    errors
}

/// What "Test connection" found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TestReport {
    /// The business number as WhatsApp shows it.
    pub display_number: String,
    /// The verified business name.
    pub verified_name: String,
    /// GREEN, YELLOW, RED or UNKNOWN.
    pub quality_rating: String,
    /// Throughput level (STANDARD, HIGH ...).
    pub throughput: String,
    /// Business-initiated conversations allowed per 24 hours, as Meta states it.
    pub messaging_limit: String,
    /// Apps subscribed to the WABA's webhooks (empty: none, so no message would arrive), or
    /// `None` when no WABA id is set.
    pub subscribed_apps: Option<Vec<String>>,
    /// Why the subscribed apps could not be read.
    pub apps_error: Option<String>,
}

/// Meta's error in plain words, for the page.
#[must_use]
pub fn plain_words(e: &GraphError) -> String {
    match e {
        GraphError::Api { error, .. } => {
            let hint = match error.code {
                190 => {
                    " The access token is wrong or expired: create a new one (a System User token does not expire)."
                }
                10 | 200 => {
                    " The token lacks a permission: give it whatsapp_business_messaging and whatsapp_business_management."
                }
                100 => {
                    " Check the ids: Meta does not know this phone number id or WABA id for this token."
                }
                4 | 80007 => {
                    " Meta's rate limit for account requests was reached; try again in an hour."
                }
                _ => "",
            };
            format!(
                "Meta answered: {} (code {}).{hint}",
                error.message, error.code
            )
        }
        GraphError::Transport(_) => {
            format!("Meta could not be reached ({e}). Check this server's internet connection.")
        }
        other => format!("Meta's answer was not understood: {other}"),
    }
}

fn text(v: &serde_json::Value, path: &[&str]) -> String {
    let mut cur = v;
    for p in path {
        match cur.get(p) {
            Some(x) => cur = x,
            None => return String::new(),
        }
    }
    match cur {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

impl Crm {
    /// Stores what an admin typed on the connection page: the ids (those `flowcrm.toml` sets stay
    /// as the file says) and each non-blank secret, sealed by `seal`; audited without values.
    pub async fn save_connection(
        &self,
        input: ConnectionInput,
        seal: impl Fn(&str, &Secret) -> std::result::Result<Vec<u8>, String>,
        who: Who,
        actor: Actor,
    ) -> Result<()> {
        access::require(who, AdminAction::Connection)?;
        let errors = validate(&input);
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        let mut sealed = Vec::new();
        for (name, v) in &input.secrets {
            if !v.expose().is_empty() {
                let bytes = seal(name, v).map_err(|e| Error::Db(db::Error::Task(e)))?;
                sealed.push((*name, bytes));
            }
        }
        let (file, now) = (self.whatsapp.clone(), self.clock.now());
        self.db
            .write(move |c| -> Result<()> {
                let by = actor.user.map(|u| u.0);
                let mut changed = Vec::new();
                let ids = [
                    (
                        PHONE_NUMBER_ID,
                        &input.phone_number_id,
                        &file.phone_number_id,
                    ),
                    (WABA_ID, &input.waba_id, &file.waba_id),
                    (APP_ID, &input.app_id, &file.app_id),
                ];
                for (name, value, in_file) in ids {
                    if in_file.is_some() {
                        continue;
                    }
                    let old = db::settings::get(c, name)?.map(|s| s.value);
                    if old.as_deref().unwrap_or("") == value.as_str() {
                        continue;
                    }
                    if value.is_empty() {
                        db::settings::delete(c, name)?;
                    } else {
                        db::settings::put(c, name, value, by, now)?;
                    }
                    changed.push(name);
                }
                for (name, bytes) in &sealed {
                    db::secrets::put_by(c, name, bytes, by, now)?;
                    changed.push(name);
                }
                if !changed.is_empty() {
                    crate::crm::audit(
                        c,
                        &actor,
                        "whatsapp.connection",
                        String::new(),
                        changed.join(", "),
                        now,
                    )?;
                }
                Ok(())
            })
            .await
    }

    /// "Test connection": the phone number's details and the WABA's subscribed apps, from the
    /// Graph API with the token in force. Meta's refusal is [`Error::Meta`].
    pub async fn test_connection(
        &self,
        link: &MetaLink,
        waba_id: Option<&str>,
        who: Who,
    ) -> Result<TestReport> {
        access::require(who, AdminAction::Connection)?;
        let info = link
            .client
            .phone_number(&link.token, &link.phone_number_id)
            .await
            .map_err(|e| Error::Meta(plain_words(&e)))?;
        let mut report = TestReport {
            display_number: text(&info, &["display_phone_number"]),
            verified_name: text(&info, &["verified_name"]),
            quality_rating: text(&info, &["quality_rating"]),
            throughput: text(&info, &["throughput", "level"]),
            messaging_limit: text(&info, &["whatsapp_business_manager_messaging_limit"]),
            ..TestReport::default()
        };
        if let Some(waba) = waba_id {
            match link.client.subscribed_apps(&link.token, waba).await {
                Ok(apps) => report.subscribed_apps = Some(apps),
                Err(e) => report.apps_error = Some(plain_words(&e)),
            }
        }
        Ok(report)
    }

    /// Subscribes the token's app to the WABA's webhooks. Meta's refusal is [`Error::Meta`].
    pub async fn subscribe_webhooks(
        &self,
        link: &MetaLink,
        waba_id: &str,
        who: Who,
        actor: Actor,
    ) -> Result<()> {
        access::require(who, AdminAction::Connection)?;
        link.client
            .subscribe_app(&link.token, waba_id)
            .await
            .map_err(|e| Error::Meta(plain_words(&e)))?;
        let (now, waba) = (self.clock.now(), waba_id.to_string());
        self.db
            .write(move |c| {
                crate::crm::audit(
                    c,
                    &actor,
                    "whatsapp.subscribe",
                    format!("waba:{waba}"),
                    String::new(),
                    now,
                )
            })
            .await?;
        Ok(())
    }
}

/// Whether each connection value is set, and where: for the page.
#[derive(Debug, Clone, Default)]
pub struct ValueState {
    /// The value for ids (and the verify token, which is pasted into Meta); `None` for secrets.
    pub shown: Option<String>,
    /// `flowcrm.toml` (or the environment) sets it, so the page cannot change it.
    pub in_file: bool,
    /// When and by whom it was set in the browser (or the command line).
    pub set: Option<(time::OffsetDateTime, Option<String>)>,
}

/// The state of every connection value, for the page.
pub fn states(
    conn: &rusqlite::Connection,
    file: &FileValues,
    config: &crate::config::Config,
) -> db::Result<Vec<(&'static str, ValueState)>> {
    let mut out = Vec::new();
    for (name, in_file) in [
        (PHONE_NUMBER_ID, file.phone_number_id.clone()),
        (WABA_ID, file.waba_id.clone()),
        (APP_ID, file.app_id.clone()),
    ] {
        let stored = db::settings::get(conn, name)?;
        out.push((
            name,
            ValueState {
                shown: in_file
                    .clone()
                    .or_else(|| stored.as_ref().map(|s| s.value.clone())),
                in_file: in_file.is_some(),
                set: stored.map(|s| (s.updated_at, s.updated_by)),
            },
        ));
    }
    for name in crate::config::STORED_SECRETS {
        out.push((
            name,
            ValueState {
                shown: None,
                in_file: config.secret_value(name).is_some(),
                set: db::secrets::stored_at(conn, name)?,
            },
        ));
    }
    Ok(out)
}

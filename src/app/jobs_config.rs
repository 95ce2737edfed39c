//! Wiring of the jobs' settings from the configuration: backups and the Google Sheets sync
//! (and the service-account key in force).

use crate::config::Config;
use crate::vault::Vault;
use std::path::Path;
use std::time::Duration;

/// Where backups come from and go, from the configuration.
#[must_use]
pub fn backup_settings(config: &Config, zone: crate::model::Zone) -> crate::crm::backup::Settings {
    let db_path = config.db_path();
    let creds = std::env::var_os("CREDENTIALS_DIRECTORY").map(std::path::PathBuf::from);
    let schedule = config.backup.schedule.trim();
    crate::crm::backup::Settings {
        scratch_dir: db_path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .map_or_else(|| std::path::PathBuf::from("."), Path::to_path_buf),
        db_path,
        media_dir: config.media_dir(),
        dir: config.backup_dir(),
        key_path: config.backup_key_path(creds.as_deref()),
        schedule: if schedule.is_empty() {
            None
        } else {
            schedule.parse().ok()
        },
        zone,
        keep_daily: config.backup.keep_daily,
        keep_weekly: config.backup.keep_weekly,
        busy: Duration::from_millis(config.database.busy_timeout_ms.into()),
        prune: true,
    }
}

/// How the Google Sheets sync runs, from the configuration.
#[must_use]
pub fn sheets_runtime(config: &Config, zone: crate::model::Zone) -> crate::crm::sheets::Runtime {
    let s = &config.sheets;
    let schedule = s.schedule.trim();
    let set = |v: &Option<String>| v.clone().filter(|v| !v.trim().is_empty());
    crate::crm::sheets::Runtime {
        schedule: if schedule.is_empty() {
            None
        } else {
            schedule.parse().ok()
        },
        api_base: s.api_base.clone(),
        token_uri: set(&s.token_uri),
        timeout: Duration::from_secs(s.timeout_secs.into()),
        zone,
        file: crate::crm::sheets::FileValues {
            spreadsheet: set(&s.spreadsheet),
            contacts_tab: set(&s.contacts_tab),
            contacts_columns: s.contacts_columns.clone(),
            orders_tab: set(&s.orders_tab),
            orders_columns: s.orders_columns.clone(),
            order_lines: s.order_lines,
            only_opted_in: s.only_opted_in,
            key_in_file: s.service_account_file.is_some(),
        },
    }
}

/// The Google service-account key in force: `sheets.service_account_file`, else the one stored
/// encrypted (uploaded in Settings or with `flowcrm secret set`). An unusable key is an error
/// that says so, never "no key".
pub async fn sheets_account(
    config: &Config,
    vault: &Vault,
) -> Result<Option<crate::sheets::ServiceAccount>, crate::crm::Error> {
    let json = match &config.sheets.service_account_file {
        Some(path) => Some(std::fs::read_to_string(path).map_err(|e| {
            crate::crm::Error::Conflict(format!(
                "cannot read sheets.service_account_file {}: {e}",
                path.display()
            ))
        })?),
        None => vault
            .get(crate::crm::sheets::names::KEY_SECRET)
            .await
            .map_err(|e| crate::crm::Error::Conflict(e.to_string()))?
            .map(|s| s.expose().to_string()),
    };
    json.map(|j| crate::sheets::ServiceAccount::parse(&j))
        .transpose()
        .map_err(|e| {
            crate::crm::Error::Conflict(format!(
                "The stored service-account key cannot be used: {e}"
            ))
        })
}

/// How AI assist runs: the values `[ai]` fixes, and the API key from `ai.api_key` (file or
/// environment) or else the encrypted store.
#[must_use]
pub fn ai_runtime(
    config: &Config,
    vault: &Vault,
    zone: crate::model::Zone,
) -> crate::crm::ai::Runtime {
    let a = &config.ai;
    let from_config = a.api_key.clone();
    let vault = vault.clone();
    crate::crm::ai::Runtime {
        file: crate::crm::ai::FileValues {
            enabled: a.enabled,
            base_url: a.base_url.clone().filter(|v| !v.trim().is_empty()),
            model: a.model.clone().filter(|v| !v.trim().is_empty()),
            context_tokens: a.context_tokens,
            timeout_secs: a.timeout_secs,
            monthly_token_cap: a.monthly_token_cap,
            key_in_file: a.api_key.is_some(),
        },
        key: std::sync::Arc::new(move || {
            let from_config = from_config.clone();
            let vault = vault.clone();
            Box::pin(async move {
                if let Some(k) = from_config {
                    return Ok(Some(k.expose().to_string()));
                }
                vault
                    .get(crate::crm::ai::names::KEY_SECRET)
                    .await
                    .map(|k| {
                        k.map(|k| k.expose().to_string())
                            .filter(|k| !k.trim().is_empty())
                    })
                    .map_err(|e| format!("The stored AI API key cannot be read: {e}"))
            })
        }),
        zone,
    }
}

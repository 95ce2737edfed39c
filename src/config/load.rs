//! Layered loading: defaults, then `flowcrm.toml`, then `FLOWCRM_<SECTION>__<KEY>` env vars,
//! then CLI flags. Every problem is collected so `check-config` can list them all at once.

use super::Config;
use super::validate::validate;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use toml::{Table, Value};

/// Where a setting came from, for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The config file at this path.
    File(PathBuf),
    /// This environment variable.
    Env(String),
    /// This command-line flag.
    Flag(&'static str),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::File(p) => write!(f, "in {}", p.display()),
            Source::Env(v) => write!(f, "from env {v}"),
            Source::Flag(n) => write!(f, "from flag {n}"),
        }
    }
}

/// One thing wrong with the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Dotted key (`server.listen`), when the problem belongs to one.
    pub key: Option<String>,
    /// Where the offending value came from.
    pub source: Option<Source>,
    /// What is wrong and, where possible, how to fix it.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.key, &self.source) {
            (Some(k), Some(s)) => write!(f, "{k} ({s}): {}", self.message),
            (Some(k), None) => write!(f, "{k}: {}", self.message),
            (None, Some(s)) => write!(f, "{s}: {}", self.message),
            (None, None) => f.write_str(&self.message),
        }
    }
}

/// Values given on the command line, plus the config path.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--config` / `FLOWCRM_CONFIG`; a missing file named here is an error.
    pub config_path: Option<PathBuf>,
    /// `--listen`.
    pub listen: Option<String>,
    /// `--data-dir`.
    pub data_dir: Option<PathBuf>,
}

/// A loaded, validated configuration.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The configuration in force.
    pub config: Config,
    /// The file it was read from, if any.
    pub path: Option<PathBuf>,
    /// Things that work but should be changed (plaintext secrets).
    pub warnings: Vec<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Kind {
    Str,
    Int,
    Bool,
}

/// Every key FlowCRM knows, with its type. A test keeps it in step with `Config`.
pub(super) const SCHEMA: &[(&str, &str, Kind)] = &[
    ("server", "listen", Kind::Str),
    ("server", "public_url", Kind::Str),
    ("server", "data_dir", Kind::Str),
    ("server", "trust_proxy", Kind::Bool),
    ("server", "header_read_timeout_secs", Kind::Int),
    ("server", "max_connections", Kind::Int),
    ("database", "path", Kind::Str),
    ("database", "readers", Kind::Int),
    ("database", "busy_timeout_ms", Kind::Int),
    ("security", "session_idle_minutes", Kind::Int),
    ("app", "timezone", Kind::Str),
    ("security", "session_max_hours", Kind::Int),
    ("security", "login_free_attempts", Kind::Int),
    ("security", "login_max_backoff_secs", Kind::Int),
    ("security", "setup_link_minutes", Kind::Int),
    ("security", "master_key_file", Kind::Str),
    ("log", "level", Kind::Str),
    ("whatsapp", "phone_number_id", Kind::Str),
    ("whatsapp", "waba_id", Kind::Str),
    ("whatsapp", "app_id", Kind::Str),
    ("whatsapp", "api_version", Kind::Str),
    ("whatsapp", "graph_base_url", Kind::Str),
    ("whatsapp", "verify_token", Kind::Str),
    ("whatsapp", "app_secret", Kind::Str),
    ("whatsapp", "access_token", Kind::Str),
    ("whatsapp", "raw_payload_days", Kind::Int),
    ("whatsapp", "max_messages_per_second", Kind::Int),
    ("crm", "default_region", Kind::Str),
    ("crm", "opt_out_keywords", Kind::Str),
    ("crm", "opt_in_keywords", Kind::Str),
    ("crm", "opt_out_reply", Kind::Str),
    ("crm", "opt_in_reply", Kind::Str),
    ("api", "requests_per_minute", Kind::Int),
    ("app", "name", Kind::Str),
    ("smtp", "host", Kind::Str),
    ("smtp", "port", Kind::Int),
    ("smtp", "security", Kind::Str),
    ("smtp", "username", Kind::Str),
    ("smtp", "password", Kind::Str),
    ("smtp", "from_address", Kind::Str),
    ("smtp", "from_name", Kind::Str),
    ("smtp", "ca_file", Kind::Str),
    ("smtp", "max_attempts", Kind::Int),
    ("retention", "audit_days", Kind::Int),
    ("retention", "messages_days", Kind::Int),
    ("retention", "media_days", Kind::Int),
    ("retention", "requests_days", Kind::Int),
    ("privacy", "controller_name", Kind::Str),
    ("privacy", "controller_contact", Kind::Str),
    ("privacy", "erased_orders", Kind::Str),
    ("backup", "dir", Kind::Str),
    ("backup", "schedule", Kind::Str),
    ("backup", "keep_daily", Kind::Int),
    ("backup", "keep_weekly", Kind::Int),
    ("backup", "key_file", Kind::Str),
    ("sheets", "spreadsheet", Kind::Str),
    ("sheets", "service_account_file", Kind::Str),
    ("sheets", "schedule", Kind::Str),
    ("sheets", "api_base", Kind::Str),
    ("sheets", "token_uri", Kind::Str),
    ("sheets", "timeout_secs", Kind::Int),
    ("sheets", "contacts_tab", Kind::Str),
    ("sheets", "contacts_columns", Kind::Str),
    ("sheets", "orders_tab", Kind::Str),
    ("sheets", "orders_columns", Kind::Str),
    ("sheets", "order_lines", Kind::Bool),
    ("sheets", "only_opted_in", Kind::Bool),
    ("ai", "enabled", Kind::Bool),
    ("ai", "base_url", Kind::Str),
    ("ai", "model", Kind::Str),
    ("ai", "api_key", Kind::Str),
    ("ai", "context_tokens", Kind::Int),
    ("ai", "timeout_secs", Kind::Int),
    ("ai", "monthly_token_cap", Kind::Int),
];

const DEFAULT_FILE: &str = "flowcrm.toml";
const ENV_PREFIX: &str = "FLOWCRM_";

fn kind_of(section: &str, key: &str) -> Option<Kind> {
    SCHEMA
        .iter()
        .find(|(s, k, _)| *s == section && *k == key)
        .map(|(_, _, kind)| *kind)
}

fn is_section(section: &str) -> bool {
    SCHEMA.iter().any(|(s, _, _)| *s == section)
}

fn known_keys(section: &str) -> String {
    let keys: Vec<_> = SCHEMA
        .iter()
        .filter(|(s, _, _)| *s == section)
        .map(|(_, k, _)| *k)
        .collect();
    keys.join(", ")
}

/// Collects the merged settings and where each came from.
#[derive(Default)]
struct Layers {
    table: Table,
    origin: BTreeMap<String, Source>,
    problems: Vec<Problem>,
}

impl Layers {
    fn problem(&mut self, key: Option<String>, source: Source, message: impl Into<String>) {
        self.problems.push(Problem {
            key,
            source: Some(source),
            message: message.into(),
        });
    }

    /// Puts `value` at `section.key` after checking the key exists and the type fits.
    fn set(&mut self, section: &str, key: &str, value: Value, source: &Source) {
        let dotted = format!("{section}.{key}");
        let Some(kind) = kind_of(section, key) else {
            let msg = if is_section(section) {
                format!(
                    "unknown key `{key}`; [{section}] accepts: {}",
                    known_keys(section)
                )
            } else {
                let sections: std::collections::BTreeSet<_> =
                    SCHEMA.iter().map(|(s, _, _)| *s).collect();
                let list: Vec<_> = sections.into_iter().collect();
                format!(
                    "unknown section `{section}`; known sections: {}",
                    list.join(", ")
                )
            };
            self.problem(Some(dotted), source.clone(), msg);
            return;
        };
        let fits = match (kind, &value) {
            (Kind::Str, Value::String(_)) | (Kind::Bool, Value::Boolean(_)) => true,
            (Kind::Int, Value::Integer(i)) => u32::try_from(*i).is_ok(),
            _ => false,
        };
        if !fits {
            let want = match kind {
                Kind::Str => "a string",
                Kind::Int => "a whole number from 0 to 4294967295",
                Kind::Bool => "true or false",
            };
            let got = value.type_str();
            self.problem(
                Some(dotted),
                source.clone(),
                format!("expected {want}, found {got} `{value}`"),
            );
            return;
        }
        let entry = self
            .table
            .entry(section.to_string())
            .or_insert_with(|| Value::Table(Table::new()));
        if let Value::Table(t) = entry {
            t.insert(key.to_string(), value);
        }
        self.origin.insert(dotted, source.clone());
    }

    fn apply_file(&mut self, path: &Path, text: &str) {
        let source = Source::File(path.to_path_buf());
        let parsed: Table = match text.parse() {
            Ok(t) => t,
            Err(e) => {
                self.problem(None, source, format!("not valid TOML: {}", e.message()));
                return;
            }
        };
        for (section, body) in parsed {
            let Value::Table(body) = body else {
                self.problem(
                    Some(section.clone()),
                    source.clone(),
                    "must be a section such as [server], not a top-level value",
                );
                continue;
            };
            for (key, value) in body {
                self.set(&section, &key, value, &source);
            }
        }
    }

    fn apply_env(&mut self, name: &str, raw: &str) {
        let source = Source::Env(name.to_string());
        let rest = &name[ENV_PREFIX.len()..];
        let Some((section, key)) = rest.split_once("__") else {
            self.problem(
                None,
                source,
                "not of the form FLOWCRM_<SECTION>__<KEY> (two underscores), e.g. FLOWCRM_SERVER__LISTEN",
            );
            return;
        };
        let (section, key) = (section.to_ascii_lowercase(), key.to_ascii_lowercase());
        let value = match kind_of(&section, &key) {
            Some(Kind::Int) => match raw.trim().parse::<i64>() {
                Ok(i) => Value::Integer(i),
                Err(_) => Value::String(raw.to_string()),
            },
            Some(Kind::Bool) => match raw.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => Value::Boolean(true),
                "false" | "0" | "no" | "off" => Value::Boolean(false),
                _ => Value::String(raw.to_string()),
            },
            _ => Value::String(raw.to_string()),
        };
        self.set(&section, &key, value, &source);
    }
}

/// Loads the configuration from the file, `env` and `overrides`, reporting every problem.
pub fn load<I>(overrides: &Overrides, env: I) -> Result<Loaded, Vec<Problem>>
where
    I: IntoIterator<Item = (String, String)>,
{
    let mut layers = Layers::default();
    let path = match &overrides.config_path {
        Some(p) => Some(p.clone()),
        None => Some(PathBuf::from(DEFAULT_FILE)).filter(|p| p.exists()),
    };
    if let Some(p) = &path {
        match std::fs::read_to_string(p) {
            Ok(text) => layers.apply_file(p, &text),
            Err(e) => layers.problem(None, Source::File(p.clone()), format!("cannot read: {e}")),
        }
    }
    let mut env: Vec<_> = env
        .into_iter()
        .filter(|(k, _)| k.starts_with(ENV_PREFIX) && k != "FLOWCRM_CONFIG")
        .collect();
    env.sort();
    for (name, value) in env {
        layers.apply_env(&name, &value);
    }
    if let Some(listen) = &overrides.listen {
        layers.set(
            "server",
            "listen",
            Value::String(listen.clone()),
            &Source::Flag("--listen"),
        );
    }
    if let Some(dir) = &overrides.data_dir {
        let v = Value::String(dir.to_string_lossy().into_owned());
        layers.set("server", "data_dir", v, &Source::Flag("--data-dir"));
    }

    let config: Config = match Value::Table(layers.table.clone()).try_into() {
        Ok(c) => c,
        Err(e) => {
            layers.problems.push(Problem {
                key: None,
                source: None,
                message: e.to_string(),
            });
            Config::default()
        }
    };
    for (key, message) in validate(&config) {
        let source = layers.origin.get(&key).cloned();
        layers.problems.push(Problem {
            key: Some(key),
            source,
            message,
        });
    }
    if !layers.problems.is_empty() {
        return Err(layers.problems);
    }
    let warnings = super::SECRET_KEYS
        .iter()
        .filter_map(|k| {
            let source = layers.origin.get(*k)?;
            Some(format!(
                "{k} is set {source} as plaintext; store it encrypted with \
                 `flowcrm secret set {k}` and remove it from there"
            ))
        })
        .collect();
    Ok(Loaded {
        config,
        path,
        warnings,
    })
}

#[cfg(test)]
mod tests;

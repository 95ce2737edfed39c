use super::*;
use crate::config::Secret;
use std::io::Write;

fn file(text: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().expect("temp file");
    f.write_all(text.as_bytes()).expect("write");
    f
}

fn with_file(f: &tempfile::NamedTempFile) -> Overrides {
    Overrides {
        config_path: Some(f.path().to_path_buf()),
        ..Overrides::default()
    }
}

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect()
}

#[test]
fn no_file_and_no_env_gives_the_defaults() {
    let loaded = load(&Overrides::default(), env(&[])).expect("defaults are valid");
    assert_eq!(loaded.config, Config::default());
    assert_eq!(loaded.config.server.listen, "127.0.0.1:8080");
    assert_eq!(loaded.config.server.data_dir, PathBuf::from("data"));
    assert!(loaded.warnings.is_empty());
}

#[test]
fn env_overrides_file_and_flag_overrides_env() {
    let f = file("[server]\nlisten = \"127.0.0.1:1111\"\n[database]\nreaders = 2\n");
    let only_file = load(&with_file(&f), env(&[])).expect("valid");
    assert_eq!(only_file.config.server.listen, "127.0.0.1:1111");

    let e = env(&[
        ("FLOWCRM_SERVER__LISTEN", "127.0.0.1:2222"),
        ("FLOWCRM_DATABASE__READERS", "3"),
    ]);
    let file_and_env = load(&with_file(&f), e.clone()).expect("valid");
    assert_eq!(file_and_env.config.server.listen, "127.0.0.1:2222");
    assert_eq!(file_and_env.config.database.readers, 3);

    let mut flags = with_file(&f);
    flags.listen = Some("127.0.0.1:3333".into());
    flags.data_dir = Some(PathBuf::from("/tmp/elsewhere"));
    let all = load(&flags, e).expect("valid");
    assert_eq!(all.config.server.listen, "127.0.0.1:3333");
    assert_eq!(all.config.server.data_dir, PathBuf::from("/tmp/elsewhere"));
    assert_eq!(
        all.config.database.readers, 3,
        "env still applies where no flag"
    );
}

#[test]
fn unknown_key_in_file_is_an_error_naming_the_key() {
    let f = file("[server]\nlisen = \"127.0.0.1:1\"\n");
    let problems = load(&with_file(&f), env(&[])).expect_err("unknown key");
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].key.as_deref(), Some("server.lisen"));
    let text = problems[0].to_string();
    assert!(text.contains("unknown key `lisen`"), "{text}");
    assert!(text.contains("listen"), "suggests the known keys: {text}");
}

#[test]
fn unknown_env_var_is_an_error_naming_the_variable() {
    let problems = load(
        &Overrides::default(),
        env(&[("FLOWCRM_SERVR__LISTEN", "x")]),
    )
    .expect_err("unknown section");
    assert!(problems[0].to_string().contains("FLOWCRM_SERVR__LISTEN"));
    assert!(problems[0].to_string().contains("unknown section `servr`"));
}

#[test]
fn every_problem_is_reported_at_once() {
    let f = file(
        "[server]\nlisten = \"not-an-address\"\ncolour = \"blue\"\n\
         [database]\nreaders = \"many\"\n[whatsapp]\napi_version = \"23\"\n",
    );
    let e = env(&[
        ("FLOWCRM_SECURITY__SESSION_IDLE_MINUTES", "soon"),
        ("FLOWCRM_BAD", "1"),
    ]);
    let problems = load(&with_file(&f), e).expect_err("several problems");
    let keys: Vec<_> = problems.iter().map(|p| p.key.clone()).collect();
    for want in [
        Some("server.colour"),
        Some("database.readers"),
        Some("security.session_idle_minutes"),
        Some("server.listen"),
        Some("whatsapp.api_version"),
        None,
    ] {
        assert!(
            keys.contains(&want.map(String::from)),
            "missing {want:?} in {problems:#?}"
        );
    }
    assert_eq!(problems.len(), 6, "{problems:#?}");
}

#[test]
fn missing_explicit_config_file_is_an_error() {
    let o = Overrides {
        config_path: Some(PathBuf::from("/nonexistent/flowcrm.toml")),
        ..Overrides::default()
    };
    let problems = load(&o, env(&[])).expect_err("missing file");
    assert!(problems[0].to_string().contains("cannot read"));
}

#[test]
fn broken_toml_is_reported_with_the_file() {
    let f = file("[server\nlisten=");
    let problems = load(&with_file(&f), env(&[])).expect_err("bad toml");
    assert!(problems[0].to_string().contains("not valid TOML"));
}

#[test]
fn plaintext_secrets_load_but_warn() {
    let f = file("[whatsapp]\napp_secret = \"abc\"\n");
    let e = env(&[("FLOWCRM_WHATSAPP__ACCESS_TOKEN", "EAAG")]);
    let loaded = load(&with_file(&f), e).expect("valid");
    assert_eq!(loaded.config.whatsapp.app_secret, Some(Secret::new("abc")));
    assert_eq!(loaded.warnings.len(), 2);
    assert!(loaded.warnings[0].contains("whatsapp.app_secret"));
    assert!(loaded.warnings[1].contains("FLOWCRM_WHATSAPP__ACCESS_TOKEN"));
    assert!(!loaded.warnings.iter().any(|w| w.contains("EAAG")));
}

#[test]
fn env_booleans_accept_common_spellings() {
    let loaded = load(
        &Overrides::default(),
        env(&[("FLOWCRM_SERVER__TRUST_PROXY", "yes")]),
    )
    .expect("valid");
    assert!(loaded.config.server.trust_proxy);
}

/// Every field of `Config` is in SCHEMA with the right type, and nothing else is.
#[test]
fn schema_matches_the_config_struct() {
    let mut full = Config::default();
    full.server.public_url = Some("https://x".into());
    full.database.path = Some("x".into());
    full.security.master_key_file = Some("x".into());
    full.whatsapp.phone_number_id = Some("1".into());
    full.whatsapp.waba_id = Some("1".into());
    full.whatsapp.app_id = Some("1".into());
    full.app.timezone = Some("UTC".into());
    full.whatsapp.verify_token = Some("x".into());
    full.whatsapp.app_secret = Some(Secret::new("x"));
    full.whatsapp.access_token = Some(Secret::new("x"));
    full.crm.default_region = Some("BR".into());
    full.crm.opt_out_reply = Some("Done: no more offers.".into());
    full.crm.opt_in_reply = Some("Welcome back.".into());
    full.app.name = Some("Loja".into());
    full.smtp.host = Some("mail.x".into());
    full.smtp.port = Some(587);
    full.smtp.username = Some("u".into());
    full.smtp.password = Some(Secret::new("x"));
    full.smtp.from_address = Some("crm@x.example".into());
    full.smtp.from_name = Some("Loja".into());
    full.smtp.ca_file = Some("ca.pem".into());
    full.retention.messages_days = Some(730);
    full.retention.media_days = Some(180);
    full.retention.requests_days = Some(1095);
    full.privacy.controller_name = Some("Loja Exemplo Lda".into());
    full.privacy.controller_contact = Some("privacy@loja.example".into());
    full.backup.dir = Some("/srv/backups".into());
    full.backup.key_file = Some("/etc/flowcrm/backup.key".into());
    full.sheets.spreadsheet = Some("1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms".into());
    full.sheets.service_account_file = Some("/etc/flowcrm/sheets.json".into());
    full.sheets.token_uri = Some("https://oauth2.googleapis.com/token".into());
    full.sheets.contacts_tab = Some("Clientes".into());
    full.sheets.contacts_columns = Some("name; phone".into());
    full.sheets.orders_tab = Some("Pedidos".into());
    full.sheets.orders_columns = Some("status; total".into());
    full.sheets.order_lines = Some(false);
    full.sheets.only_opted_in = Some(false);
    full.ai.enabled = Some(false);
    full.ai.base_url = Some("http://127.0.0.1:11434/v1".into());
    full.ai.model = Some("llama3.2".into());
    full.ai.api_key = Some(Secret::new("x"));
    full.ai.context_tokens = Some(8000);
    full.ai.timeout_secs = Some(60);
    full.ai.monthly_token_cap = Some(2_000_000);
    let table = Table::try_from(&full).expect("serialize");
    let mut seen = Vec::new();
    for (section, body) in &table {
        let Value::Table(body) = body else {
            panic!("{section} is not a table")
        };
        for (key, value) in body {
            let kind = match value {
                Value::String(_) => Kind::Str,
                Value::Integer(_) => Kind::Int,
                Value::Boolean(_) => Kind::Bool,
                other => panic!("unexpected type {other:?}"),
            };
            assert_eq!(kind_of(section, key), Some(kind), "{section}.{key}");
            seen.push(format!("{section}.{key}"));
        }
    }
    assert_eq!(seen.len(), SCHEMA.len());
}

/// The example file documents every key and its env name.
#[test]
fn example_file_documents_every_key_and_env_name() {
    let example = include_str!("../../../flowcrm.toml.example");
    for (section, key, _) in SCHEMA {
        let env_name = format!(
            "FLOWCRM_{}__{}",
            section.to_ascii_uppercase(),
            key.to_ascii_uppercase()
        );
        assert!(
            example.contains(&format!("[{section}]")),
            "[{section}] missing"
        );
        assert!(example.contains(&format!("{key} =")), "{key} missing");
        assert!(example.contains(&env_name), "{env_name} missing");
    }
    // The example itself, uncommented, must load cleanly.
    let uncommented: String = example
        .lines()
        .map(|l| {
            l.strip_prefix("# ")
                .filter(|r| r.contains(" = "))
                .unwrap_or(l)
        })
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n");
    let f = file(&uncommented);
    if let Err(p) = load(&with_file(&f), env(&[])) {
        panic!("example does not load: {p:#?}\n{uncommented}");
    }
}

//! Semantic checks on a typed `Config`; returns every `(dotted key, message)` found.

use super::Config;
use std::net::SocketAddr;

fn check_url(key: &str, value: &str, out: &mut Vec<(String, String)>) {
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !host.starts_with('/') && !host.contains(' ') => {}
        _ => out.push((
            key.into(),
            format!("`{value}` is not an http:// or https:// URL with a host"),
        )),
    }
}

/// Settings that must not be zero.
fn check_positive(c: &Config, out: &mut Vec<(String, String)>) {
    let s = &c.security;
    let positive = [
        ("security.session_idle_minutes", s.session_idle_minutes),
        ("security.session_max_hours", s.session_max_hours),
        ("security.login_max_backoff_secs", s.login_max_backoff_secs),
        ("security.setup_link_minutes", s.setup_link_minutes),
        (
            "server.header_read_timeout_secs",
            c.server.header_read_timeout_secs,
        ),
        ("server.max_connections", c.server.max_connections),
        ("retention.audit_days", c.retention.audit_days),
    ];
    for (key, v) in positive {
        if v == 0 {
            out.push((key.into(), "must be greater than 0".into()));
        }
    }
    let r = &c.retention;
    for (key, v) in [
        ("retention.messages_days", r.messages_days),
        ("retention.media_days", r.media_days),
        ("retention.requests_days", r.requests_days),
    ] {
        if v == Some(0) {
            out.push((
                key.into(),
                "must be greater than 0 (leave it out to keep everything)".into(),
            ));
        }
    }
}

/// The `[backup]` section: a schedule that parses, at least one daily archive kept.
fn check_backup(c: &Config, out: &mut Vec<(String, String)>) {
    let schedule = c.backup.schedule.trim();
    if !schedule.is_empty()
        && let Err(e) = schedule.parse::<croner::Cron>()
    {
        out.push((
            "backup.schedule".into(),
            format!("`{schedule}` is not a cron expression ({e}); for example `0 3 * * *` is every day at 03:00, empty turns it off"),
        ));
    }
    if c.backup.keep_daily == 0 {
        out.push((
            "backup.keep_daily".into(),
            "must be at least 1 (the newest backup is always kept)".into(),
        ));
    }
}

/// The `[sheets]` section: a schedule that parses, addresses that are URLs, a timeout.
fn check_sheets(c: &Config, out: &mut Vec<(String, String)>) {
    let s = &c.sheets;
    let schedule = s.schedule.trim();
    if !schedule.is_empty()
        && let Err(e) = schedule.parse::<croner::Cron>()
    {
        out.push((
            "sheets.schedule".into(),
            format!("`{schedule}` is not a cron expression ({e}); for example `*/15 * * * *` is every 15 minutes, empty means on demand only"),
        ));
    }
    check_url("sheets.api_base", &s.api_base, out);
    if let Some(t) = &s.token_uri {
        check_url("sheets.token_uri", t, out);
    }
    if s.timeout_secs == 0 {
        out.push((
            "sheets.timeout_secs".into(),
            "must be greater than 0".into(),
        ));
    }
}

/// The `[ai]` section: an address that is a URL, a budget a model can hold, a timeout.
fn check_ai(c: &Config, out: &mut Vec<(String, String)>) {
    let a = &c.ai;
    if let Some(u) = &a.base_url {
        check_url("ai.base_url", u, out);
    }
    if a.context_tokens
        .is_some_and(|t| !(500..=2_000_000).contains(&t))
    {
        out.push((
            "ai.context_tokens".into(),
            "must be between 500 and 2000000 tokens".into(),
        ));
    }
    if a.timeout_secs == Some(0) {
        out.push(("ai.timeout_secs".into(), "must be greater than 0".into()));
    }
}

/// The `[smtp]` section: a sender with a host, addresses that look like addresses.
fn check_smtp(c: &Config, out: &mut Vec<(String, String)>) {
    let m = &c.smtp;
    let host_set = m.host.as_deref().is_some_and(|h| !h.trim().is_empty());
    if host_set
        && m.from_address
            .as_deref()
            .is_none_or(|a| a.trim().is_empty())
    {
        out.push((
            "smtp.from_address".into(),
            "is needed when smtp.host is set: the address mail is sent from".into(),
        ));
    }
    if let Some(a) = &m.from_address
        && a.parse::<lettre::Address>().is_err()
    {
        out.push((
            "smtp.from_address".into(),
            format!("`{a}` is not an email address such as crm@shop.example"),
        ));
    }
    if m.password.is_some() && m.username.is_none() {
        out.push((
            "smtp.username".into(),
            "is needed with smtp.password (SMTP AUTH sends both)".into(),
        ));
    }
    if !(1..=50).contains(&m.max_attempts) {
        out.push(("smtp.max_attempts".into(), "must be from 1 to 50".into()));
    }
}

/// Returns every semantic problem in `c`.
pub(super) fn validate(c: &Config) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if c.server.listen.parse::<SocketAddr>().is_err() {
        out.push((
            "server.listen".into(),
            format!(
                "`{}` is not a socket address; use IP:PORT such as 127.0.0.1:8080 or [::]:8080",
                c.server.listen
            ),
        ));
    }
    if let Some(url) = &c.server.public_url {
        check_url("server.public_url", url, &mut out);
    }
    if c.server.data_dir.as_os_str().is_empty() {
        out.push(("server.data_dir".into(), "must not be empty".into()));
    }
    if !(1..=64).contains(&c.database.readers) {
        out.push((
            "database.readers".into(),
            format!("{} is out of range; use 1 to 64", c.database.readers),
        ));
    }
    check_positive(c, &mut out);
    check_smtp(c, &mut out);
    if let Err(e) = tracing_subscriber::EnvFilter::builder().parse(&c.log.level) {
        out.push((
            "log.level".into(),
            format!("`{}` is not a log level or filter: {e}", c.log.level),
        ));
    }
    let v = &c.whatsapp.api_version;
    let version_ok = v
        .strip_prefix('v')
        .and_then(|n| n.split_once('.'))
        .is_some_and(|(a, b)| {
            !a.is_empty()
                && !b.is_empty()
                && a.bytes().all(|x| x.is_ascii_digit())
                && b.bytes().all(|x| x.is_ascii_digit())
        });
    if !version_ok {
        out.push((
            "whatsapp.api_version".into(),
            format!("`{v}` is not a Graph API version such as v23.0"),
        ));
    }
    if !(1..=1_000_000).contains(&c.api.requests_per_minute) {
        out.push((
            "api.requests_per_minute".into(),
            "must be from 1 to 1000000".into(),
        ));
    }
    if !(1..=10_000).contains(&c.whatsapp.max_messages_per_second) {
        out.push((
            "whatsapp.max_messages_per_second".into(),
            "must be from 1 to 10000 (Meta allows 80 by default, 1000 after an upgrade)".into(),
        ));
    }
    check_url(
        "whatsapp.graph_base_url",
        &c.whatsapp.graph_base_url,
        &mut out,
    );
    if let Some(r) = &c.crm.default_region
        && r.parse::<phonenumber::country::Id>().is_err()
        && r.to_ascii_uppercase()
            .parse::<phonenumber::country::Id>()
            .is_err()
    {
        out.push((
            "crm.default_region".into(),
            format!("`{r}` is not a country code such as BR, US or DE"),
        ));
    }
    check_backup(c, &mut out);
    check_sheets(c, &mut out);
    check_ai(c, &mut out);
    if let Some(tz) = &c.app.timezone
        && jiff::tz::TimeZone::get(tz.trim()).is_err()
    {
        out.push((
            "app.timezone".into(),
            format!(
                "`{tz}` is not a time zone name; use one such as America/Sao_Paulo or Europe/Lisbon"
            ),
        ));
    }
    if let Some(t) = &c.whatsapp.verify_token
        && t.len() < 8
    {
        out.push((
            "whatsapp.verify_token".into(),
            "is too short to be hard to guess; use at least 8 characters".into(),
        ));
    }
    out
}

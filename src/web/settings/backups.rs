//! `/settings/backups` (admins): the last good backup and its age, the schedule and the next
//! run, the archives kept, recent failures, and a button that takes a backup now (in the
//! background; the page shows it running). Everything comes from `crm::backup`.

use crate::app::AppState;
use crate::crm::access::{self, AdminAction};
use crate::crm::backup::Trigger;
use crate::web::cookies::FlashKind;
use crate::web::error::Result;
use crate::web::extract::CurrentUser;
use crate::web::forms::redirect_with_flash;
use crate::web::layout::{Layout, Nav};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::Response;
use time::OffsetDateTime;

/// One backup attempt as the page shows it.
pub struct RunLine {
    /// When it started, in the viewer's zone.
    pub when: String,
    /// What started it.
    pub trigger: String,
    /// "ok", "failed" or "running".
    pub outcome: &'static str,
    /// Size or error.
    pub detail: String,
}

/// The backups page.
#[derive(Template, WebTemplate)]
#[template(path = "settings/backups.html")]
pub struct BackupsPage {
    layout: Layout,
    /// "3 hours ago (2 Dec 03:00)", or none.
    last_ok: Option<String>,
    /// True when the newest good backup is over two days old (or there is none).
    stale: bool,
    schedule: Option<String>,
    next: Option<String>,
    zone: String,
    dir: String,
    archives: Vec<(String, String, String)>,
    runs: Vec<RunLine>,
    running: bool,
}

fn size(bytes: u64) -> String {
    #[allow(clippy::cast_precision_loss)]
    let mb = bytes as f64 / 1_048_576.0;
    if mb >= 1024.0 {
        format!("{:.1} GB", mb / 1024.0)
    } else {
        format!("{mb:.1} MB")
    }
}

/// "5 minutes ago", "3 hours ago", "2 days ago".
#[must_use]
pub fn age(now: OffsetDateTime, t: OffsetDateTime) -> String {
    let mins = (now - t).whole_minutes().max(0);
    match mins {
        0 => "just now".into(),
        1..60 => format!("{mins} minute{} ago", if mins == 1 { "" } else { "s" }),
        60..120 => "1 hour ago".into(),
        120..2880 => format!("{} hours ago", mins / 60),
        _ => format!("{} days ago", mins / 1440),
    }
}

/// `GET /settings/backups`.
pub async fn backups_page(State(state): State<AppState>, user: CurrentUser) -> Result<BackupsPage> {
    let s = state.crm.backup_status(user.who()).await?;
    let zone = &user.ctx.zone;
    let now = state.clock.now();
    let ok_at = s.last_ok.as_ref().and_then(|r| r.finished_at);
    let runs = s
        .recent
        .iter()
        .map(|r| RunLine {
            when: crate::web::when::stamp(zone, r.started_at),
            trigger: r.trigger.clone(),
            outcome: match r.ok {
                Some(true) => "ok",
                Some(false) => "failed",
                None => "running",
            },
            detail: match (r.ok, r.bytes, &r.error) {
                (Some(false), _, Some(e)) => e.clone(),
                (_, Some(b), _) => size(u64::try_from(b).unwrap_or(0)),
                _ => String::new(),
            },
        })
        .collect();
    Ok(BackupsPage {
        layout: Layout::new(&user.ctx, "Backups", Nav::Settings),
        last_ok: ok_at.map(|t| format!("{} ({})", age(now, t), crate::web::when::stamp(zone, t))),
        stale: ok_at.is_none_or(|t| now - t > time::Duration::days(2)),
        schedule: s.schedule,
        next: s.next.map(|t| crate::web::when::stamp(zone, t)),
        zone: state.zone.name(),
        dir: s.dir.display().to_string(),
        archives: s
            .archives
            .iter()
            .map(|(name, bytes, at)| {
                (
                    name.clone(),
                    size(*bytes),
                    crate::web::when::stamp(zone, *at),
                )
            })
            .collect(),
        runs,
        running: s.running,
    })
}

/// `POST /settings/backups` (admins): takes a backup now, in the background.
pub async fn backup_now(State(state): State<AppState>, user: CurrentUser) -> Result<Response> {
    let who = user.who();
    access::require(who, AdminAction::Backups)?;
    let (kind, message) = if state.crm.backup_lock.try_lock().is_err() {
        (FlashKind::Error, "A backup is already running.")
    } else {
        let crm = state.crm.clone();
        tokio::spawn(async move {
            if let Err(e) = crm.backup_now(who, Trigger::Button).await {
                tracing::error!(error = %e, "backup from the Settings button failed");
            }
        });
        (
            FlashKind::Success,
            "Backup started. Reload this page to see it finish; a failure also shows as an alert.",
        )
    };
    Ok(redirect_with_flash(
        &state.cookies,
        "/settings/backups",
        kind,
        message,
    ))
}

#[cfg(test)]
mod tests {
    use super::age;
    use time::macros::datetime;

    #[test]
    fn ages_read_as_words() {
        let now = datetime!(2026-12-02 18:00 UTC);
        let ago = |m: i64| age(now, now - time::Duration::minutes(m));
        assert_eq!(ago(0), "just now");
        assert_eq!(ago(1), "1 minute ago");
        assert_eq!(ago(59), "59 minutes ago");
        assert_eq!(ago(61), "1 hour ago");
        assert_eq!(ago(5 * 60), "5 hours ago");
        assert_eq!(ago(3 * 1440), "3 days ago");
        assert_eq!(ago(-5), "just now", "a clock step back is not the future");
    }
}

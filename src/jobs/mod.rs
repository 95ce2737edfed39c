//! Background jobs: each is a `run_once` plus a dumb loop here. Every loop stops with the
//! server. Imports `crm`, `db`, `model` and the adapters; wiring gets the state from `app`.

pub mod backup;
pub mod mail;
pub mod media;
pub mod outbox;
pub mod retention;
pub mod sheets;

use crate::app::AppState;
use std::time::Duration;
use tokio::task::JoinHandle;

/// How often the media job looks for work when nobody pokes it.
const MEDIA_POLL: Duration = Duration::from_secs(15);

/// Starts every job; abort the handles to stop them.
#[must_use]
pub fn spawn_all(state: &AppState) -> Vec<JoinHandle<()>> {
    vec![
        tokio::spawn(media_loop(state.clone())),
        tokio::spawn(outbox_loop(state.clone())),
        tokio::spawn(hourly(state.clone())),
        tokio::spawn(mail_loop(state.clone())),
        tokio::spawn(backup::scheduled(state.clone())),
        tokio::spawn(backup::on_signal(state.clone())),
        tokio::spawn(sheets::scheduled(state.clone())),
    ]
}

/// How often the mail job looks for due email when nobody pokes it.
const MAIL_POLL: Duration = Duration::from_secs(10);

async fn mail_loop(state: AppState) {
    loop {
        if let Err(e) = state.crm.notify_due().await {
            tracing::warn!(error = %e, "email notifications failed");
        }
        let password = state.secret("smtp.password").await;
        let business = state.config.business_name();
        match mail::run_once(
            &state.db,
            &state.config.smtp,
            password.as_ref(),
            &business,
            state.clock.now(),
        )
        .await
        {
            Ok(o) if o.sent + o.failed + o.retried > 0 => {
                tracing::info!(
                    sent = o.sent,
                    retried = o.retried,
                    failed = o.failed,
                    "mail job"
                );
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "mail job failed"),
        }
        tokio::select! {
            () = state.crm.mail_wakeup.notified() => {},
            () = tokio::time::sleep(MAIL_POLL) => {},
        }
    }
}

async fn media_loop(state: AppState) {
    loop {
        let token = state.secret("whatsapp.access_token").await;
        match state.media_job.run_once(token.as_ref()).await {
            // A full batch may mean more is due: go again at once.
            Ok(o) if o.stored + o.retried + o.lost >= 16 => continue,
            Ok(o) if o.stored + o.lost > 0 => {
                tracing::info!(stored = o.stored, lost = o.lost, "media job");
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "media job failed"),
        }
        tokio::select! {
            () = state.crm.media_wakeup.notified() => {},
            () = tokio::time::sleep(MEDIA_POLL) => {},
        }
    }
}

/// How often the sender looks for due messages when nobody pokes it.
const OUTBOX_POLL: Duration = Duration::from_secs(1);

async fn outbox_loop(state: AppState) {
    match state.sender.recover().await {
        Ok(0) => {}
        Ok(n) => tracing::warn!(
            messages = n,
            "sends interrupted by the last stop are waiting for WhatsApp to confirm them"
        ),
        Err(e) => tracing::error!(error = %e, "outbox recovery failed"),
    }
    if !state.crm.connected().await.unwrap_or(false) {
        tracing::warn!(
            "WhatsApp is not connected (no phone number id or access token): an admin connects it in Settings → WhatsApp"
        );
    }
    loop {
        // Campaigns hand the sender their next slice first; 1:1 messages still go before it.
        match state.crm.feed_campaigns(state.zone.clone()).await {
            Ok(f) if f.started + f.done + f.paused > 0 => tracing::info!(
                started = f.started,
                queued = f.queued,
                skipped = f.skipped,
                done = f.done,
                paused = f.paused,
                "campaigns"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "feeding campaigns failed"),
        }
        let token = state.secret("whatsapp.access_token").await;
        match state.sender.run_once(token.as_ref()).await {
            Ok(o) if o.sent + o.retried + o.failed > 0 && !o.paused => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "sender failed"),
        }
        tokio::select! {
            () = state.crm.outbox_wakeup.notified() => {},
            () = tokio::time::sleep(OUTBOX_POLL) => {},
        }
    }
}

async fn hourly(state: AppState) {
    let mut tick = tokio::time::interval(Duration::from_hours(1));
    loop {
        tick.tick().await;
        match state.auth.purge_expired_sessions().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(sessions = n, "removed expired sessions"),
            Err(e) => tracing::warn!(error = %e, "session cleanup failed"),
        }
        if let Err(e) = retention::run_once(&state.db, state.clock.now()).await {
            tracing::warn!(error = %e, "idempotency cleanup failed");
        }
        let policy = crate::crm::retention::Policy::of(&state.config);
        let started = std::time::Instant::now();
        match state.crm.run_retention(policy, false).await {
            Ok(r) if r.is_empty() => {}
            Ok(r) => tracing::info!(
                elapsed_ms = started.elapsed().as_millis(),
                raw_payloads = r.raw_payloads,
                messages = r.messages,
                media_files = r.media_files,
                deleted_versions = r.deleted_versions,
                audit_entries = r.audit_entries,
                ai_summaries = r.ai_summaries,
                "retention removed what is past its limit"
            ),
            Err(e) => tracing::warn!(error = %e, "retention failed"),
        }
    }
}

/// Calls `run` at every time `schedule` names (wall time in `zone`), looking at the clock at
/// least once a minute (so a changed clock or a suspended machine is noticed), until the
/// schedule never fires again.
pub(crate) async fn every<F>(
    state: &AppState,
    schedule: &crate::model::schedule::Schedule,
    zone: &crate::model::Zone,
    job: &str,
    mut run: impl FnMut() -> F,
) where
    F: Future<Output = ()>,
{
    const TICK: Duration = Duration::from_mins(1);
    loop {
        let Some(next) = schedule.next_after(state.clock.now(), zone) else {
            tracing::warn!(%schedule, job, "the schedule never fires again; the job stops");
            return;
        };
        tracing::debug!(%next, job, "next scheduled run");
        loop {
            let left = next - state.clock.now();
            if left <= time::Duration::ZERO {
                break;
            }
            let left = Duration::try_from(left).unwrap_or(TICK);
            tokio::time::sleep(left.min(TICK)).await;
        }
        run().await;
    }
}

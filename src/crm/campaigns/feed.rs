//! Handing a campaign to the sender, a slice at a time: scheduled campaigns whose time came take
//! their audience, and each sending campaign gets its next recipients queued through the outbox
//! (`outbound::queue`, the same checks as any send), with consent and restriction checked again
//! as they are now. At most [`WINDOW`] of a campaign's messages wait in the outbox, so a pause
//! or cancel holds back little and 1:1 replies never queue behind a whole campaign. Each slice
//! is one transaction: a recipient is marked queued together with their message, under a key
//! made of campaign and contact, so a restart never sends anyone twice.

use super::audience::{self, Audience};
use super::input::{TemplateUse, template_use};
use crate::crm::outbound::{self, QueueRequest};
use crate::crm::{Error, Result, connection, consent};
use crate::db::{self, campaigns::Campaign, campaigns::Turn};
use crate::model::campaign::{CampaignState, LeftOut};
use crate::model::{ContactId, Now, OptIn, Outbound, TemplateHeader, TemplateParam, UserId, Zone};
use rusqlite::Connection;
use time::OffsetDateTime;

/// Campaign messages that may wait in the outbox at once, per campaign.
pub const WINDOW: i64 = 1024;
/// Recipients queued per slice (one write job).
const SLICE: i64 = 128;
/// Slices one [`round`] queues, each its own write job: small jobs keep SQLite's in-memory
/// statement journal short (every statement's release walks it) and let webhook writes waiting
/// in between commit without waiting for a whole round.
const SLICES_PER_ROUND: usize = 4;

/// What one feeding did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Fed {
    /// Campaigns whose audience was taken.
    pub started: usize,
    /// Messages queued.
    pub queued: usize,
    /// Recipients left out when their turn came.
    pub skipped: usize,
    /// Campaigns finished.
    pub done: usize,
    /// Campaigns paused because their template can no longer be sent.
    pub paused: usize,
}

/// One feeding round: up to [`SLICES_PER_ROUND`] slices of [`feed`], one write job each, until
/// one queues nothing.
pub async fn round(
    db: &crate::db::Db,
    file: &connection::FileValues,
    zone: &Zone,
    now: OffsetDateTime,
) -> Result<Fed> {
    let mut out = Fed::default();
    for _ in 0..SLICES_PER_ROUND {
        let (file, zone) = (file.clone(), zone.clone());
        let fed = db.write(move |c| feed(c, &file, &zone, now)).await?;
        out.started += fed.started;
        out.queued += fed.queued;
        out.skipped += fed.skipped;
        out.done += fed.done;
        out.paused += fed.paused;
        if fed.queued + fed.skipped == 0 {
            break;
        }
    }
    Ok(out)
}

/// Takes the audience of `c` now: writes its recipients (members pending, the rest skipped
/// with their reason) and moves it to `sending`.
pub fn start(
    conn: &Connection,
    c: &Campaign,
    zone: &Zone,
    now: OffsetDateTime,
) -> Result<Audience> {
    let t = template_use(conn, &c.template_name, &c.template_language)?;
    let zone_now = Now {
        at: now,
        zone: zone.clone(),
    };
    let a = audience::take(conn, c, &t, &zone_now, now)?;
    let params: Vec<String> = a
        .members
        .iter()
        .map(|m| serde_json::to_string(&m.params).unwrap_or_else(|_| "[]".into()))
        .collect();
    let mut rows: Vec<db::campaigns::NewRecipient<'_>> = a
        .members
        .iter()
        .zip(&params)
        .map(|(m, p)| db::campaigns::NewRecipient {
            contact_id: m.contact_id,
            reason: None,
            market: m.market,
            params: Some(p),
            window_open: m.window_open,
        })
        .collect();
    for (reason, who) in &a.left_out {
        rows.extend(
            who.iter()
                .map(|(id, _, market)| db::campaigns::NewRecipient {
                    contact_id: *id,
                    reason: Some(*reason),
                    market,
                    params: None,
                    window_open: false,
                }),
        );
    }
    db::campaigns::insert_recipients(conn, c.id, &rows)?;
    db::campaigns::mark_started(conn, c.id, &t.category, &a.counts(), now)?;
    Ok(a)
}

/// One feeding: starts due campaigns, queues the next slice of each sending one, finishes
/// those with nobody left. Without a WhatsApp connection nothing is queued.
pub fn feed(
    conn: &Connection,
    file: &connection::FileValues,
    zone: &Zone,
    now: OffsetDateTime,
) -> Result<Fed> {
    let mut out = Fed::default();
    for id in db::campaigns::due(conn, now)? {
        if let Some(c) = db::campaigns::get(conn, id)? {
            match start(conn, &c, zone, now) {
                Ok(_) => out.started += 1,
                Err(Error::Template(why)) => {
                    tracing::warn!(campaign = id, %why, "scheduled campaign paused: its template cannot be sent");
                    db::campaigns::set_state(
                        conn,
                        id,
                        &[CampaignState::Scheduled],
                        CampaignState::Paused,
                        now,
                    )?;
                    out.paused += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }
    let sending = db::campaigns::sending(conn)?;
    if sending.is_empty() {
        return Ok(out);
    }
    let pnid = match connection::require(conn, file) {
        Ok(p) => p,
        Err(Error::NotConnected) => return Ok(out),
        Err(e) => return Err(e),
    };
    for id in sending {
        let Some(c) = db::campaigns::get(conn, id)? else {
            continue;
        };
        let waiting = db::campaigns::in_outbox(conn, id)?;
        let room = (WINDOW - waiting).min(SLICE);
        if room <= 0 {
            continue;
        }
        let turns = db::campaigns::pending(conn, id, u32::try_from(room).unwrap_or(0))?;
        if turns.is_empty() {
            if waiting == 0
                && db::campaigns::set_state(
                    conn,
                    id,
                    &[CampaignState::Sending],
                    CampaignState::Done,
                    now,
                )?
            {
                out.done += 1;
            }
            continue;
        }
        let t = match template_use(conn, &c.template_name, &c.template_language) {
            Ok(t) => t,
            Err(Error::Template(why)) => {
                tracing::warn!(campaign = id, %why, "campaign paused: its template cannot be sent");
                db::campaigns::set_state(
                    conn,
                    id,
                    &[CampaignState::Sending],
                    CampaignState::Paused,
                    now,
                )?;
                out.paused += 1;
                continue;
            }
            Err(e) => return Err(e),
        };
        for turn in turns {
            match queue_one(conn, &c, &t, &turn, &pnid, now)? {
                Some(reason) => {
                    db::campaigns::mark_skipped(conn, id, turn.contact_id, reason)?;
                    out.skipped += 1;
                }
                None => out.queued += 1,
            }
        }
    }
    Ok(out)
}

/// The template message for one recipient.
#[must_use]
pub fn message_for(c: &Campaign, t: &TemplateUse, params: Vec<String>) -> Outbound {
    let header: Option<TemplateHeader> = c
        .header
        .as_deref()
        .and_then(|h| serde_json::from_str(h).ok());
    Outbound::Template {
        name: c.template_name.clone(),
        language: c.template_language.clone(),
        header,
        body: t
            .placeholders
            .iter()
            .zip(params)
            .map(|(name, text)| TemplateParam {
                name: t.named.then(|| name.clone()),
                text,
            })
            .collect(),
        buttons: Vec::new(),
    }
}

/// Queues one recipient's message; `Some(reason)` when they are left out after all.
fn queue_one(
    conn: &Connection,
    c: &Campaign,
    t: &TemplateUse,
    turn: &Turn,
    pnid: &str,
    now: OffsetDateTime,
) -> Result<Option<LeftOut>> {
    if crate::crm::subject::restrict::excludes(
        crate::crm::subject::restrict::Purpose::Broadcast,
        turn.restricted,
    ) {
        return Ok(Some(LeftOut::Restricted));
    }
    if let Some(r) = consent::broadcast_allowed(turn.opt_in, &t.category, c.allow_unknown) {
        return Ok(Some(r));
    }
    let params: Vec<String> = serde_json::from_str(&turn.params).unwrap_or_default();
    let message = message_for(c, t, params);
    let contact = ContactId(turn.contact_id);
    let conversation = db::conversations::find_or_create(conn, contact, pnid, now, now)?;
    let key = format!("campaign:{}:{}", c.id, turn.contact_id);
    let req = QueueRequest {
        conversation_id: conversation,
        message: &message,
        reply_to: None,
        idempotency_key: &key,
        author: c.created_by.map(UserId),
        by: None,
        // The campaign allowed unknown consent for this utility template (checked above).
        confirm_consent: turn.opt_in == OptIn::Unknown,
        campaign: Some(c.id),
    };
    match outbound::queue(conn, &req, now) {
        Ok(q) => {
            db::campaigns::mark_queued(conn, c.id, turn.contact_id, q.message_id, now)?;
            Ok(None)
        }
        Err(Error::ConsentRefused(_)) => Ok(Some(LeftOut::OptedOut)),
        Err(Error::ConsentUnconfirmed(_)) => Ok(Some(LeftOut::ConsentUnknown)),
        Err(Error::Invalid(_)) => Ok(Some(LeftOut::InvalidVariables)),
        Err(Error::NotFound(_)) => Ok(Some(LeftOut::NoIdentity)),
        Err(e) => Err(e),
    }
}

//! Broadcasts: one approved template to the contacts of segments, safe (consent, restriction,
//! frequency cap, one rule set for preview and send), honest about cost (an estimate from the
//! owner's rate table, the actual cost from Meta's `pricing`), and measurable (the funnel).
//! Every door (page, API, CLI, the sender's loop) calls the methods here. Reading is for every
//! role; creating, sending, pausing, cancelling and the rate table are admins'
//! (`AdminAction::Campaigns`).

pub mod audience;
pub mod cost;
pub mod feed;
pub mod input;
pub mod rates;
mod results;
mod test_send;

pub use audience::{Audience, Member};
pub use cost::{Cost, CostLine};
pub use feed::Fed;
pub use input::Input;
pub use rates::{RateInput, RateTable};
pub use results::{Detail, Preview};

/// Recipients per page of `Crm::campaign_recipients`.
#[must_use]
pub fn results_page() -> usize {
    results::PAGE as usize
}

use super::access::{self, AdminAction, Who};
use super::contacts::Actor;
use super::{Crm, Error, Result};
use crate::db::{self, campaigns::Campaign};
use crate::model::campaign::CampaignState;
use crate::model::{TemplateHeader, Zone};
use rusqlite::Connection;

fn draft<'a>(input: &'a Input, header: Option<&'a str>) -> db::campaigns::Draft<'a> {
    db::campaigns::Draft {
        name: input.name.trim(),
        template_name: &input.template_name,
        template_language: &input.template_language,
        variables: &input.variables,
        header,
        include: &input.include,
        exclude: &input.exclude,
        allow_unknown: input.allow_unknown,
        scheduled_at: input.scheduled_at,
    }
}

fn header_json(h: Option<&TemplateHeader>) -> Option<String> {
    h.and_then(|h| serde_json::to_string(h).ok())
}

fn get(conn: &Connection, id: i64) -> Result<Campaign> {
    db::campaigns::get(conn, id)?.ok_or(Error::NotFound("campaign"))
}

fn audit(conn: &Connection, actor: &Actor, action: &str, c: &Campaign, detail: &str) -> Result<()> {
    let detail = if detail.is_empty() {
        c.name.clone()
    } else {
        format!("{}: {detail}", c.name)
    };
    super::audit(
        conn,
        actor,
        action,
        format!("campaign:{}", c.id),
        detail,
        c.updated_at,
    )?;
    Ok(())
}

/// A state change a person asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Send now, or at the scheduled time.
    Send,
    /// Stop sending for now.
    Pause,
    /// Go on.
    Resume,
    /// Stop for good.
    Cancel,
}

impl Action {
    /// Parses `send`, `pause`, `resume`, `cancel`.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "send" => Some(Self::Send),
            "pause" => Some(Self::Pause),
            "resume" => Some(Self::Resume),
            "cancel" => Some(Self::Cancel),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Send => "send",
            Self::Pause => "pause",
            Self::Resume => "resume",
            Self::Cancel => "cancel",
        }
    }
}

/// Applies `action` to `c` in the caller's transaction; returns the new state.
fn apply(
    conn: &Connection,
    c: &Campaign,
    action: Action,
    zone: &Zone,
    now: time::OffsetDateTime,
) -> Result<CampaignState> {
    use CampaignState as S;
    let refuse = |what: &str| {
        Err(Error::Conflict(format!(
            "This campaign is {}: it cannot be {what}.",
            c.state
        )))
    };
    let to = match (action, c.state) {
        (Action::Send, S::Draft) => {
            input::check(conn, &input_of(c), Some(c.id))?;
            match c.scheduled_at {
                Some(at) if at > now => S::Scheduled,
                _ => {
                    db::campaigns::set_state(conn, c.id, &[S::Draft], S::Sending, now)?;
                    feed::start(conn, c, zone, now)?;
                    return Ok(S::Sending);
                }
            }
        }
        (Action::Send, _) => return refuse("sent again"),
        (Action::Pause, S::Sending | S::Scheduled) => S::Paused,
        (Action::Pause, _) => return refuse("paused"),
        (Action::Resume, S::Paused) if c.started_at.is_some() => S::Sending,
        (Action::Resume, S::Paused) => S::Scheduled,
        (Action::Resume, _) => return refuse("resumed"),
        (Action::Cancel, S::Done | S::Cancelled) => return refuse("cancelled"),
        (Action::Cancel, _) => S::Cancelled,
    };
    if !db::campaigns::set_state(conn, c.id, &[c.state], to, now)? {
        return Err(Error::Conflict(
            "The campaign changed meanwhile; reload.".into(),
        ));
    }
    if to == S::Cancelled {
        db::campaigns::cancel_rest(conn, c.id)?;
    }
    Ok(to)
}

/// Checks a campaign being saved: `input::check`, and a scheduled time still to come.
fn check_new(
    conn: &Connection,
    input: &Input,
    except: Option<i64>,
    now: time::OffsetDateTime,
) -> Result<()> {
    let mut e = match input::check(conn, input, except) {
        Ok(_) => Vec::new(),
        Err(Error::Invalid(e)) => e,
        Err(other) => return Err(other),
    };
    if input.scheduled_at.is_some_and(|at| at <= now) {
        e.push(crate::model::FieldError::new(
            "scheduled_at",
            "That time has passed; choose a later one, or send it now.",
        ));
    }
    if e.is_empty() {
        Ok(())
    } else {
        Err(Error::Invalid(e))
    }
}

/// The settings of a stored campaign, to check them again.
#[must_use]
pub fn input_of(c: &Campaign) -> Input {
    Input {
        name: c.name.clone(),
        template_name: c.template_name.clone(),
        template_language: c.template_language.clone(),
        variables: c.variables.clone(),
        header: c
            .header
            .as_deref()
            .and_then(|h| serde_json::from_str(h).ok()),
        include: c.include.clone(),
        exclude: c.exclude.clone(),
        allow_unknown: c.allow_unknown,
        scheduled_at: c.scheduled_at,
    }
}

impl Crm {
    /// Campaigns newest first (every role).
    pub async fn campaigns(&self, who: Who, before: Option<i64>) -> Result<Vec<Detail>> {
        access::may_read(who)?;
        self.db
            .read(move |c| -> Result<Vec<Detail>> {
                db::campaigns::list(c, before, 50)?
                    .into_iter()
                    .map(|k| results::detail(c, k))
                    .collect()
            })
            .await
    }

    /// One campaign with its funnel and cost (every role).
    pub async fn campaign(&self, who: Who, id: i64) -> Result<Detail> {
        access::may_read(who)?;
        self.db.read(move |c| results::detail(c, get(c, id)?)).await
    }

    /// Saves a new draft (admins): every problem listed, nothing saved on any.
    pub async fn create_campaign(&self, who: Who, actor: Actor, input: Input) -> Result<i64> {
        access::require(who, AdminAction::Campaigns)?;
        let now = self.clock.now();
        self.db
            .write(move |c| {
                check_new(c, &input, None, now)?;
                let header = header_json(input.header.as_ref());
                let id = db::campaigns::insert(
                    c,
                    &draft(&input, header.as_deref()),
                    who.user.map(|u| u.0),
                    now,
                )?;
                audit(c, &actor, "campaign.create", &get(c, id)?, "")?;
                Ok(id)
            })
            .await
    }

    /// Changes a draft or scheduled campaign (admins).
    pub async fn update_campaign(&self, who: Who, id: i64, input: Input) -> Result<()> {
        access::require(who, AdminAction::Campaigns)?;
        let now = self.clock.now();
        self.db
            .write(move |c| {
                let k = get(c, id)?;
                if !matches!(k.state, CampaignState::Draft | CampaignState::Scheduled) {
                    return Err(Error::Conflict(format!(
                        "This campaign is {}: only drafts and scheduled campaigns can be changed.",
                        k.state
                    )));
                }
                check_new(c, &input, Some(id), now)?;
                let header = header_json(input.header.as_ref());
                db::campaigns::update(c, id, &draft(&input, header.as_deref()), now)?;
                Ok(())
            })
            .await
    }

    /// Deletes a draft (admins).
    pub async fn delete_campaign(&self, who: Who, actor: Actor, id: i64) -> Result<()> {
        access::require(who, AdminAction::Campaigns)?;
        self.db
            .write(move |c| {
                let k = get(c, id)?;
                if !db::campaigns::delete_draft(c, id)? {
                    return Err(Error::Conflict(
                        "Only drafts can be deleted; cancel a campaign instead.".into(),
                    ));
                }
                audit(c, &actor, "campaign.delete", &k, "")
            })
            .await
    }

    /// Who the campaign would reach now, who is left out and why, and what it would cost
    /// (every role). Started campaigns answer with their recorded audience.
    pub async fn preview_campaign(&self, who: Who, id: i64, zone: Zone) -> Result<Preview> {
        access::may_read(who)?;
        let now = self.clock.now();
        self.db
            .read(move |c| results::preview(c, &get(c, id)?, &zone, now))
            .await
    }

    /// Sends, pauses, resumes or cancels a campaign (admins), audited; returns its new state.
    /// Sending a draft takes its audience at once (or at its scheduled time).
    pub async fn campaign_action(
        &self,
        who: Who,
        actor: Actor,
        id: i64,
        action: Action,
        zone: Zone,
    ) -> Result<CampaignState> {
        access::require(who, AdminAction::Campaigns)?;
        let now = self.clock.now();
        let state = self
            .db
            .write(move |c| {
                let k = get(c, id)?;
                let to = apply(c, &k, action, &zone, now)?;
                audit(
                    c,
                    &actor,
                    &format!("campaign.{}", action.name()),
                    &get(c, id)?,
                    to.as_str(),
                )?;
                Ok::<_, Error>(to)
            })
            .await?;
        self.wake_sender();
        Ok(state)
    }

    /// Starts due campaigns and queues the next slice of each sending one (the sender's loop
    /// calls this before each run).
    pub async fn feed_campaigns(&self, zone: Zone) -> Result<Fed> {
        let now = self.clock.now();
        feed::round(&self.db, &self.whatsapp, &zone, now).await
    }
}

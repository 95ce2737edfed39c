//! The team's side of two-factor sign-in (admins): the rule "everyone must use it" with a grace
//! period, and resetting a member's two-factor (they set it up again at their next sign-in).
//! Also the email telling someone their two-factor changed. Setting it up, the code step and
//! turning it off are the person's own (`auth`).

use super::access::{self, AdminAction, Who};
use super::contacts::Actor;
use super::mail::{self, Mail};
use super::team::{audit, member};
use super::{Crm, Error, Result};
use crate::db::{self, two_factor::Policy};
use crate::model::UserId;

/// Longest grace period, in days.
pub const MAX_GRACE_DAYS: u32 = 90;

/// A change to someone's two-factor, for the email that tells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// They turned it on.
    Enabled,
    /// They turned it off.
    Disabled,
    /// They made new recovery codes.
    NewRecoveryCodes,
    /// They signed in with a recovery code.
    RecoveryCodeUsed,
    /// An admin reset it.
    Reset,
}

impl Change {
    fn words(self) -> &'static str {
        match self {
            Self::Enabled => "Two-factor sign-in was turned on for your account.",
            Self::Disabled => "Two-factor sign-in was turned off for your account.",
            Self::NewRecoveryCodes => {
                "New recovery codes were made for your account; the old ones no longer work."
            }
            Self::RecoveryCodeUsed => "Someone signed in to your account with a recovery code.",
            Self::Reset => {
                "An admin reset your two-factor sign-in. You will set it up again when you next sign in."
            }
        }
    }
}

impl Crm {
    /// The team's two-factor rule.
    pub async fn two_factor_rule(&self) -> Result<Policy> {
        Ok(self.db.read(db::two_factor::policy).await?)
    }

    /// Sets the team's rule (admins): required for everyone (members without it get
    /// `grace_days` to set it up, then are sent to set it up) or optional.
    pub async fn set_two_factor_rule(
        &self,
        required: bool,
        grace_days: u32,
        who: Who,
        actor: Actor,
    ) -> Result<Policy> {
        access::require(who, AdminAction::Team)?;
        if grace_days > MAX_GRACE_DAYS {
            return Err(Error::field(
                "grace_days",
                format!("Give at most {MAX_GRACE_DAYS} days."),
            ));
        }
        let Some(by) = actor.user else {
            return Err(Error::Denied("Sign in to change the team's rule."));
        };
        let now = self.clock.now();
        self.db
            .write(move |c| {
                let before = db::two_factor::policy(c)?;
                let rule = Policy {
                    // The grace period counts from when the rule started, not from each edit.
                    required_since: required.then(|| before.required_since.unwrap_or(now)),
                    grace_days,
                };
                db::two_factor::set_policy(c, rule, by, now)?;
                let detail = if required {
                    format!("required for everyone, {grace_days} day(s) to set it up")
                } else {
                    "optional".to_string()
                };
                super::audit(c, &actor, "two_factor.rule", String::new(), detail, now)?;
                Ok(rule)
            })
            .await
    }

    /// Resets a member's two-factor (admins): their secret and recovery codes are removed,
    /// their sessions end, and they must set it up again before anything else at their next
    /// sign-in. They are told by email.
    pub async fn reset_two_factor(&self, id: UserId, who: Who, actor: Actor) -> Result<()> {
        access::require(who, AdminAction::Team)?;
        let (now, site) = (self.clock.now(), self.site.clone());
        self.db
            .write(move |c| -> Result<()> {
                let user = member(c, id)?;
                let had = db::two_factor::remove(c, id)?;
                db::two_factor::set_reset(c, id, Some(now))?;
                let ended = db::sessions::delete_for_user(c, id)?;
                let detail = format!("had two-factor: {had}; {ended} session(s) ended");
                audit(c, &actor, "two_factor.reset", &user, detail, now)?;
                let m = notice(user.email.as_str(), Change::Reset, now);
                mail::queue(c, &site, user.email.as_str(), &m, now)?;
                Ok(())
            })
            .await?;
        self.wake_mailer();
        Ok(())
    }

    /// Tells `user` by email that their two-factor changed (after `auth` made the change).
    pub async fn two_factor_changed(&self, user: UserId, change: Change) -> Result<()> {
        let (site, now) = (self.site.clone(), self.clock.now());
        self.db
            .write(move |c| -> Result<()> {
                if let Some(u) = db::users::get(c, user)? {
                    let m = notice(u.email.as_str(), change, now);
                    mail::queue(c, &site, u.email.as_str(), &m, now)?;
                }
                Ok(())
            })
            .await?;
        self.wake_mailer();
        Ok(())
    }
}

fn notice(email: &str, change: Change, when: time::OffsetDateTime) -> Mail {
    Mail::TwoFactor {
        email: email.to_string(),
        what: change.words().to_string(),
        when,
    }
}

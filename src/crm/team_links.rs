//! The team's one-time links and sessions, run by admins: issuing a link (emailed when email is
//! set up, otherwise handed over), a reset link or a fresh invitation, withdrawing unused links,
//! and signing a member out everywhere. Every change is audited.

use super::access::{self, AdminAction, Who};
use super::contacts::Actor;
use super::team::{INVITE_DAYS, OneTimeLink, RESET_HOURS, audit, member};
use super::{Crm, Error, Result};
use crate::crypto;
use crate::db;
use crate::model::{User, UserId};
use rusqlite::Connection;
use time::{Duration, OffsetDateTime};

pub(super) fn issue(
    conn: &Connection,
    user: UserId,
    purpose: &str,
    valid: Duration,
    actor: &Actor,
    now: OffsetDateTime,
) -> Result<OneTimeLink> {
    let token = crypto::random_token().map_err(|e| Error::Db(db::Error::Task(e.to_string())))?;
    let expires_at = now + valid;
    db::user_links::insert(
        conn,
        &crypto::hash_token(&token),
        user,
        purpose,
        actor.user,
        now,
        expires_at,
    )?;
    Ok(OneTimeLink {
        token,
        expires_at,
        emailed: false,
        invite: purpose == "invite",
    })
}

/// Emails `link` to `user` (when email is set up): an invitation names who invited and the role.
pub(super) fn send_link(
    conn: &Connection,
    site: &super::mail::Site,
    user: &User,
    link: &mut OneTimeLink,
    actor: &Actor,
    now: OffsetDateTime,
) -> Result<()> {
    let url = format!("{}/account/{}", site.public_url, link.token);
    let mail = if link.invite {
        let inviter = match actor.user {
            Some(id) => db::users::get(conn, id)?
                .map_or_else(|| "An admin".to_string(), |u| u.display_name().to_string()),
            None => "An admin".to_string(),
        };
        super::mail::Mail::Invitation {
            inviter,
            role: user.role.to_string(),
            link: url,
            until: link.expires_at,
        }
    } else {
        super::mail::Mail::PasswordReset {
            link: url,
            minutes: (link.expires_at - now).whole_minutes(),
        }
    };
    link.emailed = super::mail::queue(conn, site, user.email.as_str(), &mail, now)?;
    Ok(())
}

impl Crm {
    /// Ends every session of a team member (admins): they must sign in again everywhere.
    pub async fn end_member_sessions(&self, id: UserId, who: Who, actor: Actor) -> Result<usize> {
        access::require(who, AdminAction::Team)?;
        let now = self.clock.now();
        self.db
            .write(move |c| {
                let user = member(c, id)?;
                let n = db::sessions::delete_for_user(c, id)?;
                audit(
                    c,
                    &actor,
                    "user.sessions_ended",
                    &user,
                    format!("{n} session(s)"),
                    now,
                )?;
                Ok(n)
            })
            .await
    }

    /// Withdraws a member's unused links (an invitation or a reset link): they stop working
    /// and say so.
    pub async fn revoke_links(&self, id: UserId, who: Who, actor: Actor) -> Result<usize> {
        access::require(who, AdminAction::Team)?;
        let now = self.clock.now();
        self.db
            .write(move |c| {
                let user = member(c, id)?;
                let n = db::user_links::revoke(c, id, now)?;
                audit(
                    c,
                    &actor,
                    "user.links_revoked",
                    &user,
                    format!("{n} link(s)"),
                    now,
                )?;
                Ok(n)
            })
            .await
    }

    /// Issues a one-time password-reset link for a team member (valid [`RESET_HOURS`] hours);
    /// earlier unused links stop working.
    pub async fn reset_link(&self, id: UserId, who: Who, actor: Actor) -> Result<OneTimeLink> {
        access::require(who, AdminAction::Team)?;
        let now = self.clock.now();
        let site = self.site.clone();
        let link = self
            .db
            .write(move |c| -> Result<OneTimeLink> {
                let user = member(c, id)?;
                let purpose = if db::user_links::pending_invite(c, id, now)? {
                    "invite"
                } else {
                    "reset"
                };
                let valid = if purpose == "invite" {
                    Duration::days(INVITE_DAYS)
                } else {
                    Duration::hours(RESET_HOURS)
                };
                let mut link = issue(c, id, purpose, valid, &actor, now)?;
                send_link(c, &site, &user, &mut link, &actor, now)?;
                let how = if link.emailed {
                    "emailed"
                } else {
                    "link shown"
                };
                audit(
                    c,
                    &actor,
                    "user.reset_link",
                    &user,
                    format!("{purpose} {how}"),
                    now,
                )?;
                Ok(link)
            })
            .await?;
        self.wake_mailer();
        Ok(link)
    }
}

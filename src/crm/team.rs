//! The team, run by admins from the browser or the CLI: add a person (they get a one-time link
//! to set their password), change a role, disable or enable, delete with their conversations
//! handed to someone else or back to Unassigned, and issue a one-time password-reset link. The
//! last active admin can be neither demoted, disabled nor deleted. Every change is audited.

use super::access::{self, AdminAction, Who};
use super::contacts::Actor;
use super::team_links::{issue, send_link};
use super::{Crm, Error, Result};
use crate::crypto;
use crate::db;
use crate::model::{Email, FieldError, Role, User, UserId};
use rusqlite::Connection;
use time::{Duration, OffsetDateTime};

/// How long an invitation works.
pub const INVITE_DAYS: i64 = 7;

/// How long a password-reset link an admin hands over works.
pub const RESET_HOURS: i64 = 24;

/// Longest display name.
const MAX_NAME: usize = 100;

/// A person to add.
#[derive(Debug, Clone)]
pub struct NewMember {
    /// Login email.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
}

/// A one-time link: the token goes in the URL `/account/{token}`; only its hash is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OneTimeLink {
    /// The token (shown once).
    pub token: String,
    /// Valid until.
    pub expires_at: OffsetDateTime,
    /// True when it was emailed to the person (email is set up); otherwise the admin hands it
    /// over.
    pub emailed: bool,
    /// An invitation (first password), not a reset.
    pub invite: bool,
}

/// What the last-admin rule refuses.
const LAST_ADMIN: &str = "This is the last active admin: make someone else an admin first.";

pub(super) fn member(conn: &Connection, id: UserId) -> Result<User> {
    db::users::get(conn, id)?.ok_or(Error::NotFound("team member"))
}

/// Refuses a change that would leave no active admin: `user` is an active admin and the only one.
fn keep_an_admin(conn: &Connection, user: &User) -> Result<()> {
    if user.role == Role::Admin
        && user.disabled_at.is_none()
        && db::users::active_admins(conn)? <= 1
    {
        return Err(Error::Conflict(LAST_ADMIN.into()));
    }
    Ok(())
}

pub(super) fn audit(
    conn: &Connection,
    actor: &Actor,
    action: &str,
    user: &User,
    detail: String,
    now: OffsetDateTime,
) -> Result<()> {
    Ok(super::audit(
        conn,
        actor,
        action,
        user.email.as_str().to_string(),
        detail,
        now,
    )?)
}

impl Crm {
    /// Adds a person who cannot sign in until they set a password with the returned invitation
    /// link (valid [`INVITE_DAYS`] days).
    pub async fn add_member(
        &self,
        m: NewMember,
        who: Who,
        actor: Actor,
    ) -> Result<(User, OneTimeLink)> {
        access::require(who, AdminAction::Team)?;
        let mut errors = Vec::new();
        let email = Email::parse(&m.email)
            .map_err(|e| errors.push(FieldError::new("email", e.to_string())))
            .ok();
        let name = m.name.trim().to_string();
        if name.chars().count() > MAX_NAME {
            errors.push(FieldError::new(
                "name",
                format!("Use at most {MAX_NAME} characters."),
            ));
        }
        let Some(email) = email.filter(|_| errors.is_empty()) else {
            return Err(Error::Invalid(errors));
        };
        // Nobody knows this password: the account opens only through the link.
        let unusable = crypto::random_token()
            .and_then(|t| crypto::hash_password(&t))
            .map_err(|e| Error::Db(db::Error::Task(e.to_string())))?;
        let now = self.clock.now();
        let new = db::users::NewUser {
            email,
            name,
            role: m.role,
            password_hash: unusable,
        };
        let site = self.site.clone();
        let added = self
            .db
            .write(move |c| -> Result<(User, OneTimeLink)> {
                let user = match db::users::insert(c, &new, now) {
                    Err(db::Error::Conflict(_)) => {
                        return Err(Error::field(
                            "email",
                            "Someone on the team already has this email.",
                        ));
                    }
                    other => other?,
                };
                let mut link = issue(
                    c,
                    user.id,
                    "invite",
                    Duration::days(INVITE_DAYS),
                    &actor,
                    now,
                )?;
                send_link(c, &site, &user, &mut link, &actor, now)?;
                let how = if link.emailed {
                    "emailed"
                } else {
                    "link shown"
                };
                audit(
                    c,
                    &actor,
                    "user.invite",
                    &user,
                    format!("role={} {how}", user.role),
                    now,
                )?;
                Ok((user, link))
            })
            .await?;
        self.wake_mailer();
        Ok(added)
    }

    /// Changes a team member's role.
    pub async fn set_role(&self, id: UserId, role: Role, who: Who, actor: Actor) -> Result<()> {
        access::require(who, AdminAction::Team)?;
        let now = self.clock.now();
        self.db
            .write(move |c| {
                let user = member(c, id)?;
                if user.role == role {
                    return Ok(());
                }
                if role != Role::Admin {
                    keep_an_admin(c, &user)?;
                }
                db::users::set_role(c, id, role, now)?;
                audit(
                    c,
                    &actor,
                    "user.role",
                    &user,
                    format!("{} -> {role}", user.role),
                    now,
                )
            })
            .await
    }

    /// Disables (ending every session at once) or re-enables a team member.
    pub async fn set_member_disabled(
        &self,
        id: UserId,
        disabled: bool,
        who: Who,
        actor: Actor,
    ) -> Result<()> {
        access::require(who, AdminAction::Team)?;
        let now = self.clock.now();
        self.db
            .write(move |c| {
                let user = member(c, id)?;
                if disabled {
                    keep_an_admin(c, &user)?;
                    db::sessions::delete_for_user(c, id)?;
                }
                db::users::set_disabled(c, id, disabled.then_some(now), now)?;
                let action = if disabled {
                    "user.disable"
                } else {
                    "user.enable"
                };
                audit(c, &actor, action, &user, String::new(), now)
            })
            .await
    }

    /// Deletes a team member; their conversations go to `reassign_to` (an active member) or back
    /// to Unassigned. Returns how many conversations moved.
    pub async fn delete_member(
        &self,
        id: UserId,
        reassign_to: Option<UserId>,
        who: Who,
        actor: Actor,
    ) -> Result<usize> {
        access::require(who, AdminAction::Team)?;
        let now = self.clock.now();
        self.db
            .write(move |c| {
                let user = member(c, id)?;
                keep_an_admin(c, &user)?;
                if let Some(to) = reassign_to
                    && (to == id || !db::users::is_active(c, to)?)
                {
                    return Err(Error::field(
                        "reassign_to",
                        "Hand the conversations to another active team member, or to Unassigned.",
                    ));
                }
                let moved = db::users::reassign_conversations(c, id, reassign_to, now)?;
                db::users::delete(c, id)?;
                let to =
                    reassign_to.map_or_else(|| "Unassigned".to_string(), |u| format!("user:{u}"));
                audit(
                    c,
                    &actor,
                    "user.delete",
                    &user,
                    format!("{moved} conversation(s) to {to}"),
                    now,
                )?;
                Ok(moved)
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_last_admin_stays_and_links_are_stored_hashed() {
        let (db, dir) = crate::db::testing::temp_db();
        let clock: crate::clock::SharedClock = std::sync::Arc::new(crate::clock::SystemClock);
        let crm = Crm::new(db, clock, dir.path().join("media"), None);
        let owner = Who::user(UserId(0), Role::Admin);
        let actor = Actor::default();
        let (ana, link) = crm
            .add_member(
                NewMember {
                    email: "ana@shop.example".into(),
                    name: "Ana".into(),
                    role: Role::Admin,
                },
                owner,
                actor.clone(),
            )
            .await
            .expect("added");
        let stored = crm
            .db
            .read(move |c| db::user_links::find(c, &crypto::hash_token(&link.token)))
            .await
            .expect("read");
        assert_eq!(
            stored.map(|l| l.user_id),
            Some(ana.id),
            "found by the token's hash only"
        );
        let last = crm
            .set_role(ana.id, Role::Agent, owner, actor.clone())
            .await;
        assert!(
            matches!(last, Err(Error::Conflict(m)) if m == LAST_ADMIN),
            "the only admin"
        );
        assert!(matches!(
            crm.delete_member(ana.id, None, owner, actor.clone()).await,
            Err(Error::Conflict(_))
        ));
        assert!(matches!(
            crm.set_member_disabled(ana.id, true, owner, actor.clone())
                .await,
            Err(Error::Conflict(_))
        ));
        let agent = Who::user(ana.id, Role::Agent);
        assert!(matches!(
            crm.reset_link(ana.id, agent, actor).await,
            Err(Error::Denied(_))
        ));
    }
}

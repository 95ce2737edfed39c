//! Using a one-time link an admin handed over (an invitation or a password reset, issued by
//! `crm::team`): the person sets their password once; an expired or used link says so and names
//! the admin to ask.

use super::users::check_new_password;
use super::{Auth, ClientInfo, Error, Result, audit, hash_password};
use crate::crypto;
use crate::db;
use crate::model::User;

/// What a link is for, and for whom.
#[derive(Debug, Clone)]
pub struct LinkFor {
    /// The team member.
    pub user: User,
    /// True for an invitation (first password), false for a reset.
    pub invite: bool,
}

/// Why a link does not work (the page shows it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct LinkProblem(pub String);

fn problem(
    link: Option<&db::user_links::UserLink>,
    now: time::OffsetDateTime,
) -> Option<LinkProblem> {
    let ask = |l: &db::user_links::UserLink| {
        l.created_by
            .as_deref()
            .map_or_else(|| "an admin".to_string(), ToString::to_string)
    };
    match link {
        None => Some(LinkProblem(
            "This link is not valid. Check that it was copied whole, or ask an admin for a new one.".into(),
        )),
        Some(l) if l.used_at.is_some() => Some(LinkProblem(format!(
            "This link was already used; it works once. Ask {} for a new one.",
            ask(l)
        ))),
        Some(l) if l.expires_at <= now => Some(LinkProblem(format!(
            "This link has expired. Ask {} for a new one.",
            ask(l)
        ))),
        Some(_) => None,
    }
}

impl Auth {
    /// Who a link is for, or why it does not work.
    /// Refused with [`Error::Link`].
    pub async fn check_link(&self, token: &str) -> Result<LinkFor> {
        let (hash, now) = (crypto::hash_token(token), self.clock.now());
        self.db
            .read(move |c| -> Result<LinkFor> {
                let link = db::user_links::find(c, &hash)?;
                if let Some(p) = problem(link.as_ref(), now) {
                    return Err(Error::Link(p));
                }
                let Some(link) = link else {
                    return Err(Error::NotFound);
                };
                match db::users::get(c, link.user_id)? {
                    Some(user) if user.disabled_at.is_none() => Ok(LinkFor {
                        user,
                        invite: link.purpose == "invite",
                    }),
                    _ => Err(Error::Link(LinkProblem(
                        "This account is disabled. Ask an admin.".into(),
                    ))),
                }
            })
            .await
    }

    /// Sets the password through a link (once), ending the person's other sessions; says who
    /// it was for and whether it was an invitation.
    pub async fn use_link(
        &self,
        token: &str,
        password: &str,
        confirm: &str,
        client: &ClientInfo,
    ) -> Result<LinkFor> {
        let who = self.check_link(token).await?;
        let mut errors = Vec::new();
        check_new_password(password, Some(confirm), &mut errors);
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        let hash = hash_password(password.to_string()).await?;
        let (token_hash, now) = (crypto::hash_token(token), self.clock.now());
        let action = if who.invite {
            "user.accept_invite"
        } else {
            "user.password_reset"
        };
        let entry = audit(
            now,
            Some(who.user.id),
            action,
            who.user.email.as_str(),
            client,
        );
        let id = who.user.id;
        self.db
            .write(move |c| -> Result<LinkFor> {
                let link = db::user_links::find(c, &token_hash)?;
                if let Some(p) = problem(link.as_ref(), now) {
                    return Err(Error::Link(p));
                }
                let Some(link) = link else {
                    return Err(Error::NotFound);
                };
                if !db::user_links::mark_used(c, link.id, now)? {
                    return Err(Error::Link(LinkProblem(
                        "This link was already used; it works once.".into(),
                    )));
                }
                db::users::set_password(c, id, &hash, now)?;
                db::sessions::delete_for_user(c, id)?;
                db::audit::record(c, &entry)?;
                Ok(who)
            })
            .await
    }
}

//! First-run setup: a one-time link printed in the log lets the owner create the first admin.

use super::login::Stage;
use super::{Auth, ClientInfo, Error, LoginOk, NewUserInput, Result, audit, hash_password};
use crate::crypto;
use crate::db;
use crate::model::Role;
use time::OffsetDateTime;

/// A freshly issued setup link.
#[derive(Debug, Clone)]
pub struct SetupLink {
    /// The secret token (part of the URL); only its hash is stored.
    pub token: String,
    /// When the link stops working.
    pub expires_at: OffsetDateTime,
}

impl Auth {
    /// Issues a new setup link (invalidating older unused ones) while there is no admin yet (the
    /// demo may have added an agent).
    pub async fn issue_setup_link(&self, valid_for: time::Duration) -> Result<Option<SetupLink>> {
        let token = crypto::random_token()?;
        let hash = crypto::hash_token(&token);
        let now = self.clock.now();
        let expires_at = now + valid_for;
        let issued = self
            .db
            .write(move |c| -> crate::db::Result<_> {
                if db::users::active_admins(c)? > 0 {
                    return Ok(false);
                }
                db::setup_tokens::replace(c, &hash, now, expires_at)?;
                Ok(true)
            })
            .await?;
        Ok(issued.then_some(SetupLink { token, expires_at }))
    }

    /// Whether a setup link may be used now: `Err(SetupDone)` once an admin exists.
    pub async fn check_setup_link(&self, token: &str) -> Result<()> {
        let hash = crypto::hash_token(token);
        let now = self.clock.now();
        let (users, valid) = self
            .db
            .read(move |c| -> crate::db::Result<_> {
                Ok((
                    db::users::active_admins(c)?,
                    db::setup_tokens::is_valid(c, &hash, now)?,
                ))
            })
            .await?;
        match (users, valid) {
            (n, _) if n > 0 => Err(Error::SetupDone),
            (_, false) => Err(Error::SetupLinkInvalid),
            _ => Ok(()),
        }
    }

    /// Creates the first admin through a setup link and logs them in. The link works once.
    pub async fn complete_setup(
        &self,
        token: &str,
        input: &NewUserInput,
        client: &ClientInfo,
    ) -> Result<LoginOk> {
        self.check_setup_link(token).await?;
        let input = NewUserInput {
            role: Role::Admin,
            ..input.clone()
        };
        let email = input.validate()?;
        let hash = hash_password(input.password.clone()).await?;
        let token_hash = crypto::hash_token(token);
        let now = self.clock.now();
        let entry = audit(now, None, "setup.complete", email.as_str(), client);
        let new = db::users::NewUser {
            email,
            name: input.name.trim().to_string(),
            role: Role::Admin,
            password_hash: hash,
        };
        // Check and consume inside the writer so two racing submissions cannot both win.
        let user = self
            .db
            .write(move |c| -> Result<_> {
                if db::users::active_admins(c)? > 0 {
                    return Err(Error::SetupDone);
                }
                if !db::setup_tokens::consume(c, &token_hash, now)? {
                    return Err(Error::SetupLinkInvalid);
                }
                let user = db::users::insert(c, &new, now)?;
                db::audit::record(
                    c,
                    &db::audit::Entry {
                        actor: Some(user.id),
                        ..entry
                    },
                )?;
                Ok(user)
            })
            .await?;
        self.start_session(&user, client, None, Stage::SignedIn("login.success"))
            .await
    }
}

//! Creating users and changing passwords (disabling and roles are `crm::team`'s).

use super::{Auth, ClientInfo, Error, FieldError, Result, audit, hash_password, verify_password};
use crate::crypto;
use crate::db;
use crate::model::{Email, Role, User};

/// Longest display name accepted.
const MAX_NAME_CHARS: usize = 100;

/// A user to create, as typed (form or CLI).
#[derive(Debug, Clone)]
pub struct NewUserInput {
    /// Email address.
    pub email: String,
    /// Display name; may be empty.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Password, exactly as typed.
    pub password: String,
    /// Repeated password, when the form asks for it.
    pub confirm: Option<String>,
}

/// Checks a new password and its confirmation.
pub(super) fn check_new_password(
    password: &str,
    confirm: Option<&str>,
    errors: &mut Vec<FieldError>,
) {
    if let Err(e) = crypto::check_password(password) {
        errors.push(FieldError {
            field: "password".into(),
            message: e.to_string(),
        });
    } else if confirm.is_some_and(|c| c != password) {
        errors.push(FieldError {
            field: "confirm".into(),
            message: "The two passwords do not match.".into(),
        });
    }
}

impl NewUserInput {
    /// Validates every field at once; returns the parsed email.
    pub(super) fn validate(&self) -> Result<Email> {
        let mut errors = Vec::new();
        let email = Email::parse(&self.email)
            .map_err(|e| {
                errors.push(FieldError {
                    field: "email".into(),
                    message: e.to_string(),
                });
            })
            .ok();
        if self.name.chars().count() > MAX_NAME_CHARS {
            errors.push(FieldError {
                field: "name".into(),
                message: format!("Use at most {MAX_NAME_CHARS} characters."),
            });
        }
        check_new_password(&self.password, self.confirm.as_deref(), &mut errors);
        match email {
            Some(e) if errors.is_empty() => Ok(e),
            _ => Err(Error::Invalid(errors)),
        }
    }
}

impl Auth {
    /// Creates a user; an `actor` of `None` means the CLI.
    pub async fn create_user(
        &self,
        input: &NewUserInput,
        actor: Option<&User>,
        client: &ClientInfo,
    ) -> Result<User> {
        let email = input.validate()?;
        let hash = hash_password(input.password.clone()).await?;
        let new = db::users::NewUser {
            email,
            name: input.name.trim().to_string(),
            role: input.role,
            password_hash: hash,
        };
        let now = self.clock.now();
        let entry = audit(
            now,
            actor.map(|a| a.id),
            "user.create",
            new.email.as_str(),
            client,
        );
        let created = self
            .db
            .write(move |c| {
                let u = db::users::insert(c, &new, now)?;
                db::audit::record(
                    c,
                    &db::audit::Entry {
                        detail: format!("role={}", u.role),
                        ..entry
                    },
                )?;
                Ok(u)
            })
            .await;
        match created {
            Err(db::Error::Conflict(_)) => Err(Error::field(
                "email",
                "A user with this email already exists.",
            )),
            other => Ok(other?),
        }
    }

    /// Sets a user's password (CLI / admin reset) and ends all their sessions.
    pub async fn set_password(
        &self,
        email: &str,
        password: &str,
        client: &ClientInfo,
    ) -> Result<User> {
        let mut errors = Vec::new();
        check_new_password(password, None, &mut errors);
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        let email = Email::parse(email).map_err(|e| Error::field("email", e.to_string()))?;
        let hash = hash_password(password.to_string()).await?;
        let now = self.clock.now();
        let client = client.clone();
        self.db
            .write(move |c| -> crate::db::Result<_> {
                let Some(user) = db::users::find_by_email(c, &email)? else {
                    return Ok(None);
                };
                db::users::set_password(c, user.id, &hash, now)?;
                db::sessions::delete_for_user(c, user.id)?;
                db::audit::record(
                    c,
                    &audit(now, None, "user.password_reset", email.as_str(), &client),
                )?;
                Ok(Some(user))
            })
            .await?
            .ok_or(Error::NotFound)
    }

    /// Changes the logged-in user's own password after checking the current one. Other
    /// sessions of the user end; `keep_session` stays.
    pub async fn change_password(
        &self,
        user: &User,
        keep_session: i64,
        current: &str,
        new: &str,
        confirm: &str,
        client: &ClientInfo,
    ) -> Result<()> {
        let id = user.id;
        let ok = self.password_matches(id, current).await?;
        let mut errors = Vec::new();
        if !ok {
            errors.push(FieldError {
                field: "current".into(),
                message: "That is not your current password.".into(),
            });
        }
        check_new_password(new, Some(confirm), &mut errors);
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        let hash = hash_password(new.to_string()).await?;
        let now = self.clock.now();
        let entry = audit(
            now,
            Some(id),
            "user.password_change",
            user.email.as_str(),
            client,
        );
        self.db
            .write(move |c| {
                db::users::set_password(c, id, &hash, now)?;
                db::sessions::delete_for_user_except(c, id, keep_session)?;
                db::audit::record(c, &entry)
            })
            .await?;
        Ok(())
    }

    /// Changes the signed-in person's own sign-in email after checking their password; other
    /// sessions end. Returns the old address (told about the change by email).
    pub async fn change_email(
        &self,
        user: &User,
        keep_session: i64,
        password: &str,
        new_email: &str,
        client: &ClientInfo,
    ) -> Result<Email> {
        let id = user.id;
        let ok = self.password_matches(id, password).await?;
        let mut errors = Vec::new();
        if !ok {
            errors.push(FieldError::new(
                "email_password",
                "That is not your current password.",
            ));
        }
        let parsed = Email::parse(new_email)
            .map_err(|e| errors.push(FieldError::new("new_email", e.to_string())))
            .ok();
        let Some(email) = parsed.filter(|_| errors.is_empty()) else {
            return Err(Error::Invalid(errors));
        };
        if email == user.email {
            return Err(Error::field("new_email", "That is already your email."));
        }
        let (old, now) = (user.email.clone(), self.clock.now());
        let mut entry = audit(now, Some(id), "user.email_change", email.as_str(), client);
        entry.detail = format!("was {old}");
        let changed = self
            .db
            .write(move |c| {
                db::users::set_email(c, id, &email, now)?;
                db::sessions::delete_for_user_except(c, id, keep_session)?;
                db::audit::record(c, &entry)
            })
            .await;
        match changed {
            Err(db::Error::Conflict(_)) => Err(Error::field(
                "new_email",
                "Another account uses this address.",
            )),
            other => other.map(|()| old).map_err(Error::from),
        }
    }

    /// Whether `password` is user `id`'s current password (false for no such user).
    pub(super) async fn password_matches(
        &self,
        id: crate::model::UserId,
        password: &str,
    ) -> Result<bool> {
        let stored = self
            .db
            .read(move |c| db::users::password_hash(c, id))
            .await?;
        match stored {
            Some(h) => verify_password(password.to_string(), h).await,
            None => Ok(false),
        }
    }

    /// Stores the signed-in person's own preferences; an unknown time zone is refused.
    pub async fn set_preferences(
        &self,
        user: &User,
        prefs: crate::model::Preferences,
    ) -> Result<()> {
        if let Some(tz) = prefs.timezone.as_deref() {
            crate::model::Zone::named(tz).map_err(|e| Error::field("timezone", e))?;
        }
        let (id, now) = (user.id, self.clock.now());
        self.db
            .write(move |c| db::users::set_preferences(c, id, &prefs, now))
            .await?;
        Ok(())
    }

    /// All users.
    pub async fn list_users(&self) -> Result<Vec<User>> {
        Ok(self.db.read(db::users::list).await?)
    }
}

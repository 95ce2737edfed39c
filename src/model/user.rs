//! Team members: `User`, `Role`, and the `Email` newtype.

use std::fmt;
use std::str::FromStr;
use time::OffsetDateTime;

/// Primary key of a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UserId(pub i64);

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// What a user may do. Admins manage the install; agents answer customers; viewers only read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Full access, including settings and users.
    Admin,
    /// Works the inbox, contacts and orders.
    Agent,
    /// Reads the inbox, contacts and orders; changes nothing (an accountant, a manager).
    Viewer,
}

impl Role {
    /// The name stored in the database and typed on the CLI.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Agent => "agent",
            Role::Viewer => "viewer",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "admin" => Ok(Role::Admin),
            "agent" => Ok(Role::Agent),
            "viewer" => Ok(Role::Viewer),
            other => Err(format!(
                "unknown role `{other}`; use admin, agent or viewer"
            )),
        }
    }
}

/// Why an email address was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    /// Nothing was typed.
    #[error("Enter an email address.")]
    Empty,
    /// Not of the form name@domain.
    #[error("Enter an email address like name@example.com.")]
    Invalid,
}

/// A trimmed, lower-cased email address with one `@` and a dotted domain.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// Parses user input into an email address.
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let s = input.trim().to_lowercase();
        if s.is_empty() {
            return Err(EmailError::Empty);
        }
        let (local, domain) = s.split_once('@').ok_or(EmailError::Invalid)?;
        let ok = !local.is_empty()
            && s.len() <= 254
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@')
            && !s.chars().any(|c| c.is_whitespace() || c.is_control());
        if ok {
            Ok(Self(s))
        } else {
            Err(EmailError::Invalid)
        }
    }

    /// The address as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A team member as stored (without the password hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Primary key.
    pub id: UserId,
    /// Login name.
    pub email: Email,
    /// Display name; may be empty.
    pub name: String,
    /// Permissions.
    pub role: Role,
    /// When set, the user cannot log in and has no sessions.
    pub disabled_at: Option<OffsetDateTime>,
    /// When the account was made.
    pub created_at: OffsetDateTime,
    /// Last successful login.
    pub last_login_at: Option<OffsetDateTime>,
    /// Their own preferences.
    pub prefs: Preferences,
}

/// A person's preferences.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Preferences {
    /// Their time zone (IANA name); `None`: the business's.
    pub timezone: Option<String>,
    /// A sound when a new message arrives in a conversation that is theirs or unassigned.
    pub notify_sound: bool,
    /// A desktop notification for the same.
    pub notify_desktop: bool,
    /// What they want by email.
    pub email: EmailNotifications,
}

/// Email notifications a person opts into.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EmailNotifications {
    /// A conversation was assigned to them by someone else.
    pub assigned: bool,
    /// A customer wrote in a conversation of theirs while they were away (at most one email per
    /// conversation per 15 minutes).
    pub customer: bool,
    /// Account alerts from Meta (admins).
    pub alerts: bool,
}

impl User {
    /// The name to show: display name, else the email.
    #[must_use]
    pub fn display_name(&self) -> &str {
        if self.name.trim().is_empty() {
            self.email.as_str()
        } else {
            &self.name
        }
    }

    /// True for admins.
    #[must_use]
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_parse_normalises_and_rejects_junk() {
        assert_eq!(
            Email::parse("  Ana@Example.COM ").map(|e| e.0),
            Ok("ana@example.com".into())
        );
        assert_eq!(Email::parse(""), Err(EmailError::Empty));
        for bad in [
            "ana",
            "ana@",
            "@x.com",
            "ana@localhost",
            "a b@x.com",
            "a@x.com.",
            "a@@x.com",
        ] {
            assert_eq!(Email::parse(bad), Err(EmailError::Invalid), "{bad}");
        }
    }

    #[test]
    fn role_parses_case_insensitively() {
        assert_eq!("Admin".parse::<Role>(), Ok(Role::Admin));
        assert_eq!("agent".parse::<Role>(), Ok(Role::Agent));
        assert_eq!(" Viewer".parse::<Role>(), Ok(Role::Viewer));
        assert!("owner".parse::<Role>().is_err());
    }
}

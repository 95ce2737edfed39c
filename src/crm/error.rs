//! `crm::Error`: why a use case did not do what was asked. Every use case returns it, and a
//! write that ends in any of these is rolled back whole (`Db::write` rolls back on any `Err`),
//! so a refusal never leaves half a change behind. The page and the API each turn it into their
//! own response in one `From` impl.

use super::access::{AccessError, Denied};
use crate::db;
use crate::model::{ContactId, FieldError};

/// Why a use case refused or failed. Nothing it wrote was kept.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input problems, each tied to a field.
    #[error("{}", messages(.0))]
    Invalid(Vec<FieldError>),
    /// No such record (named: "contact", "conversation", ...).
    #[error("no such {0}")]
    NotFound(&'static str),
    /// The caller's role or assignment does not allow it (the reason, from `access`).
    #[error("{0}")]
    Denied(&'static str),
    /// Another contact has this number (or a national variant of it).
    #[error("another contact has this phone number")]
    Duplicate(ContactId),
    /// Conflicts with what is stored (a name in use, a state that does not allow it).
    #[error("{0}")]
    Conflict(String),
    /// Free-form messages need the customer to have written in the last 24 hours.
    #[error("the 24-hour window is closed; only an approved template can be sent")]
    WindowClosed,
    /// WhatsApp is not connected (no phone number id or access token): nothing can be sent.
    #[error("{}", super::connection::NOT_CONNECTED)]
    NotConnected,
    /// Meta refused or could not be reached (in plain words, with what to do).
    #[error("{0}")]
    Meta(String),
    /// Google refused or could not be reached (in plain words, with Google's message).
    #[error("{0}")]
    Google(String),
    /// AI assist could not answer (off, no key, the monthly cap, the endpoint's refusal or
    /// silence), in plain words.
    #[error("{0}")]
    Ai(String),
    /// The contact's consent does not allow this message (the reason; recorded in their
    /// timeline).
    #[error("{0}")]
    ConsentRefused(String),
    /// The contact's consent is unknown: the sender must confirm they may be messaged.
    #[error("{0}")]
    ConsentUnconfirmed(String),
    /// The template is unknown, not approved, or its variables do not fit.
    #[error("{0}")]
    Template(String),
    /// A stored value could not be read back (named); surfaced, never replaced by a default.
    #[error("stored {0} is corrupt and cannot be used; it needs repair")]
    Corrupt(&'static str),
    /// The store failed.
    #[error(transparent)]
    Db(db::Error),
}

/// Result alias for use cases.
pub type Result<T, E = Error> = std::result::Result<T, E>;

fn messages(errors: &[FieldError]) -> String {
    let all: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
    all.join(" ")
}

impl Error {
    /// A single field problem.
    pub fn field(field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(field, message)])
    }
}

impl From<db::Error> for Error {
    fn from(e: db::Error) -> Self {
        match e {
            db::Error::Corrupt(what) => Self::Corrupt(what),
            db::Error::Sqlite(rusqlite::Error::FromSqlConversionFailure(..)) => {
                tracing::error!(error = %e, "a stored value cannot be read");
                Self::Corrupt("value")
            }
            db::Error::Conflict(what) => Self::Conflict(format!("{what} already exists")),
            other => Self::Db(other),
        }
    }
}

impl From<Denied> for Error {
    fn from(d: Denied) -> Self {
        Self::Denied(d.0)
    }
}

impl From<AccessError> for Error {
    fn from(e: AccessError) -> Self {
        match e {
            AccessError::Denied(d) => d.into(),
            AccessError::NotFound => Self::NotFound("conversation"),
            AccessError::Db(e) => e.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_corruption_and_conflicts_keep_their_meaning() {
        assert!(matches!(
            Error::from(db::Error::Corrupt("segment")),
            Error::Corrupt("segment")
        ));
        assert!(matches!(
            Error::from(db::Error::Conflict("tag".into())),
            Error::Conflict(m) if m == "tag already exists"
        ));
        assert!(matches!(
            Error::from(db::Error::Closed),
            Error::Db(db::Error::Closed)
        ));
        let two = Error::Invalid(vec![
            FieldError::new("a", "Fix a."),
            FieldError::new("b", "Fix b."),
        ]);
        assert_eq!(two.to_string(), "Fix a. Fix b.");
    }

    #[tokio::test]
    async fn a_use_case_that_writes_then_refuses_leaves_nothing_written() {
        use crate::crm::contacts::{Actor, ContactInput, create};
        let (db, _dir) = crate::db::testing::temp_db();
        let now = time::OffsetDateTime::now_utc();
        let input = ContactInput {
            name: "Ana".into(),
            phone: "+5511987654321".into(),
            email: String::new(),
        };
        let r: Result<()> = db
            .write(move |c| {
                create(c, &input, None, &Actor::default(), now)?;
                Err(Error::WindowClosed)
            })
            .await;
        assert!(matches!(r, Err(Error::WindowClosed)), "{r:?}");
        let (contacts, audit) = db
            .read(|c| -> crate::db::Result<_> {
                Ok((
                    crate::db::contacts::count(c)?,
                    crate::db::audit::recent(c, 10)?.len(),
                ))
            })
            .await
            .expect("read");
        assert_eq!(
            (contacts, audit),
            (0, 0),
            "the contact and its audit entry were rolled back"
        );
    }
}

//! The data requests register (admins): access, erasure, restriction and other requests logged
//! by hand (one received by email, say), and Meta's data deletion callbacks recorded as they
//! arrive, each with the 30-day deadline, what was done, and a confirmation code whose public
//! status page shows only the code, the date and the status.

use super::access::{self, AdminAction, Who};
use super::contacts::Actor;
use super::{Crm, Error, Result};
use crate::crypto;
use crate::db::{self, data_requests::DataRequest};
use crate::whatsapp::signed_request::{self, SignedRequestError};
use time::{Duration, OffsetDateTime};

/// Days a controller has to answer (GDPR art. 12(3)).
pub const ANSWER_DAYS: i64 = 30;
/// The kinds a person can log by hand, with their names on the page.
pub const KINDS: &[(&str, &str)] = &[
    ("access", "Access or a copy of their data"),
    ("erasure", "Erasure"),
    ("restriction", "Restrict processing"),
    ("other", "Other (rectification, objection …)"),
];
const MAX_SUBJECT: usize = 200;
const MAX_TEXT: usize = 2_000;

/// What the public status page shows: nothing about the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicStatus {
    /// The confirmation code.
    pub code: String,
    /// When the request arrived.
    pub received_at: OffsetDateTime,
    /// `open`, `done` or `refused`.
    pub status: String,
}

pub(crate) fn new_code() -> Result<String> {
    let bytes =
        crypto::random_bytes::<8>().map_err(|e| Error::Db(db::Error::Task(e.to_string())))?;
    Ok(hex::encode_upper(bytes))
}

fn audit(
    conn: &rusqlite::Connection,
    actor: &Actor,
    action: &str,
    code: &str,
    detail: String,
    now: OffsetDateTime,
) -> db::Result<()> {
    super::audit(conn, actor, action, code.to_string(), detail, now)
}

/// Closes request `r` with `status` and `action` in the caller's transaction, audited; false
/// when it was closed already (nothing changes then).
pub(crate) fn close_in(
    conn: &rusqlite::Connection,
    r: &DataRequest,
    status: &str,
    action: &str,
    actor: &Actor,
    now: OffsetDateTime,
) -> Result<bool> {
    if !db::data_requests::close(conn, r.id, status, action, actor.user, now)? {
        return Ok(false);
    }
    audit(
        conn,
        actor,
        "data_request.closed",
        &r.code,
        status.into(),
        now,
    )?;
    Ok(true)
}

impl Crm {
    /// Verifies Meta's `signed_request` with the app secret and records the deletion request;
    /// returns it (with its code). A bad signature is `Denied`, anything else wrong `Invalid`;
    /// neither stores anything.
    pub async fn receive_meta_deletion(
        &self,
        signed: &str,
        app_secret: &[u8],
    ) -> Result<DataRequest> {
        let req = signed_request::parse(signed, app_secret).map_err(|e| match e {
            SignedRequestError::BadSignature => {
                Error::Denied("signed_request signature does not match")
            }
            other => Error::field("signed_request", other.to_string()),
        })?;
        let (now, code) = (self.clock.now(), new_code()?);
        let subject = format!("Meta app-scoped user id {}", req.user_id);
        self.db
            .write(move |c| -> Result<DataRequest> {
                let id = db::data_requests::insert(
                    c,
                    &db::data_requests::NewRequest {
                        kind: "meta_deletion",
                        code: &code,
                        subject: &subject,
                        channel: "Meta data deletion callback",
                        received_at: now,
                        due_at: now + Duration::days(ANSWER_DAYS),
                        created_by: None,
                    },
                )?;
                let actor = Actor {
                    user: None,
                    ip: "meta".into(),
                };
                audit(
                    c,
                    &actor,
                    "data_request.received",
                    &code,
                    "meta_deletion".into(),
                    now,
                )?;
                db::data_requests::get(c, id)?.ok_or(Error::NotFound("data request"))
            })
            .await
    }

    /// Logs a request received another way (admins).
    pub async fn log_data_request(
        &self,
        kind: &str,
        subject: &str,
        channel: &str,
        who: Who,
        actor: Actor,
    ) -> Result<DataRequest> {
        access::require(who, AdminAction::DataRequests)?;
        let mut errors = Vec::new();
        if !KINDS.iter().any(|(k, _)| *k == kind) {
            errors.push(crate::model::FieldError::new(
                "kind",
                "Choose what was asked for.",
            ));
        }
        let subject = subject.trim().to_string();
        if subject.is_empty() || subject.chars().count() > MAX_SUBJECT {
            errors.push(crate::model::FieldError::new(
                "subject",
                format!("Say whom it is about (a name, a number or an email), at most {MAX_SUBJECT} characters."),
            ));
        }
        let channel = channel.trim().chars().take(MAX_SUBJECT).collect::<String>();
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        let (now, code, kind) = (self.clock.now(), new_code()?, kind.to_string());
        self.db
            .write(move |c| -> Result<DataRequest> {
                let id = db::data_requests::insert(
                    c,
                    &db::data_requests::NewRequest {
                        kind: &kind,
                        code: &code,
                        subject: &subject,
                        channel: &channel,
                        received_at: now,
                        due_at: now + Duration::days(ANSWER_DAYS),
                        created_by: actor.user,
                    },
                )?;
                audit(c, &actor, "data_request.logged", &code, kind, now)?;
                db::data_requests::get(c, id)?.ok_or(Error::NotFound("data request"))
            })
            .await
    }

    /// Closes an open request with what was done (`done`) or why it was refused (admins).
    pub async fn close_data_request(
        &self,
        id: i64,
        done: bool,
        action: &str,
        who: Who,
        actor: Actor,
    ) -> Result<()> {
        access::require(who, AdminAction::DataRequests)?;
        let action = action.trim().to_string();
        if action.is_empty() || action.chars().count() > MAX_TEXT {
            return Err(Error::field(
                "action",
                format!(
                    "Say what was done (or why it was refused), at most {MAX_TEXT} characters."
                ),
            ));
        }
        let (now, status) = (self.clock.now(), if done { "done" } else { "refused" });
        self.db
            .write(move |c| -> Result<()> {
                let Some(r) = db::data_requests::get(c, id)? else {
                    return Err(Error::NotFound("data request"));
                };
                if !close_in(c, &r, status, &action, &actor, now)? {
                    return Err(Error::Conflict("This request is already closed.".into()));
                }
                Ok(())
            })
            .await
    }

    /// The register (admins): open requests first, soonest due first.
    pub async fn data_requests(&self, who: Who) -> Result<Vec<DataRequest>> {
        access::require(who, AdminAction::DataRequests)?;
        Ok(self.db.read(|c| db::data_requests::list(c, 500)).await?)
    }

    /// A request's public status by its confirmation code (anyone with the code).
    pub async fn data_request_status(&self, code: &str) -> Result<Option<PublicStatus>> {
        let code = code.trim().to_ascii_uppercase();
        if code.len() != 16 || !code.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(None);
        }
        let found = self
            .db
            .read(move |c| db::data_requests::by_code(c, &code))
            .await?;
        Ok(found.map(|r| PublicStatus {
            code: r.code,
            received_at: r.received_at,
            status: r.status,
        }))
    }
}

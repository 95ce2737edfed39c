//! Who may do what: one rule per action. The pages, the JSON API and the use cases call these
//! and nothing else decides a permission, so every door gives the same answer. Imports `db` and
//! `model`.
//!
//! Admins may do everything. Viewers read the inbox, contacts and orders and change nothing (not
//! even a conversation's unread state, which would send the customer a read receipt). Agents
//! work the inbox, contacts and orders: they may read (and mark read) any conversation, but answer, resolve, tag or annotate only one that is unassigned or theirs
//! (taking one over from a colleague is allowed and audited); merging and deleting contacts,
//! exports and imports, products and prices, custom fields, tags' deletion, templates, the team,
//! API keys and sending controls are admins'. Notes and segments are their author's or an
//! admin's. An API key acts with its role and is nobody in particular: an agent key may work
//! only unassigned conversations.

use crate::db;
use crate::model::{Role, UserId};
use rusqlite::Connection;

/// Someone acting: a signed-in user, or an API key (no user).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Who {
    /// The user, when a person acts.
    pub user: Option<UserId>,
    /// Their role (an API key's role).
    pub role: Role,
}

impl Who {
    /// A signed-in user.
    #[must_use]
    pub fn user(id: UserId, role: Role) -> Self {
        Self {
            user: Some(id),
            role,
        }
    }

    /// An API key with its role.
    #[must_use]
    pub fn key(role: Role) -> Self {
        Self { user: None, role }
    }

    /// The server itself or the command line (scheduled work, `flowcrm` commands): acts as
    /// an admin with no user.
    #[must_use]
    pub fn system() -> Self {
        Self {
            user: None,
            role: Role::Admin,
        }
    }

    /// True for admins (people and API keys).
    #[must_use]
    pub fn is_admin(self) -> bool {
        self.role == Role::Admin
    }
}

/// Refused: says what only admins (or the owner) may do. Nothing was changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Denied(pub &'static str);

/// Why a check on stored data did not pass.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    /// The role or ownership does not allow it.
    #[error(transparent)]
    Denied(#[from] Denied),
    /// The thing does not exist.
    #[error("not found")]
    NotFound,
    /// The store failed.
    #[error(transparent)]
    Db(#[from] db::Error),
}

/// Actions only admins may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminAction {
    /// Merge two contacts (one is deleted).
    MergeContacts,
    /// Delete a contact.
    DeleteContacts,
    /// Export contacts or orders as CSV.
    Export,
    /// Import contacts or products from CSV.
    Import,
    /// Create, edit or delete products and their prices.
    Products,
    /// Define, change or delete custom fields.
    CustomFields,
    /// Delete a tag (from every contact and conversation).
    DeleteTags,
    /// Create or sync message templates.
    Templates,
    /// Create and revoke API keys.
    ApiKeys,
    /// Resume sending after Meta refused the token.
    ResumeSending,
    /// See every conversation of the team at once (the All view).
    AllConversations,
    /// See and change the WhatsApp connection (ids, tokens, webhook subscription).
    Connection,
    /// Add, change, disable and remove team members; issue their one-time links.
    Team,
    /// See every account alert Meta sent and mark alerts handled.
    AccountAlerts,
    /// Send a test email and read the mail log.
    Email,
    /// Read and export the audit log.
    Audit,
    /// Keep the data requests register (log, answer, close).
    DataRequests,
    /// Erase a contact from every store (and read erasure receipts).
    EraseContacts,
    /// Restrict (or lift the restriction of) processing a contact's data.
    RestrictProcessing,
    /// Take a backup now and see the backups.
    Backups,
    /// Set up Google Sheets sync, see its runs, sync now.
    SheetsSync,
    /// Set up AI assist's provider, test it, read the AI log.
    AiSettings,
    /// Create, send, pause and cancel broadcast campaigns; edit the message rate table.
    Campaigns,
    /// See the whole team's reports and export them.
    Reports,
    /// Set the business hours and the satisfaction survey.
    BusinessHours,
}

impl AdminAction {
    fn refusal(self) -> &'static str {
        match self {
            Self::MergeContacts => "Only admins can merge contacts.",
            Self::DeleteContacts => "Only admins can delete contacts.",
            Self::Export => "Only admins can export contacts and orders.",
            Self::Import => "Only admins can import.",
            Self::Products => "Only admins can change products and prices.",
            Self::CustomFields => "Only admins can define custom fields.",
            Self::DeleteTags => "Only admins can delete tags.",
            Self::Templates => "Only admins can create or sync templates.",
            Self::ApiKeys => "Only admins can manage API keys.",
            Self::ResumeSending => "Only admins can resume sending.",
            Self::AllConversations => "Only admins can see every conversation at once.",
            Self::Connection => "Only admins can see or change the WhatsApp connection.",
            Self::Team => "Only admins can manage the team.",
            Self::AccountAlerts => "Only admins can see the account alerts and mark them handled.",
            Self::Email => "Only admins can send test emails and read the mail log.",
            Self::Audit => "Only admins can read the audit log.",
            Self::DataRequests => "Only admins can see and answer data requests.",
            Self::EraseContacts => "Only admins can erase contacts.",
            Self::RestrictProcessing => "Only admins can restrict processing of a contact's data.",
            Self::Backups => "Only admins can take and see backups.",
            Self::SheetsSync => "Only admins can set up and run the Google Sheets sync.",
            Self::AiSettings => "Only admins can set up AI assist and read the AI log.",
            Self::Campaigns => {
                "Only admins can create, send, pause or cancel campaigns and edit the message rates."
            }
            Self::Reports => "Only admins can see the whole team's reports and export them.",
            Self::BusinessHours => {
                "Only admins can set the business hours and the satisfaction survey."
            }
        }
    }
}

/// Allows `action` to admins only.
pub fn require(who: Who, action: AdminAction) -> Result<(), Denied> {
    if who.is_admin() {
        Ok(())
    } else {
        Err(Denied(action.refusal()))
    }
}

/// Allows a change of something written by `author` (a note, a segment) to its author or an
/// admin; `what` is the refusal shown to others.
pub fn require_author_or_admin(
    who: Who,
    author: Option<UserId>,
    what: &'static str,
) -> Result<(), Denied> {
    if who.is_admin() || (who.user.is_some() && who.user == author) {
        Ok(())
    } else {
        Err(Denied(what))
    }
}

/// Refusal for anything a viewer tries to change.
pub const VIEWERS_READ_ONLY: &str = "Viewers can read the inbox, contacts and orders but not change them. Ask an admin for the agent role.";

/// What a route or API operation needs. Every page route is registered with one
/// (`web::routes`), every API operation has one ([`api_need`]), and both doors check it here
/// before the use case runs; the use cases keep their finer rules (assignment, authorship).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Anyone, signed in or not: signing in, one-time links.
    Public,
    /// Anyone signed in, about their own account: password, sessions, two-factor, preferences.
    Own,
    /// Reading the inbox, contacts and orders: every role.
    Read,
    /// Changing customer data (sending, editing, assigning, tagging, orders): agents and admins.
    Work,
    /// Admins only.
    Admin(AdminAction),
}

/// The routes outside the page table: Meta calls them, and they authenticate by Meta's signature
/// with the app secret (the webhook's `X-Hub-Signature-256`, the deletion callback's
/// `signed_request`), never by a session. Their handlers check it before any use case runs.
pub const SIGNED_BY_META: &[&str] = &["/webhooks/whatsapp", "/meta/data-deletion"];

/// Whether `who` (signed in) meets `need`.
pub fn check_need(need: Need, who: Who) -> Result<(), Denied> {
    match need {
        Need::Work if who.role == Role::Viewer => Err(Denied(VIEWERS_READ_ONLY)),
        Need::Public | Need::Own | Need::Read | Need::Work => Ok(()),
        Need::Admin(action) => require(who, action),
    }
}

/// The rule of an API operation (`method` upper case, `path` as in the OpenAPI document):
/// reads need [`Need::Read`], changes [`Need::Work`], and a few are admins'.
#[must_use]
pub fn api_need(method: &str, path: &str) -> Need {
    match (method, path) {
        ("POST", "/custom-fields") | ("DELETE", "/custom-fields/{id}") => {
            Need::Admin(AdminAction::CustomFields)
        }
        ("DELETE", "/tags/{id}") => Need::Admin(AdminAction::DeleteTags),
        ("DELETE", "/contacts/{id}") => Need::Admin(AdminAction::DeleteContacts),
        ("GET", "/contacts/{id}/export") => Need::Admin(AdminAction::Export),
        ("POST", "/contacts/{id}/erase") | ("GET", "/erasures/{code}") => {
            Need::Admin(AdminAction::EraseContacts)
        }
        ("POST", p) if p.starts_with("/campaigns") => Need::Admin(AdminAction::Campaigns),
        ("GET", p) if p.starts_with("/reports") => Need::Admin(AdminAction::Reports),
        ("GET" | "HEAD", _) => Need::Read,
        _ => Need::Work,
    }
}

/// Whether `who` may read a conversation: every role may (search and teamwork need it); only
/// the work on it is restricted ([`may_work`]).
pub fn may_read(who: Who) -> Result<(), Denied> {
    match who.role {
        Role::Admin | Role::Agent | Role::Viewer => Ok(()),
    }
}

/// Whether `who` may mark a conversation read (it clears the team's unread state and sends the
/// customer a read receipt): agents and admins, not viewers.
pub fn may_mark_read(who: Who) -> Result<(), Denied> {
    check_need(Need::Work, who)
}

/// Refusal for work on a colleague's conversation.
pub const TAKE_OVER_FIRST: &str =
    "This conversation is assigned to someone else: take it over first.";

/// Whether `who` may answer, resolve, tag or annotate a conversation assigned to `assignee`.
pub fn may_work(who: Who, assignee: Option<UserId>) -> Result<(), Denied> {
    check_need(Need::Work, who)?;
    match assignee {
        _ if who.is_admin() => Ok(()),
        None => Ok(()),
        Some(a) if who.user == Some(a) => Ok(()),
        Some(_) => Err(Denied(TAKE_OVER_FIRST)),
    }
}

/// Checks [`may_work`] against the stored assignee of conversation `id`.
pub fn check_work(conn: &Connection, who: Who, id: i64) -> Result<(), AccessError> {
    let assignee = db::conversations::get_assignee(conn, id)?.ok_or(AccessError::NotFound)?;
    Ok(may_work(who, assignee.map(UserId))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ADMIN: Who = Who {
        user: Some(UserId(1)),
        role: Role::Admin,
    };
    const AGENT: Who = Who {
        user: Some(UserId(2)),
        role: Role::Agent,
    };
    const AGENT_KEY: Who = Who {
        user: None,
        role: Role::Agent,
    };

    #[test]
    fn agents_work_unassigned_and_their_own_conversations_only() {
        assert_eq!(may_work(AGENT, None), Ok(()));
        assert_eq!(may_work(AGENT, Some(UserId(2))), Ok(()));
        assert_eq!(
            may_work(AGENT, Some(UserId(3))),
            Err(Denied(TAKE_OVER_FIRST))
        );
        assert_eq!(may_work(ADMIN, Some(UserId(3))), Ok(()));
        assert_eq!(may_work(AGENT_KEY, None), Ok(()));
        assert!(may_work(AGENT_KEY, Some(UserId(2))).is_err());
        assert_eq!(may_work(Who::key(Role::Admin), Some(UserId(2))), Ok(()));
        for who in [ADMIN, AGENT, AGENT_KEY] {
            assert_eq!(may_read(who), Ok(()), "everyone reads");
        }
    }

    #[test]
    fn viewers_read_everything_and_change_nothing() {
        let viewer = Who::user(UserId(4), Role::Viewer);
        assert_eq!(may_read(viewer), Ok(()));
        assert_eq!(may_work(viewer, None), Err(Denied(VIEWERS_READ_ONLY)));
        assert_eq!(
            may_work(viewer, Some(UserId(4))),
            Err(Denied(VIEWERS_READ_ONLY))
        );
        assert!(may_mark_read(viewer).is_err());
        assert!(may_mark_read(AGENT).is_ok());
        assert_eq!(check_need(Need::Read, viewer), Ok(()));
        assert_eq!(check_need(Need::Own, viewer), Ok(()));
        assert!(check_need(Need::Admin(AdminAction::Team), viewer).is_err());
        assert_eq!(
            check_need(Need::Work, Who::key(Role::Viewer)),
            Err(Denied(VIEWERS_READ_ONLY))
        );
        assert_eq!(api_need("GET", "/contacts"), Need::Read);
        assert_eq!(api_need("PATCH", "/contacts/{id}"), Need::Work);
        assert_eq!(
            api_need("DELETE", "/contacts/{id}"),
            Need::Admin(AdminAction::DeleteContacts)
        );
        assert_eq!(
            api_need("GET", "/contacts/{id}/export"),
            Need::Admin(AdminAction::Export)
        );
        for (method, path) in [
            ("POST", "/contacts/{id}/erase"),
            ("GET", "/erasures/{code}"),
        ] {
            assert_eq!(
                api_need(method, path),
                Need::Admin(AdminAction::EraseContacts)
            );
        }
    }

    #[test]
    fn authors_and_admins_change_what_was_written() {
        let no = "Only the author or an admin.";
        assert!(require_author_or_admin(AGENT, Some(UserId(2)), no).is_ok());
        assert_eq!(
            require_author_or_admin(AGENT, Some(UserId(3)), no),
            Err(Denied(no))
        );
        assert!(
            require_author_or_admin(AGENT, None, no).is_err(),
            "no author: admins"
        );
        assert!(require_author_or_admin(AGENT_KEY, None, no).is_err());
        assert!(require_author_or_admin(ADMIN, Some(UserId(3)), no).is_ok());
    }

    #[test]
    fn admin_actions_refuse_agents_with_a_reason() {
        for a in [
            AdminAction::MergeContacts,
            AdminAction::Export,
            AdminAction::Products,
        ] {
            assert!(require(ADMIN, a).is_ok());
            let why = require(AGENT, a).expect_err("agents refused").0;
            assert!(why.starts_with("Only admins"), "{why}");
        }
    }
}

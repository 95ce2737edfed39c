//! Reporting events and the state machine that yields them. A conversation goes through cycles:
//! it opens (or reopens) when the customer writes or an agent starts it, the customer's first
//! unanswered message starts a wait that the next human reply ends (the cycle's first such reply
//! is its first response), and it closes when someone resolves it. The same machine runs live
//! (in the use cases' transaction) and over stored history (the back-fill), so both yield the
//! same events.

use serde::Serialize;

/// Row ids of the satisfaction survey's ratings: `csat:1` … `csat:5`.
pub const RATING_PREFIX: &str = "csat:";

/// The rating (1–5) a customer's message gives, when it answers the satisfaction survey. Such
/// an answer is not a new customer message for the reports (it neither reopens nor waits).
#[must_use]
pub fn rating(content: &super::Content) -> Option<i64> {
    let (super::Content::ListReply { id, .. } | super::Content::ButtonReply { id, .. }) = content
    else {
        return None;
    };
    id.strip_prefix(RATING_PREFIX)
        .and_then(|n| n.parse::<i64>().ok())
        .filter(|n| (1..=5).contains(n))
}

/// The customer-service window: a reply this many seconds or more after the customer's last
/// message is outside it.
pub const WINDOW_SECS: i64 = 24 * 3600;

/// What a reporting event records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A new conversation.
    Opened,
    /// A resolved conversation opened again.
    Reopened,
    /// The cycle's first human reply to a waiting customer (seconds: the wait).
    FirstResponse,
    /// A human reply (seconds: the wait it ended, if any).
    Reply,
    /// The cycle's first assignment (seconds: since it opened).
    Assigned,
    /// A later assignment in the same cycle.
    Reassigned,
    /// Resolved (seconds: since it opened).
    Resolved,
    /// The customer's window closed with their message unanswered.
    WindowExpired,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Self; 8] = [
        Self::Opened,
        Self::Reopened,
        Self::FirstResponse,
        Self::Reply,
        Self::Assigned,
        Self::Reassigned,
        Self::Resolved,
        Self::WindowExpired,
    ];

    /// Stored name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Opened => "opened",
            Self::Reopened => "reopened",
            Self::FirstResponse => "first_response",
            Self::Reply => "reply",
            Self::Assigned => "assigned",
            Self::Reassigned => "reassigned",
            Self::Resolved => "resolved",
            Self::WindowExpired => "window_expired",
        }
    }

    /// From the stored name.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Where a conversation's current cycle stands (`report_cycles`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cycle {
    /// The cycle opened at (unix seconds); `None` while resolved.
    pub open_at: Option<i64>,
    /// The customer's first unanswered message.
    pub waiting_since: Option<i64>,
    /// The customer's last message.
    pub last_in: Option<i64>,
    /// The cycle's first response is recorded.
    pub responded: bool,
    /// The cycle's first assignment is recorded.
    pub assigned: bool,
}

/// Something that happened to a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Happening {
    /// The customer wrote (anything that opens their window).
    Customer,
    /// A person on the team replied (`None`: the owner, from the WhatsApp Business app).
    Reply(Option<i64>),
    /// Assigned to a user (`None`: released).
    Assign(Option<i64>),
    /// Resolved by a user.
    Resolve(Option<i64>),
    /// Opened again (or set pending) by a user.
    Reopen(Option<i64>),
}

/// An event to store; `span` is the measured (start, end), in unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewEvent {
    /// What.
    pub kind: Kind,
    /// When.
    pub at: i64,
    /// Attributed to.
    pub user: Option<i64>,
    /// The measured span.
    pub span: Option<(i64, i64)>,
    /// Replies: inside the customer's window.
    pub in_window: Option<bool>,
}

impl NewEvent {
    fn new(kind: Kind, at: i64, user: Option<i64>) -> Self {
        Self {
            kind,
            at,
            user,
            span: None,
            in_window: None,
        }
    }
}

impl Cycle {
    /// The window expired unanswered before `at`: the event, when so.
    fn expired_before(&self, at: i64) -> Option<NewEvent> {
        let (Some(_), Some(last)) = (self.waiting_since, self.last_in) else {
            return None;
        };
        (at - last >= WINDOW_SECS)
            .then(|| NewEvent::new(Kind::WindowExpired, last + WINDOW_SECS, None))
    }

    fn open(&mut self, at: i64, user: Option<i64>, out: &mut Vec<NewEvent>, seen: bool) {
        if self.open_at.is_some() {
            return;
        }
        let kind = if seen { Kind::Reopened } else { Kind::Opened };
        out.push(NewEvent::new(kind, at, user));
        self.open_at = Some(at);
        self.responded = false;
        self.assigned = false;
    }

    /// Applies `h` at `at`; `seen` says whether the conversation had a cycle before (else the
    /// first one opens). Returns the events it yields.
    pub fn step(&mut self, seen: bool, h: Happening, at: i64) -> Vec<NewEvent> {
        let mut out = Vec::new();
        match h {
            Happening::Customer => {
                // The wait keeps running from the first unanswered message.
                out.extend(self.expired_before(at));
                self.open(at, None, &mut out, seen);
                self.waiting_since = self.waiting_since.or(Some(at));
                self.last_in = Some(at);
            }
            Happening::Reply(user) => {
                self.open(at, user, &mut out, seen);
                out.extend(self.expired_before(at));
                let in_window = self.last_in.map(|last| at - last < WINDOW_SECS);
                let span = self.waiting_since.map(|w| (w, at));
                if let Some(span) = span
                    && !self.responded
                {
                    out.push(NewEvent {
                        span: Some(span),
                        ..NewEvent::new(Kind::FirstResponse, at, user)
                    });
                    self.responded = true;
                }
                out.push(NewEvent {
                    span,
                    in_window: Some(in_window.unwrap_or(false)),
                    ..NewEvent::new(Kind::Reply, at, user)
                });
                self.waiting_since = None;
            }
            Happening::Assign(Some(user)) => {
                if let Some(open) = self.open_at {
                    if self.assigned {
                        out.push(NewEvent::new(Kind::Reassigned, at, Some(user)));
                    } else {
                        out.push(NewEvent {
                            span: Some((open, at)),
                            ..NewEvent::new(Kind::Assigned, at, Some(user))
                        });
                        self.assigned = true;
                    }
                }
            }
            Happening::Assign(None) => {}
            Happening::Resolve(user) => {
                if let Some(open) = self.open_at {
                    out.extend(self.expired_before(at));
                    out.push(NewEvent {
                        span: Some((open, at)),
                        ..NewEvent::new(Kind::Resolved, at, user)
                    });
                    self.open_at = None;
                    self.waiting_since = None;
                }
            }
            Happening::Reopen(user) => {
                if seen {
                    self.open(at, user, &mut out, true);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests;

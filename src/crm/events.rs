//! Live events for open pages: every use case that changes a conversation publishes one after
//! its write committed, whichever door (page, API, CLI, webhook, sender) called it.

use crate::model::ConversationId;

/// Something an open page may want to show without a reload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A conversation changed: a message queued, sent or failed, a status, a note, an
    /// assignment or a tag.
    Conversation(ConversationId),
}

/// Fan-out of live events to every connected browser. Slow listeners miss events (they are
/// told to reload), never block publishers.
#[derive(Debug, Clone)]
pub struct Events {
    tx: tokio::sync::broadcast::Sender<Event>,
}

impl Default for Events {
    fn default() -> Self {
        Self {
            tx: tokio::sync::broadcast::channel(1024).0,
        }
    }
}

impl Events {
    /// Tells every listener (none listening is fine).
    pub fn publish(&self, e: Event) {
        let _ = self.tx.send(e);
    }

    /// A new listener.
    #[must_use]
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<Event> {
        self.tx.subscribe()
    }
}

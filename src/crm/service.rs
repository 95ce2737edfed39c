//! `Crm`: the use cases' shared handles (store, clock, live events, the sender's wake-up and
//! the media directory). Pages, the API, the CLI and the jobs call its async methods; each
//! method owns its transaction, and after the commit it wakes the sender and publishes the live
//! event, so no door can forget either.

use super::events::{Event, Events};
use crate::clock::SharedClock;
use crate::db::Db;
use crate::model::ConversationId;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::Notify;

/// The use-case layer's handles; cheap to clone.
#[derive(Debug, Clone)]
pub struct Crm {
    /// The store.
    pub db: Db,
    /// Time source.
    pub clock: SharedClock,
    /// Live updates for open pages.
    pub events: Events,
    /// Poked when a message was queued.
    pub outbox_wakeup: Arc<Notify>,
    /// Poked when a webhook brought media to download.
    pub media_wakeup: Arc<Notify>,
    /// Where media files live (inbound downloads and outbound uploads).
    pub media_dir: PathBuf,
    /// Region for phone numbers typed without a country code (`crm.default_region`).
    pub default_region: Option<String>,
    /// The WhatsApp connection values `flowcrm.toml` gives (they win over the browser's).
    pub whatsapp: Arc<super::connection::FileValues>,
    /// The business's name, public URL and whether email is set up.
    pub site: Arc<super::mail::Site>,
    /// The consent keywords inbound messages are checked against.
    pub keywords: Arc<super::consent::Keywords>,
    /// Poked when mail was queued.
    pub mail_wakeup: Arc<Notify>,
    /// The key erasure records hash phone numbers and user ids with (from the vault).
    pub erasure_key: Option<Arc<[u8; 32]>>,
    /// What erasing a contact does to their orders (`privacy.erased_orders`).
    pub erased_orders: crate::config::ErasedOrders,
    /// Where backups go and when (none: this process takes no backups).
    pub backup: Option<Arc<super::backup::Settings>>,
    /// Held while a backup runs (one at a time).
    pub backup_lock: Arc<tokio::sync::Mutex<()>>,
    /// How the Google Sheets sync runs (none: this process does not sync).
    pub sheets: Option<Arc<super::sheets::Runtime>>,
    /// The Sheets client of the key in force (its token lasts an hour).
    pub sheets_client: Arc<tokio::sync::Mutex<Option<super::sheets::CachedClient>>>,
    /// How AI assist runs (none: off unless the browser turned it on, and no key).
    pub ai: Option<Arc<super::ai::Runtime>>,
    /// The AI client of the endpoint in force.
    pub ai_client: Arc<tokio::sync::Mutex<super::ai::CachedClient>>,
}

impl Crm {
    /// Builds the handles.
    #[must_use]
    pub fn new(
        db: Db,
        clock: SharedClock,
        media_dir: PathBuf,
        default_region: Option<String>,
    ) -> Self {
        Self {
            default_region,
            db,
            clock,
            events: Events::default(),
            outbox_wakeup: Arc::new(Notify::new()),
            media_wakeup: Arc::new(Notify::new()),
            media_dir,
            whatsapp: Arc::default(),
            site: Arc::default(),
            keywords: Arc::default(),
            mail_wakeup: Arc::new(Notify::new()),
            erasure_key: None,
            erased_orders: crate::config::ErasedOrders::Keep,
            backup: None,
            backup_lock: Arc::default(),
            sheets: None,
            sheets_client: Arc::default(),
            ai: None,
            ai_client: Arc::default(),
        }
    }

    /// Tells open pages that conversation `id` changed.
    pub fn changed(&self, id: ConversationId) {
        self.events.publish(Event::Conversation(id));
    }

    /// Tells the sender a message is due.
    pub fn wake_sender(&self) {
        self.outbox_wakeup.notify_one();
    }
}

/// What a use case needs to call WhatsApp's Graph API for this business number.
#[derive(Debug, Clone)]
pub struct MetaLink {
    /// The Graph API client.
    pub client: crate::whatsapp::client::GraphClient,
    /// The access token in force.
    pub token: crate::config::Secret,
    /// The business number.
    pub phone_number_id: String,
}

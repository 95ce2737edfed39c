//! WhatsApp messages as FlowCRM stores them: the typed content of every inbound type, reply and
//! ad context, status progression. Serialised as JSON in the `messages.content` column.

mod extras;
mod status;
mod text;

use serde::{Deserialize, Serialize};

pub use extras::*;
pub use status::*;

/// A media attachment as announced in a webhook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediaRef {
    /// Meta's media id (valid for 7 days).
    pub id: String,
    /// MIME type as announced.
    #[serde(default)]
    pub mime_type: String,
    /// Hash as announced (opaque; base64 or hex).
    #[serde(default)]
    pub sha256: String,
    /// Caption (image, video, document).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    /// File name (documents).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
}

/// One contact card shared in a `contacts` message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharedContact {
    /// Formatted full name.
    pub name: String,
    /// Phone numbers with their WhatsApp ids when known.
    pub phones: Vec<SharedPhone>,
    /// Email addresses.
    pub emails: Vec<String>,
}

/// A phone number on a shared contact card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharedPhone {
    /// As written on the card.
    pub phone: String,
    /// WhatsApp id when the number is on WhatsApp.
    pub wa_id: Option<String>,
    /// Label (HOME, WORK, CELL ...).
    pub kind: Option<String>,
}

/// One line of a catalog cart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderItem {
    /// The catalog product's retailer id.
    pub product_retailer_id: String,
    /// Quantity.
    pub quantity: i64,
    /// Unit price exactly as Meta wrote the number (decimal text, no float rounding).
    pub item_price: String,
    /// ISO 4217 currency.
    pub currency: String,
}

/// What a message carries, one variant per WhatsApp message type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Content {
    /// Plain text.
    Text {
        /// The text.
        body: String,
    },
    /// A picture.
    Image(MediaRef),
    /// A video.
    Video(MediaRef),
    /// An audio file or voice note.
    Audio {
        /// The file.
        media: MediaRef,
        /// True for a recorded voice note.
        voice: bool,
    },
    /// A document (PDF, spreadsheet ...).
    Document(MediaRef),
    /// A sticker.
    Sticker {
        /// The file (webp).
        media: MediaRef,
        /// Animated sticker.
        animated: bool,
    },
    /// A shared location.
    Location {
        /// Latitude; `None` when Meta's value did not parse (the name and address are kept).
        latitude: Option<f64>,
        /// Longitude; `None` when Meta's value did not parse.
        longitude: Option<f64>,
        /// Place name.
        name: Option<String>,
        /// Address.
        address: Option<String>,
        /// Link.
        url: Option<String>,
    },
    /// Shared contact cards.
    Contacts {
        /// The cards.
        contacts: Vec<SharedContact>,
    },
    /// Tap on an interactive reply button.
    ButtonReply {
        /// Button id we set.
        id: String,
        /// Button title.
        title: String,
    },
    /// Choice from an interactive list.
    ListReply {
        /// Row id we set.
        id: String,
        /// Row title.
        title: String,
        /// Row description.
        description: Option<String>,
    },
    /// A WhatsApp Flow (or address message) was completed.
    FlowReply {
        /// `flow` or `address_message`.
        name: String,
        /// Text shown in the chat.
        body: String,
        /// The flow's answers (a JSON string from Meta).
        response_json: String,
    },
    /// An interactive reply of a kind FlowCRM does not model (kept raw in `raw`).
    InteractiveOther {
        /// The `interactive.type`.
        kind: String,
    },
    /// Tap on a template quick-reply button.
    QuickReply {
        /// Payload we set on the template button.
        payload: String,
        /// Button text.
        text: String,
    },
    /// A reaction to a message; no emoji means the reaction was removed.
    Reaction {
        /// The message reacted to.
        message_id: String,
        /// The emoji, `None` when removed.
        emoji: Option<String>,
    },
    /// A cart sent from the WhatsApp catalog.
    Order {
        /// Catalog id.
        catalog_id: String,
        /// Note written with the cart.
        text: Option<String>,
        /// Cart lines.
        items: Vec<OrderItem>,
    },
    /// A system notice (number change, user id change).
    System {
        /// `user_changed_number`, `user_changed_user_id`, ...
        kind: String,
        /// Text Meta shows.
        body: String,
        /// New phone (number change).
        new_wa_id: Option<String>,
        /// New business-scoped user id.
        new_user_id: Option<String>,
    },
    /// A call permission request answered by the customer (`interactive.call_permission_reply`).
    CallPermission {
        /// `accept` or `reject`.
        response: String,
        /// Unix seconds until the permission holds (accepted only).
        expires_at: Option<i64>,
        /// `user_action` or `automatic`, as Meta says.
        source: Option<String>,
    },
    /// A WhatsApp voice call (the `calls` webhook); the message's id is the call id.
    Call {
        /// True when the business called the customer.
        business_initiated: bool,
        /// `ringing`, `connected`, `answered`, `missed`, `rejected`, `failed`.
        state: String,
        /// Seconds talked, for an answered call.
        duration: Option<i64>,
        /// Unix seconds when it connected.
        started_at: Option<i64>,
        /// Unix seconds when it ended.
        ended_at: Option<i64>,
    },
    /// The sender deleted this message: its content is gone (see `messages.deleted_at`).
    Deleted {
        /// The kind the message had (`text`, `image` ...).
        was: String,
    },
    /// A deletion stored as a message of its own (rows written before FlowCRM applied
    /// deletions to the original; new ones never are).
    Revoke {
        /// The deleted message.
        original_message_id: String,
    },
    /// An edit stored as a message of its own (rows written before FlowCRM applied edits to
    /// the original; new ones never are).
    Edit {
        /// The edited message.
        original_message_id: String,
        /// New text when the edit is a text.
        body: Option<String>,
    },
    /// The customer opened the chat for the first time.
    RequestWelcome,
    /// A type WhatsApp does not support or FlowCRM does not know; Meta's error is in the
    /// message's error fields and the original in `raw`.
    Unsupported {
        /// The type Meta named, if any.
        kind: Option<String>,
    },
}

impl Content {
    /// The stored kind, e.g. `image`.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Content::Text { .. } => "text",
            Content::Image(_) => "image",
            Content::Video(_) => "video",
            Content::Audio { .. } => "audio",
            Content::Document(_) => "document",
            Content::Sticker { .. } => "sticker",
            Content::Location { .. } => "location",
            Content::Contacts { .. } => "contacts",
            Content::ButtonReply { .. } => "button_reply",
            Content::ListReply { .. } => "list_reply",
            Content::FlowReply { .. } => "flow_reply",
            Content::InteractiveOther { .. } => "interactive_other",
            Content::QuickReply { .. } => "quick_reply",
            Content::Reaction { .. } => "reaction",
            Content::Order { .. } => "order",
            Content::System { .. } => "system",
            Content::CallPermission { .. } => "call_permission",
            Content::Call { .. } => "call",
            Content::Deleted { .. } => "deleted",
            Content::Revoke { .. } => "revoke",
            Content::Edit { .. } => "edit",
            Content::RequestWelcome => "request_welcome",
            Content::Unsupported { .. } => "unsupported",
        }
    }

    /// The attached media, if any.
    #[must_use]
    pub fn media(&self) -> Option<&MediaRef> {
        match self {
            Content::Image(m) | Content::Video(m) | Content::Document(m) => Some(m),
            Content::Audio { media, .. } | Content::Sticker { media, .. } => Some(media),
            _ => None,
        }
    }

    /// True when the message counts as the customer writing (opens the 24-hour window and
    /// counts as unread). System notices do not; a call does only when the customer called.
    #[must_use]
    pub fn is_customer_message(&self) -> bool {
        match self {
            Content::System { .. } => false,
            Content::Call {
                business_initiated, ..
            } => !business_initiated,
            _ => true,
        }
    }
}

/// Whether we received or sent a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// From the customer.
    In,
    /// From the business.
    Out,
}

impl Direction {
    /// Stored form.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::In => "in",
            Direction::Out => "out",
        }
    }
}

/// A stored message.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// Row id.
    pub id: i64,
    /// Meta's id.
    pub wamid: String,
    /// Conversation row id.
    pub conversation_id: i64,
    /// In or out.
    pub direction: Direction,
    /// Typed content.
    pub content: Content,
    /// Reply context, ad referral.
    pub extras: MessageExtras,
    /// One-line text.
    pub body: String,
    /// Meta's timestamp.
    pub sent_at: time::OffsetDateTime,
    /// Delivery status (outbound).
    pub status: Option<DeliveryStatus>,
    /// Error Meta reported for it, if any.
    pub error: Option<MetaError>,
    /// Sent from the WhatsApp Business app on the phone (coexistence), not through FlowCRM.
    pub via_business_app: bool,
    /// Imported from the phone's chat history when coexistence was set up.
    pub imported: bool,
    /// When it was last edited (earlier versions are kept).
    pub edited_at: Option<time::OffsetDateTime>,
    /// When its sender deleted it (its content is gone).
    pub deleted_at: Option<time::OffsetDateTime>,
}

#[cfg(test)]
mod tests;
